package io.lifeboat.coordinator.failover;

import java.time.Instant;

import io.lifeboat.protocol.v1.CommandResult;

/** Something that happened that the failover planner decides on; each carries the wall-clock time it is decided at. */
public sealed interface PlannerInput {

    /** When the input is decided on. */
    Instant at();

    /**
     * A LOST host's failover is armed and a silent majority has passed the recovery start.
     *
     * @param hostId the lost host
     * @param at now
     */
    record RecoveryDue(String hostId, Instant at) implements PlannerInput {
    }

    /**
     * An admin asked to fail one guest over now, and its primary is known to be off (FENCED, LOST with failover
     * armed, or confirmed off by the admin): a failover of just this guest starts, unless it is neither PROTECTED nor
     * AT_RISK after an abandoned failover (which this retries from the host it was lost from).
     *
     * @param guestId the guest
     * @param at now
     */
    record ManualFailover(String guestId, Instant at) implements PlannerInput {
    }

    /**
     * An admin asked to restore one guest from a restore point of their choice onto its standby, under the same
     * preconditions as a manual failover: a failover of just this guest starts with {@code pointId} pinned instead of
     * the latest verified point, unless the guest is not PROTECTED.
     *
     * @param guestId the guest
     * @param pointId the chosen restore point
     * @param at now
     */
    record Restore(String guestId, String pointId, Instant at) implements PlannerInput {
    }

    /**
     * An agent finished a command.
     *
     * @param result its result
     * @param at now
     */
    record CommandFinished(CommandResult result, Instant at) implements PlannerInput {
    }

    /**
     * Time passed: start delays may have run out, deadlines may have passed.
     *
     * @param at now
     */
    record Tick(Instant at) implements PlannerInput {
    }

    /**
     * The coordinator restarted and replayed its journal: outstanding commands are sent again, same ids, new epoch.
     *
     * @param at now
     */
    record Resumed(Instant at) implements PlannerInput {
    }
}
