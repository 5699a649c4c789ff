package io.lifeboat.coordinator.failover;

import io.lifeboat.protocol.v1.Envelope;

/**
 * A command for one agent.
 *
 * @param hostId the host whose agent runs it
 * @param envelope the command, carrying the coordinator epoch
 */
public record OutboundCommand(String hostId, Envelope envelope) {
}
