package io.lifeboat.coordinator.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.lifeboat.coordinator.compat.CompatibilityEngine;
import io.lifeboat.coordinator.core.JournalEvents;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.FailoverStep;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.VirtualizationExtension;

/** The events a failover's journal records announce on lifeboat.events. */
class FailoverEventsTest {

    @Test
    void aFailoverAnnouncesItsStepsAndTheAchievedRpoAndRto() {
        FailoverPlanner planner = new FailoverPlanner("c1", new CompatibilityEngine(), FailoverPlanner.Settings.defaults());
        List<JournalRecord> journal = new ArrayList<>(
                FailoverPlannerTest.office(VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X));
        CoordinatorState state = FailoverPlannerTest.replay(journal);
        Instant t0 = Instant.parse("2026-11-30T10:00:00Z");
        Decision started = planner.plan(state, new PlannerInput.RecoveryDue("hostP", t0));
        List<Envelope> events = new ArrayList<>();
        for (JournalRecord r : started.records()) {
            state.apply(r);
            events.addAll(JournalEvents.of(r, state, "c1"));
        }
        assertThat(events).anySatisfy(e -> {
            assertThat(e.getFailoverStepStarted().getStep()).isEqualTo(FailoverStep.FAILOVER_STEP_MATERIALISE);
            assertThat(e.getFailoverStepStarted().getSourceHostId()).isEqualTo("hostP");
            assertThat(e.getFailoverStepStarted().getTargetHostId()).isEqualTo("hostS");
            assertThat(e.getSender()).isEqualTo("c1");
            assertThat(e.getEpoch()).isEqualTo(1);
        });
        assertThat(events).anySatisfy(e -> assertThat(e.getFailoverStepCompleted().getStep())
                .isEqualTo(FailoverStep.FAILOVER_STEP_SELECT_POINT));
        JournalRecord failedOver = JournalRecord.newBuilder().setGuestFailedOver(
                io.lifeboat.protocol.v1.GuestFailedOver.newBuilder().setOperationId("failover-1-hostP")
                        .setGuestId("dc").setTargetHostId("hostS").setPointId("dc/20261130T094500Z")
                        .setRpo(com.google.protobuf.Duration.newBuilder().setSeconds(900))
                        .setRto(com.google.protobuf.Duration.newBuilder().setSeconds(15))
                        .setAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(t0.getEpochSecond() + 15)))
                .build();
        assertThat(JournalEvents.of(failedOver, state, "c1")).singleElement().satisfies(e ->
                assertThat(e.getFailoverStepCompleted().getDetail()).isEqualTo("FAILED_OVER on hostS: RPO 900 s, RTO 15 s"));
    }
}
