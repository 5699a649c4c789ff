package io.lifeboat.agent.hypervisor;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A crash-consistent point of all of a guest's disks, taken together, held until it is released.
 *
 * @param guest      the guest
 * @param snapshotId the driver's id of the snapshot (appears in overlay file names / the VMware snapshot name)
 * @param takenAt    when the disks were frozen (the hypervisor host's wall clock)
 * @param live       whether the guest was running (false: it was off and its disks are read in place)
 * @param disks      every disk of the guest, in device order
 */
public record BackupSnapshot(GuestRef guest, String snapshotId, Instant takenAt, boolean live, List<FrozenDisk> disks) {

    /** Prefix of every snapshot id (and overlay / snapshot name) Lifeboat creates, so stale ones can be found. */
    public static final String ID_PREFIX = "lifeboat-";

    public BackupSnapshot {
        Objects.requireNonNull(guest, "guest");
        Objects.requireNonNull(snapshotId, "snapshotId");
        Objects.requireNonNull(takenAt, "takenAt");
        disks = List.copyOf(disks);
    }
}
