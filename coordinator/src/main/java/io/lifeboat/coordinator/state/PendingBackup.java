package io.lifeboat.coordinator.state;

import java.time.Instant;

import io.lifeboat.protocol.v1.Envelope;

/**
 * A backup the coordinator requested and has no result for yet.
 *
 * @param commandId the BackupGuest's command id
 * @param targetHostId the standby whose store receives the point
 * @param requestedAt when it was requested
 * @param deadline when the coordinator stops waiting and counts it as failed
 * @param command the exact command, resent unchanged when the primary's link comes back
 */
public record PendingBackup(String commandId, String targetHostId, Instant requestedAt, Instant deadline,
                            Envelope command) {
}
