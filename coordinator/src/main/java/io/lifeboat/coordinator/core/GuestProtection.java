package io.lifeboat.coordinator.core;

/**
 * A guest the site wants protected: once its primary's agent reports it (by id or by name), it is journaled as
 * protected.
 *
 * @param guestId the stable id Lifeboat assigns
 * @param name the name the primary's hypervisor shows
 * @param primaryHostId host it runs on
 * @param standbyHostId host it fails over to
 * @param plan its recovery plan
 * @param rpo its recovery point objective
 */
public record GuestProtection(String guestId, String name, String primaryHostId, String standbyHostId, String plan,
                              java.time.Duration rpo) {

    /** A guest with the default RPO of 900 s. */
    public GuestProtection(String guestId, String name, String primaryHostId, String standbyHostId, String plan) {
        this(guestId, name, primaryHostId, standbyHostId, plan, java.time.Duration.ofSeconds(900));
    }
}
