package io.lifeboat.coordinator.failover;

/** How the coordinator can fence a lost host: through the host's own agent, through a surviving peer, or not at all. */
public sealed interface FenceRoute {

    /**
     * The lost host's own agent still answers (an agentless proxy beside a host it reaches by VI API and SSH): it gets
     * the {@code Fence} command.
     *
     * @param hostId the lost host, whose agent is asked
     */
    record OwnAgent(String hostId) implements FenceRoute {
    }

    /**
     * A surviving agent hard-stops the lost host's guests through that host's hypervisor API ({@code FencePeerHost}).
     *
     * @param agentHostId the surviving agent asked
     * @param hypervisorUri the lost host's hypervisor API
     */
    record Peer(String agentHostId, String hypervisorUri) implements FenceRoute {
    }

    /**
     * No agent can fence the host; the attempt is journaled as failed with this reason.
     *
     * @param reason one line naming the host and what is missing
     */
    record None(String reason) implements FenceRoute {
    }
}
