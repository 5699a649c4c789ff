package io.lifeboat.coordinator.core;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.FailoverOperation;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.FailoverStep;
import io.lifeboat.protocol.v1.FailoverStepCompleted;
import io.lifeboat.protocol.v1.FailoverStepFailed;
import io.lifeboat.protocol.v1.FailoverStepStarted;
import io.lifeboat.protocol.v1.Failure;
import io.lifeboat.protocol.v1.GuestFailedOver;
import io.lifeboat.protocol.v1.HostHealth;
import io.lifeboat.protocol.v1.HostLost;
import io.lifeboat.protocol.v1.HostStateChanged;
import io.lifeboat.protocol.v1.HostSuspected;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.RecoveryStep;
import io.lifeboat.protocol.v1.RecoveryStepChanged;

/** Turns durable journal records into the lifeboat.v1 events published on {@code lifeboat.events}. */
public final class JournalEvents {

    private JournalEvents() {
    }

    /** The events a record announces (none for records that are not news, such as epochs or facts). */
    public static List<Envelope> of(JournalRecord record, CoordinatorState state, String nodeId) {
        Envelope.Builder envelope = Envelope.newBuilder().setMessageId(UUID.randomUUID().toString())
                .setSender(nodeId).setEpoch(state.epoch());
        switch (record.getRecordCase()) {
            case HOST_STATE_CHANGED -> {
                HostStateChanged c = record.getHostStateChanged();
                if (c.getTo() == HostHealth.HOST_HEALTH_SUSPECTED) {
                    return List.of(envelope.setHostSuspected(HostSuspected.newBuilder().setHostId(c.getHostId())
                            .setSilence(c.getSilence())).build());
                }
                if (c.getTo() == HostHealth.HOST_HEALTH_LOST) {
                    return List.of(envelope.setHostLost(HostLost.newBuilder().setHostId(c.getHostId())
                            .setSilence(c.getSilence()).addAllAgreeingVoterIds(c.getAgreeingVoterIdsList())
                            .setFailoverArmed(c.getFailoverArmed())).build());
                }
                return List.of();
            }
            case RECOVERY_STEP_CHANGED -> {
                RecoveryStepChanged c = record.getRecoveryStepChanged();
                FailoverStep step = step(c.getStep());
                return switch (c.getStatus()) {
                    case STEP_STATUS_STARTED -> List.of(envelope.setFailoverStepStarted(FailoverStepStarted
                            .newBuilder().setOperationId(c.getOperationId()).setGuestId(c.getGuestId()).setStep(step)
                            .setSourceHostId(operation(state, c.getOperationId()).map(FailoverOperation::lostHostId)
                                    .orElse(""))
                            .setTargetHostId(state.guest(c.getGuestId()).map(g -> g.standbyHostId()).orElse(""))
                            .setPointId(c.getPointId())).build());
                    case STEP_STATUS_COMPLETED -> List.of(envelope.setFailoverStepCompleted(FailoverStepCompleted
                            .newBuilder().setOperationId(c.getOperationId()).setGuestId(c.getGuestId()).setStep(step)
                            .setPointId(c.getPointId()).setDetail(c.getDetail())).build());
                    case STEP_STATUS_FAILED -> List.of(envelope.setFailoverStepFailed(FailoverStepFailed.newBuilder()
                            .setOperationId(c.getOperationId()).setGuestId(c.getGuestId()).setStep(step)
                            .setFailure(c.getFailure()).setWillRetry(c.getDetail().startsWith("will retry"))).build());
                    default -> List.of();
                };
            }
            case GUEST_FAILED_OVER -> {
                GuestFailedOver f = record.getGuestFailedOver();
                return List.of(envelope.setFailoverStepCompleted(FailoverStepCompleted.newBuilder()
                        .setOperationId(f.getOperationId()).setGuestId(f.getGuestId())
                        .setStep(FailoverStep.FAILOVER_STEP_VERIFY_BOOT).setPointId(f.getPointId())
                        .setElapsed(f.getRto()).setDetail("FAILED_OVER on " + f.getTargetHostId() + ": RPO "
                                + f.getRpo().getSeconds() + " s, RTO " + f.getRto().getSeconds() + " s")).build());
            }
            case GUEST_RECOVERY_ABANDONED -> {
                var a = record.getGuestRecoveryAbandoned();
                Failure failure = a.hasFailure() ? a.getFailure() : Failure.newBuilder()
                        .setErrorClass(ErrorClass.ERROR_CLASS_PERMANENT).setCode("abandoned").build();
                // The guest is AT_RISK now: the event names the step and says why, as the guest's status does.
                var recovery = operation(state, a.getOperationId()).map(o -> o.guests().get(a.getGuestId()));
                String reason = state.abandonedRecovery(a.getGuestId()).map(r -> r.reason())
                        .orElse(failure.getMessage());
                return List.of(envelope.setFailoverStepFailed(FailoverStepFailed.newBuilder()
                        .setOperationId(a.getOperationId()).setGuestId(a.getGuestId())
                        .setStep(recovery.map(r -> step(r.step())).orElse(FailoverStep.FAILOVER_STEP_UNSPECIFIED))
                        .setFailure(failure.toBuilder().setMessage(reason))
                        .setWillRetry(false)).build());
            }
            case HOST_FENCE_FINISHED -> {
                var f = record.getHostFenceFinished();
                if (f.getSucceeded()) {
                    return List.of(envelope.setFenced(io.lifeboat.protocol.v1.Fenced.newBuilder()
                            .setHostId(f.getHostId()).setReason(f.getReason())
                            .addAllStoppedGuestIds(f.getStoppedGuestIdsList()).setFencedBy(nodeId)).build());
                }
                return List.of(envelope.setFenceFailed(io.lifeboat.protocol.v1.FenceFailed.newBuilder()
                        .setHostId(f.getHostId()).setAgentHostId(f.getAgentHostId())
                        .setHypervisorUri(f.getHypervisorUri()).setFailure(f.getFailure())
                        .setOperationId(f.getOperationId()).setRequestedBy(nodeId)).build());
            }
            case FAILBACK_PROGRESS -> {
                return List.of(envelope.setFailbackStep(
                        io.lifeboat.coordinator.failback.FailbackEvents.of(record.getFailbackProgress())).build());
            }
            case DRILL_BEGUN -> {
                return List.of(envelope.setDrillStarted(record.getDrillBegun().getStarted()).build());
            }
            case DRILL_COMMAND_SENT -> {
                var c = record.getDrillCommandSent();
                return List.of(envelope.setDrillStep(io.lifeboat.protocol.v1.DrillStep.newBuilder()
                        .setDrillId(c.getDrillId()).setGuestId(c.getGuestId())
                        .setStep(c.getCommand().hasDrillBoot() ? io.lifeboat.protocol.v1.DrillStepKind.DRILL_STEP_KIND_BOOT
                                : io.lifeboat.protocol.v1.DrillStepKind.DRILL_STEP_KIND_TEARDOWN)
                        .setStatus(io.lifeboat.protocol.v1.StepStatus.STEP_STATUS_STARTED)).build());
            }
            case DRILL_GUEST_FINISHED -> {
                // Each guest's verdict as it comes, before the whole plan's report.
                var r = record.getDrillGuestFinished().getResult();
                var step = io.lifeboat.protocol.v1.DrillStep.newBuilder()
                        .setDrillId(record.getDrillGuestFinished().getDrillId()).setGuestId(r.getGuestId())
                        .setStep(io.lifeboat.protocol.v1.DrillStepKind.DRILL_STEP_KIND_VERIFY)
                        .setStatus(r.getBootVerified() ? io.lifeboat.protocol.v1.StepStatus.STEP_STATUS_COMPLETED
                                : io.lifeboat.protocol.v1.StepStatus.STEP_STATUS_FAILED);
                if (r.hasRto()) {
                    step.setElapsed(r.getRto());
                }
                if (r.hasFailure()) {
                    step.setFailure(r.getFailure());
                }
                return List.of(envelope.setDrillStep(step).build());
            }
            case DRILL_ENDED -> {
                // A failed drill (success false) is what notifications react to.
                return List.of(envelope.setDrillReport(record.getDrillEnded().getReport()).build());
            }
            default -> {
                return List.of();
            }
        }
    }

    private static Optional<FailoverOperation> operation(CoordinatorState state, String operationId) {
        return state.operations().stream().filter(o -> o.operationId().equals(operationId)).findFirst();
    }

    private static FailoverStep step(RecoveryStep step) {
        return switch (step) {
            case RECOVERY_STEP_SELECT_POINT -> FailoverStep.FAILOVER_STEP_SELECT_POINT;
            case RECOVERY_STEP_MATERIALISE -> FailoverStep.FAILOVER_STEP_MATERIALISE;
            // The persistent definition is a second registration.
            case RECOVERY_STEP_REGISTER, RECOVERY_STEP_MAKE_PERSISTENT -> FailoverStep.FAILOVER_STEP_REGISTER;
            case RECOVERY_STEP_START -> FailoverStep.FAILOVER_STEP_START;
            default -> FailoverStep.FAILOVER_STEP_UNSPECIFIED;
        };
    }
}
