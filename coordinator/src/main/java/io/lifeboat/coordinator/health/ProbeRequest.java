package io.lifeboat.coordinator.health;

/**
 * A request that agent {@code proberHostId} probe host {@code hostId}'s hypervisor API and SSH: the second signal.
 *
 * @param hostId the suspected host
 * @param proberHostId the agent asked to probe it
 */
public record ProbeRequest(String hostId, String proberHostId) {
}
