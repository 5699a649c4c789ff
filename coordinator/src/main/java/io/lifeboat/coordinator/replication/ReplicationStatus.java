package io.lifeboat.coordinator.replication;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import io.lifeboat.coordinator.state.RestorePoint;

/**
 * Where one guest's replication stands, for status pages and metrics.
 *
 * @param guestId the guest
 * @param rpo its recovery point objective
 * @param newestPoint its newest verified restore point on its standby
 * @param inFlightCommandId the command id of the backup in flight, if any
 * @param nextBackupAt when the next backup is due (now or earlier when overdue), empty while one is in flight
 * @param blockedReason why no backup is scheduled although one may be due, empty when nothing blocks it
 * @param consecutiveFailures failures in a row since the last success
 * @param lastFailure the latest failure's message, if the latest backup failed
 */
public record ReplicationStatus(String guestId, Duration rpo, Optional<RestorePoint> newestPoint,
                                Optional<String> inFlightCommandId, Optional<Instant> nextBackupAt,
                                Optional<String> blockedReason, int consecutiveFailures, Optional<String> lastFailure) {

    /** Age of the newest point at {@code now}, or empty without one. */
    public Optional<Duration> pointAge(Instant now) {
        return newestPoint.map(p -> Duration.between(p.snapshotTime(), now));
    }

    /** Whether the guest has no restore point younger than its RPO at {@code now}. */
    public boolean atRisk(Instant now) {
        return pointAge(now).map(age -> age.compareTo(rpo) > 0).orElse(true);
    }
}
