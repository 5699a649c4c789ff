package io.lifeboat.coordinator.state;

import java.time.Instant;
import java.util.Optional;

import io.lifeboat.protocol.v1.Failure;

/**
 * The replication bookkeeping of one guest: its outstanding backup and its recent failures.
 *
 * @param guestId the guest
 * @param pending the backup in flight, if any (at most one per guest)
 * @param sequence backups requested so far in this epoch
 * @param consecutiveFailures failures in a row since the last success
 * @param lastFailureAt when the latest failure was learnt
 * @param lastFailure why the latest backup failed
 */
public record GuestBackups(String guestId, Optional<PendingBackup> pending, long sequence, int consecutiveFailures,
                           Optional<Instant> lastFailureAt, Optional<Failure> lastFailure) {

    static GuestBackups initial(String guestId) {
        return new GuestBackups(guestId, Optional.empty(), 0, 0, Optional.empty(), Optional.empty());
    }
}
