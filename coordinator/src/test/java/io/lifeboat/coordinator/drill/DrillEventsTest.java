package io.lifeboat.coordinator.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.lifeboat.coordinator.core.JournalEvents;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.DrillGuestFinished;
import io.lifeboat.protocol.v1.DrillGuestResult;
import io.lifeboat.protocol.v1.DrillStep;
import io.lifeboat.protocol.v1.DrillStepKind;
import io.lifeboat.protocol.v1.Failure;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.StepStatus;

/** Each guest's drill verdict is announced as it is journaled, before the plan's report. */
class DrillEventsTest {

    private static DrillStep announced(DrillGuestResult result) {
        JournalRecord record = JournalRecord.newBuilder().setDrillGuestFinished(DrillGuestFinished.newBuilder()
                .setDrillId("d1").setResult(result).setHostId("hostB")).build();
        return JournalEvents.of(record, new CoordinatorState(), "c1").stream().map(e -> e.getDrillStep())
                .reduce((a, b) -> {
                    throw new AssertionError("more than one event for one record: " + a + ", " + b);
                }).orElseThrow();
    }

    @Test
    void aGuestThatBootedIsAVerifyCompletedWithItsRto() {
        DrillStep step = announced(DrillGuestResult.newBuilder().setGuestId("mail").setPointId("mail/20261130T100000Z")
                .setBootVerified(true).setRto(Timestamps.of(Duration.ofMillis(2500))).build());
        assertThat(step.getDrillId()).isEqualTo("d1");
        assertThat(step.getGuestId()).isEqualTo("mail");
        assertThat(step.getStep()).isEqualTo(DrillStepKind.DRILL_STEP_KIND_VERIFY);
        assertThat(step.getStatus()).isEqualTo(StepStatus.STEP_STATUS_COMPLETED);
        assertThat(Timestamps.duration(step.getElapsed())).isEqualTo(Duration.ofMillis(2500));
        assertThat(step.hasFailure()).isFalse();
    }

    @Test
    void aGuestThatDidNotBootIsAVerifyFailedWithTheReason() {
        DrillStep step = announced(DrillGuestResult.newBuilder().setGuestId("web").setBootVerified(false)
                .setFailure(Failure.newBuilder().setCode("no_usable_point")
                        .setMessage("guest web: no verified restore point on hostB")).build());
        assertThat(step.getStatus()).isEqualTo(StepStatus.STEP_STATUS_FAILED);
        assertThat(step.getFailure().getMessage()).isEqualTo("guest web: no verified restore point on hostB");
        assertThat(step.hasElapsed()).isFalse();
    }
}
