package io.lifeboat.coordinator.state;

import java.time.Instant;

/**
 * Why a guest is AT_RISK after its failover was abandoned: an admin's manual failover may retry it, nothing retries it
 * on its own.
 *
 * @param operationId the failover that gave up
 * @param lostHostId the host the guest was being recovered from (a retry recovers it from there again)
 * @param reason one line, "failover abandoned at STEP: why"
 * @param at when it gave up, wall clock
 */
public record AbandonedRecovery(String operationId, String lostHostId, String reason, Instant at) {
}
