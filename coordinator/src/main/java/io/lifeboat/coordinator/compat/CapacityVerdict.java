package io.lifeboat.coordinator.compat;

import java.util.List;

/**
 * Whether a target host has room for every guest a recovery plan would place on it at once.
 *
 * @param targetHostId the host
 * @param guestIds the guests the plan places there
 * @param memoryNeededBytes memory of those guests together
 * @param memoryFreeBytes memory the host has free for new guests
 * @param vcpusNeeded vCPUs of those guests together
 * @param vcpusAvailable logical CPUs of the host times the allowed overcommit
 * @param diskNeededBytes datastore space of their materialised disks (virtual size, the worst case)
 * @param diskFreeBytes free datastore space
 * @param shortfalls one line per resource that is short; empty when the plan fits
 */
public record CapacityVerdict(String targetHostId, List<String> guestIds, long memoryNeededBytes,
                              long memoryFreeBytes, long vcpusNeeded, long vcpusAvailable, long diskNeededBytes,
                              long diskFreeBytes, List<String> shortfalls) {

    /** Creates the verdict, copying the lists. */
    public CapacityVerdict {
        guestIds = List.copyOf(guestIds);
        shortfalls = List.copyOf(shortfalls);
    }

    /** Whether everything fits. */
    public boolean fits() {
        return shortfalls.isEmpty();
    }
}
