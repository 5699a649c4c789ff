package io.lifeboat.coordinator.sim;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Deterministic simulation of a two-host site under seeded faults (host kill and restart, partitions, agent and
 * coordinator restarts, message loss, duplication and reordering): I1, I3 and I4 hold for every seed.
 */
class SimulationProperties {

    @Property(tries = 50)
    void invariantsHoldForEverySeed(@ForAll long seed) {
        SimWorld world = SimWorld.randomFaults(seed, SimOptions.safe()).runUntil(90 * SimWorld.S);
        assertThat(world.violations).as(world.report()).isEmpty();
    }
}
