package io.lifeboat.coordinator.sim;

/**
 * Switches of a simulation run; the unsafe ones exist to prove the checker catches what they break.
 *
 * @param selfFencing agents (and their fence processes) hard-stop guests when they lose their lease
 * @param epochCheck agents refuse commands older than the highest epoch they have seen
 */
record SimOptions(boolean selfFencing, boolean epochCheck) {

    static SimOptions safe() {
        return new SimOptions(true, true);
    }
}
