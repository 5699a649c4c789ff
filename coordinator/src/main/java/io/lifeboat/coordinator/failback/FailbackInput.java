package io.lifeboat.coordinator.failback;

import java.time.Instant;
import java.util.Set;

import io.lifeboat.protocol.v1.CommandResult;

/** Something the failback planner decides on; each carries the wall-clock time it is decided at. */
public sealed interface FailbackInput {

    /** When the input is decided on. */
    Instant at();

    /**
     * An admin asked to fail a guest back to its primary.
     *
     * @param guestId the guest
     * @param requestedBy the user who asked
     * @param runningOnPrimary the guests the primary's agent last reported running
     * @param at now
     */
    record Start(String guestId, String requestedBy, Set<String> runningOnPrimary, Instant at)
            implements FailbackInput {

        /** Copies the set. */
        public Start {
            runningOnPrimary = Set.copyOf(runningOnPrimary);
        }
    }

    /**
     * An agent finished a command.
     *
     * @param result its result
     * @param at now
     */
    record CommandFinished(CommandResult result, Instant at) implements FailbackInput {
    }

    /**
     * Time passed, or a host's health changed: deadlines may have passed, a primary may have died.
     *
     * @param at now
     */
    record Tick(Instant at) implements FailbackInput {
    }

    /**
     * The coordinator restarted and replayed its journal: outstanding commands are sent again at the new epoch.
     *
     * @param at now
     */
    record Resumed(Instant at) implements FailbackInput {
    }
}
