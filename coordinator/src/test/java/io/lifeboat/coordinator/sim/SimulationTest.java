package io.lifeboat.coordinator.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.GuestEntry;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.GuestState;

/** Scenarios of the simulation with fixed seeds: the outcomes the lab ITs expect, and proof the checker bites. */
class SimulationTest {

    private static final long S = SimWorld.S;

    private static SimWorld quiet(long seed, SimOptions options) {
        return new SimWorld(seed, options, 0.0, 0.0, 20 * SimWorld.MS);
    }

    @Test
    void killedPrimaryFailsOverWithinTwentySeconds() {
        SimWorld world = quiet(1, SimOptions.safe());
        world.at(5 * S, "kill hostP", world.agentP::killHost);
        world.runUntil(40 * S);
        assertThat(world.violations).as(world.report()).isEmpty();
        assertThat(world.host("hostS").running()).as(world.report()).containsExactlyElementsOf(SimWorld.GUESTS);
        CoordinatorState state = world.journalState();
        assertThat(state.guests().values()).extracting(GuestEntry::state).containsOnly(GuestState.GUEST_STATE_FAILED_OVER);
        // RTO counts from the recovery declaration; host kill to declaration is the 10 s recovery start (+ ticks).
        Duration declaredAfterKill = Duration.between(SimCoordinator.T0.plusSeconds(5),
                state.operations().get(0).declaredAt());
        Duration firstGuestRto = Duration.between(state.operations().get(0).declaredAt(),
                state.operations().get(0).guests().get("g1").failedOverAt().orElseThrow());
        assertThat(declaredAfterKill.plus(firstGuestRto)).isLessThanOrEqualTo(Duration.ofSeconds(20));
        assertThat(Timestamps.of(declaredAfterKill).getSeconds()).isBetween(10L, 12L);
    }

    @Test
    void partitionedPrimaryFencesItselfBeforeTheStandbyStartsTheGuest() {
        SimWorld world = quiet(2, SimOptions.safe());
        world.at(5 * S, "isolate hostP", () -> {
            world.network.cut("hostP", "hostS");
            world.network.cut("hostP", "c1");
        });
        world.runUntil(60 * S);
        assertThat(world.violations).as(world.report()).isEmpty();
        assertThat(world.host("hostP").alive()).isTrue();
        assertThat(world.host("hostP").running()).isEmpty();
        assertThat(world.host("hostS").running()).containsExactlyElementsOf(SimWorld.GUESTS);
    }

    @Test
    void withoutSelfFencingThePartitionedPrimaryKeepsRunningAndTheCheckerCatchesTwoCopies() {
        SimWorld world = quiet(2, new SimOptions(false, true));
        world.at(5 * S, "isolate hostP", () -> {
            world.network.cut("hostP", "hostS");
            world.network.cut("hostP", "c1");
        });
        world.runUntil(60 * S);
        assertThat(world.violations).anySatisfy(v -> assertThat(v).contains("I1: guest g1 runs on [hostP, hostS]"));
    }

    @Test
    void coordinatorDownForAMinuteStopsNoGuestAndItsRestartFailsNothingOver() {
        SimWorld world = quiet(3, SimOptions.safe());
        world.at(5 * S, "crash coordinator", world.coordinator::crash);
        List<Long> checks = List.of(10L, 30L, 50L, 64L, 90L);
        for (long t : checks) {
            world.at(t * S, "check", () -> assertThat(world.host("hostP").running())
                    .as("at %d s", t).containsExactlyElementsOf(SimWorld.GUESTS));
        }
        world.at(65 * S, "restart coordinator", world.coordinator::start);
        world.runUntil(95 * S);
        assertThat(world.violations).as(world.report()).isEmpty();
        assertThat(world.journalState().operations()).isEmpty();
        assertThat(world.coordinator.epoch()).isEqualTo(2);
    }

    @Test
    void coordinatorKilledMidFailoverCompletesItAfterRestart() {
        SimWorld world = quiet(4, SimOptions.safe());
        world.at(5 * S, "kill hostP", world.agentP::killHost);
        world.at(17 * S, "crash coordinator", world.coordinator::crash);
        world.at(22 * S, "restart coordinator", world.coordinator::start);
        world.runUntil(70 * S);
        assertThat(world.violations).as(world.report()).isEmpty();
        assertThat(world.host("hostS").running()).as(world.report()).containsExactlyElementsOf(SimWorld.GUESTS);
        assertThat(world.journalState().operations()).hasSize(1);
    }

    @Test
    void restartedPrimaryKeepsItsGuestsOffBecauseTheStandbyOwnsThem() {
        SimWorld world = quiet(5, SimOptions.safe());
        world.at(5 * S, "kill hostP", world.agentP::killHost);
        world.at(40 * S, "restart hostP", () -> {
            world.host("hostP").powerOn();
            world.agentP.bootHost();
        });
        world.runUntil(80 * S);
        assertThat(world.violations).as(world.report()).isEmpty();
        assertThat(world.host("hostP").running()).isEmpty();
        assertThat(world.host("hostS").running()).containsExactlyElementsOf(SimWorld.GUESTS);
    }

    @Test
    void withoutTheEpochCheckSomeSeedExecutesAStaleCommandAndTheCheckerCatchesIt() {
        boolean caught = false;
        for (long seed = 0; seed < 40 && !caught; seed++) {
            SimWorld unsafe = restartStorm(seed, new SimOptions(true, false));
            caught = unsafe.violations.stream().anyMatch(v -> v.contains("I3:"));
            SimWorld safe = restartStorm(seed, SimOptions.safe());
            assertThat(safe.violations).as(safe.report()).isEmpty();
        }
        assertThat(caught).as("a stale-epoch execution in 40 seeds").isTrue();
    }

    /**
     * hostP cut from the coordinator only (so hostS keeps hearing it and is asked to probe it again and again),
     * while the coordinator restarts every few seconds and duplicates of old-epoch probes are still in flight.
     */
    private static SimWorld restartStorm(long seed, SimOptions options) {
        SimWorld world = new SimWorld(seed, options, 0.3, 0.6, 300 * SimWorld.MS);
        world.at(2 * S, "cut hostP-c1", () -> world.network.cut("hostP", "c1"));
        for (int i = 0; i < 12; i++) {
            long at = 8 * S + i * 3600 * SimWorld.MS + (seed % 7) * 100 * SimWorld.MS;
            world.at(at, "crash coordinator", world.coordinator::crash);
            world.at(at + 400 * SimWorld.MS, "restart coordinator", world.coordinator::start);
        }
        return world.runUntil(50 * S);
    }
}
