package io.lifeboat.coordinator.failback;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.lifeboat.coordinator.api.internal.EventJson;
import io.lifeboat.coordinator.core.JournalEvents;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.FailbackStep;
import io.lifeboat.protocol.v1.FailbackStepKind;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.StepStatus;
import io.vertx.core.json.JsonObject;

/** The FailbackStep events a failback's journal records announce on lifeboat.events, and their REST shape. */
class FailbackEventsTest {

    /** Drives a failback to its end and collects the events of its records, each read against the state after it. */
    private static List<FailbackStep> events(FailbackPlannerTest.Driver d) {
        d.start();
        d.settle();
        CoordinatorState state = FailbackPlannerTest.replay(FailbackPlannerTest.failedOver());
        List<FailbackStep> out = new ArrayList<>();
        for (JournalRecord r : d.journal.subList(FailbackPlannerTest.failedOver().size(), d.journal.size())) {
            state.apply(r);
            for (Envelope e : JournalEvents.of(r, state, "c1")) {
                assertThat(e.getSender()).isEqualTo("c1");
                out.add(e.getFailbackStep());
            }
        }
        return out;
    }

    @Test
    void aFailbackAnnouncesEachStepAndFinallyItsDowntimeAndTheKeptPoint() {
        List<FailbackStep> steps = events(new FailbackPlannerTest().new Driver(FailbackPlannerTest.failedOver()));

        assertThat(steps.stream().map(FailbackStep::getStep).distinct()).containsExactly(
                FailbackStepKind.FAILBACK_STEP_KIND_KEEP_PRIMARY_STATE,
                FailbackStepKind.FAILBACK_STEP_KIND_REVERSE_REPLICATE,
                FailbackStepKind.FAILBACK_STEP_KIND_STOP_ON_STANDBY,
                FailbackStepKind.FAILBACK_STEP_KIND_FINAL_DELTA,
                FailbackStepKind.FAILBACK_STEP_KIND_MATERIALISE_ON_PRIMARY,
                FailbackStepKind.FAILBACK_STEP_KIND_REGISTER_ON_PRIMARY,
                FailbackStepKind.FAILBACK_STEP_KIND_START_ON_PRIMARY,
                FailbackStepKind.FAILBACK_STEP_KIND_CLEAN_UP_STANDBY,
                FailbackStepKind.FAILBACK_STEP_KIND_RESUME_PROTECTION);
        assertThat(steps).allSatisfy(s -> {
            assertThat(s.getOperationId()).isEqualTo("failback-1-dc");
            assertThat(s.getGuestId()).isEqualTo("dc");
            assertThat(s.getPrimaryHostId()).isEqualTo("hostP");
            assertThat(s.getStandbyHostId()).isEqualTo("hostS");
        });
        assertThat(steps.subList(0, steps.size() - 1)).allSatisfy(s -> {
            assertThat(s.getStatus()).isEqualTo(StepStatus.STEP_STATUS_STARTED);
            assertThat(s.hasDowntime()).as("no downtime before the boot is verified: %s", s.getStep())
                    .isEqualTo(s.getStep() == FailbackStepKind.FAILBACK_STEP_KIND_CLEAN_UP_STANDBY);
        });
        assertThat(steps.get(0).getDetail()).isEqualTo("keeping primary host hostP's disk state as a restore point");

        FailbackStep last = steps.get(steps.size() - 1);
        assertThat(last.getStatus()).isEqualTo(StepStatus.STEP_STATUS_COMPLETED);
        // The planner's clock: stop confirmed at +6 s, boot verified at +14 s; the whole failback took 16 s.
        assertThat(last.getDowntime().getSeconds()).isEqualTo(8);
        assertThat(last.getElapsed().getSeconds()).isEqualTo(16);
        assertThat(last.getKeptPointId()).isEqualTo("dc/20261130T120000Z");
        assertThat(last.getDetail()).contains("protected hostP -> hostS again, downtime 8.0 s");

        JsonObject json = EventJson.of(Envelope.newBuilder().setFailbackStep(last).build(), Instant.EPOCH)
                .orElseThrow();
        assertThat(json.getString("type")).isEqualTo("FailbackStep");
        assertThat(json.getString("guestId")).isEqualTo("dc");
        assertThat(json.getJsonObject("data").getString("step")).isEqualTo("RESUME_PROTECTION");
        assertThat(json.getJsonObject("data").getDouble("downtimeSeconds")).isEqualTo(8.0);
        assertThat(json.getJsonObject("data").getString("keptPointId")).isEqualTo("dc/20261130T120000Z");
    }

    @Test
    void aRolledBackFailbackAnnouncesTheRollbackAndEndsRolledBackWithTheReason() {
        FailbackPlannerTest.Driver d = new FailbackPlannerTest().new Driver(FailbackPlannerTest.failedOver());
        d.hosts.fail = (h, c) -> c.hasMaterialiseRestorePoint();
        List<FailbackStep> steps = events(d);

        assertThat(steps).anySatisfy(s -> {
            assertThat(s.getStep()).isEqualTo(FailbackStepKind.FAILBACK_STEP_KIND_MATERIALISE_ON_PRIMARY);
            assertThat(s.getStatus()).isEqualTo(StepStatus.STEP_STATUS_FAILED);
            assertThat(s.getFailure().getCode()).isEqualTo("injected");
        });
        assertThat(steps).anySatisfy(s -> {
            assertThat(s.getStep()).isEqualTo(FailbackStepKind.FAILBACK_STEP_KIND_ROLLBACK);
            assertThat(s.getStatus()).isEqualTo(StepStatus.STEP_STATUS_STARTED);
            assertThat(s.getDetail()).isEqualTo("rollback: starting the guest again on standby host hostS");
        });
        FailbackStep last = steps.get(steps.size() - 1);
        assertThat(last.getStep()).isEqualTo(FailbackStepKind.FAILBACK_STEP_KIND_ROLLED_BACK);
        assertThat(last.getFailure().getMessage()).isEqualTo("injected failure of MATERIALISE_RESTORE_POINT on hostP");
        assertThat(last.hasDowntime()).isFalse();
        assertThat(steps).noneMatch(s -> s.getStep() == FailbackStepKind.FAILBACK_STEP_KIND_RESUME_PROTECTION);
    }
}
