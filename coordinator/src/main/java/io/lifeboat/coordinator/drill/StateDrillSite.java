package io.lifeboat.coordinator.drill;

import java.util.Comparator;
import java.util.Optional;

import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.RestorePoint;

/** Answers a drill's questions from the coordinator's journal-replayed state, picking points as failover does. */
public final class StateDrillSite implements DrillSite {

    private final CoordinatorState state;

    /** Reads {@code state} (live: the answer is what it holds when a guest's turn comes). */
    public StateDrillSite(CoordinatorState state) {
        this.state = state;
    }

    @Override
    public Optional<DrillGuest> guest(String guestId) {
        return state.guest(guestId).map(g -> {
            Optional<RestorePoint> point = state.points(guestId).stream()
                    .filter(p -> p.verified() && p.storeHostId().equals(g.standbyHostId()))
                    .max(Comparator.comparing(RestorePoint::snapshotTime));
            return new DrillGuest(guestId, g.spec().getName().isEmpty() ? guestId : g.spec().getName(),
                    g.standbyHostId(), g.spec(), point.map(RestorePoint::pointId), point.map(RestorePoint::snapshotTime));
        });
    }
}
