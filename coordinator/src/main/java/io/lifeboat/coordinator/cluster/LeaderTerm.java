package io.lifeboat.coordinator.cluster;

import java.util.Objects;

/**
 * What a coordinator verticle leads with: the lowest epoch it may start (the cluster's fence; 0 for a single
 * coordinator, whose epoch is one above its journal's) and where its durable records are shipped.
 *
 * @param epochFloor the epoch to start at least
 * @param tap receives the journal's durable records
 */
public record LeaderTerm(long epochFloor, JournalTap tap) {

    /** A single coordinator: no floor, nothing shipped. */
    public static final LeaderTerm SINGLE = new LeaderTerm(0, JournalTap.NONE);

    /** Checks the arguments. */
    public LeaderTerm {
        Objects.requireNonNull(tap, "tap");
        if (epochFloor < 0) {
            throw new IllegalArgumentException("epoch floor " + epochFloor + " is negative");
        }
    }
}
