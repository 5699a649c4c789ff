package io.lifeboat.coordinator.drill;

import java.util.Optional;

/** Looks up, at the moment a guest's drill begins, what the coordinator knows about it. */
@FunctionalInterface
public interface DrillSite {

    /** The guest, or empty when the coordinator does not know it. */
    Optional<DrillGuest> guest(String guestId);
}
