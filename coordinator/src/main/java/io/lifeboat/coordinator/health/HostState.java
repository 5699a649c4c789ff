package io.lifeboat.coordinator.health;

/** Health of a hypervisor host as the coordinator judges it (the REST host states). */
public enum HostState {
    /** Heartbeats arrive. */
    UP,
    /** Silent longer than the suspicion threshold; a probe from another agent is under way. */
    SUSPECTED,
    /** Declared lost: second signal plus a majority without the host silent longer than the lease TTL. */
    LOST,
    /** Its guests were stopped by a fence (self-fence, fence command or remote power-off). */
    FENCED,
    /** Taken out of failure detection by an admin. */
    MAINTENANCE
}
