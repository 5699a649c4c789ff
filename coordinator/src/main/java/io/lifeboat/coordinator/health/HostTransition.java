package io.lifeboat.coordinator.health;

import java.util.List;

/**
 * A change of a host's state, decided by {@link LeaseTable#evaluate(long)}; journaled, then applied with
 * {@link LeaseTable#apply(HostTransition)}.
 *
 * @param hostId the host
 * @param from state before
 * @param to state after
 * @param atNanos coordinator monotonic time of the decision ({@link Long#MIN_VALUE} when replayed from a journal
 *                written by an earlier run, whose clock means nothing now)
 * @param silenceNanos how long the coordinator had not heard from the host
 * @param agreeingVoterIds for LOST: the voters without the host that agree it is silent
 * @param failoverArmed for LOST: whether automatic failover of its guests may start
 * @param reason one line for humans: why the state changed, and why failover is not armed when it is not
 */
public record HostTransition(String hostId, HostState from, HostState to, long atNanos, long silenceNanos,
                             List<String> agreeingVoterIds, boolean failoverArmed, String reason) {

    /** Creates the transition, copying the voter list. */
    public HostTransition {
        agreeingVoterIds = List.copyOf(agreeingVoterIds);
    }
}
