package io.lifeboat.coordinator.state;

import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.GuestState;

/**
 * A protected guest.
 *
 * @param spec its spec as its primary reported it
 * @param primaryHostId the host it was protected from
 * @param standbyHostId the host holding its restore points
 * @param plan its recovery plan
 * @param state where it stands
 * @param ownerHostId the only host allowed to run its production copy
 */
public record GuestEntry(GuestSpec spec, String primaryHostId, String standbyHostId, String plan, GuestState state,
                         String ownerHostId) {

    /** Its id. */
    public String guestId() {
        return spec.getGuestId();
    }
}
