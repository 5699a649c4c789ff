package io.lifeboat.coordinator.replication;

import java.util.Optional;

/** Tells whether a host can take part in a backup now (its agent is linked and the host is UP), and if not, why. */
@FunctionalInterface
public interface HostReadiness {

    /** Why {@code hostId} cannot take part in a backup now, or empty when it can. */
    Optional<String> whyNotReady(String hostId);
}
