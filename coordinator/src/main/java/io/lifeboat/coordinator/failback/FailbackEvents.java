package io.lifeboat.coordinator.failback;

import java.time.Duration;

import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.FailbackPhase;
import io.lifeboat.protocol.v1.FailbackProgress;
import io.lifeboat.protocol.v1.FailbackStep;
import io.lifeboat.protocol.v1.FailbackStepKind;
import io.lifeboat.protocol.v1.StepStatus;

/**
 * Turns a journaled {@link FailbackProgress} into the {@link FailbackStep} event that announces it: one per phase
 * started, retried or failed, and a final one (RESUME_PROTECTION completed, or ROLLED_BACK) that carries the
 * downtime, the kept restore point and the failback's whole duration.
 */
public final class FailbackEvents {

    private FailbackEvents() {
    }

    /** The event announcing {@code progress}. */
    public static FailbackStep of(FailbackProgress progress) {
        FailbackStep.Builder step = FailbackStep.newBuilder().setOperationId(progress.getOperationId())
                .setGuestId(progress.getGuestId()).setStep(kind(progress.getPhase()))
                .setStandbyHostId(progress.getStandbyHostId()).setPrimaryHostId(progress.getPrimaryHostId())
                .setAttempt(progress.getAttempt()).setKeptPointId(progress.getKeptPointId())
                .setDetail(progress.getDetail());
        // A rollback waiting for the primary to be confirmed off or back journals no status: it is under way.
        step.setStatus(progress.getStatus() == StepStatus.STEP_STATUS_UNSPECIFIED ? StepStatus.STEP_STATUS_STARTED
                : progress.getStatus());
        if (progress.hasFailure()) {
            step.setFailure(progress.getFailure());
        }
        if (progress.hasDowntime()) {
            step.setDowntime(progress.getDowntime());
        }
        if (FailbackPlanner.terminal(progress) && progress.hasStartedAt() && progress.hasAt()) {
            step.setElapsed(Timestamps.of(Duration.between(Timestamps.instant(progress.getStartedAt()),
                    Timestamps.instant(progress.getAt()))));
        }
        return step.build();
    }

    /** The step a phase belongs to; DONE is the resumed protection, every rollback phase the rollback. */
    static FailbackStepKind kind(FailbackPhase phase) {
        return switch (phase) {
            case FAILBACK_PHASE_KEEP_PRIMARY_STATE -> FailbackStepKind.FAILBACK_STEP_KIND_KEEP_PRIMARY_STATE;
            case FAILBACK_PHASE_BULK_DELTA -> FailbackStepKind.FAILBACK_STEP_KIND_REVERSE_REPLICATE;
            case FAILBACK_PHASE_STOP_STANDBY -> FailbackStepKind.FAILBACK_STEP_KIND_STOP_ON_STANDBY;
            case FAILBACK_PHASE_FINAL_DELTA -> FailbackStepKind.FAILBACK_STEP_KIND_FINAL_DELTA;
            case FAILBACK_PHASE_MATERIALISE -> FailbackStepKind.FAILBACK_STEP_KIND_MATERIALISE_ON_PRIMARY;
            case FAILBACK_PHASE_REGISTER -> FailbackStepKind.FAILBACK_STEP_KIND_REGISTER_ON_PRIMARY;
            // StartGuest on the primary carries the boot verification.
            case FAILBACK_PHASE_START -> FailbackStepKind.FAILBACK_STEP_KIND_START_ON_PRIMARY;
            case FAILBACK_PHASE_CLEAN_UP_STANDBY -> FailbackStepKind.FAILBACK_STEP_KIND_CLEAN_UP_STANDBY;
            case FAILBACK_PHASE_DONE -> FailbackStepKind.FAILBACK_STEP_KIND_RESUME_PROTECTION;
            case FAILBACK_PHASE_ROLLBACK_STOP_PRIMARY, FAILBACK_PHASE_ROLLBACK_UNREGISTER_PRIMARY,
                 FAILBACK_PHASE_ROLLBACK_START_STANDBY -> FailbackStepKind.FAILBACK_STEP_KIND_ROLLBACK;
            case FAILBACK_PHASE_ROLLED_BACK -> FailbackStepKind.FAILBACK_STEP_KIND_ROLLED_BACK;
            default -> FailbackStepKind.FAILBACK_STEP_KIND_UNSPECIFIED;
        };
    }
}
