package io.lifeboat.coordinator.core;

import java.util.Locale;
import java.util.Optional;

import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.HostHealth;
import io.lifeboat.protocol.v1.JournalRecord;

/**
 * Renders each journal record (one state transition) as one log line for humans, such as
 * {@code host hostA SUSPECTED after 3.0 s silence}; the caller prefixes the node and epoch.
 */
public final class TransitionLines {

    /**
     * One log line.
     *
     * @param warn whether it reports trouble (a host in doubt or lost, a failed backup, an abandoned recovery)
     * @param text the line
     */
    public record Line(boolean warn, String text) {
    }

    private TransitionLines() {
    }

    /** The line for {@code record}, read against the state it was applied to. */
    public static Line of(JournalRecord record, CoordinatorState state) {
        switch (record.getRecordCase()) {
            case EPOCH_STARTED -> {
                return info("epoch " + record.getEpochStarted().getEpoch() + " started by "
                        + record.getEpochStarted().getNodeId());
            }
            case HOST_STATE_CHANGED -> {
                var c = record.getHostStateChanged();
                String to = health(c.getTo());
                String silence = String.format(Locale.ROOT, "%.1f s", Timestamps.duration(c.getSilence()).toMillis()
                        / 1000.0);
                if (c.getTo() == HostHealth.HOST_HEALTH_SUSPECTED) {
                    return warn("host " + c.getHostId() + " SUSPECTED after " + silence + " silence");
                }
                if (c.getTo() == HostHealth.HOST_HEALTH_LOST) {
                    if (c.getFrom() == HostHealth.HOST_HEALTH_LOST) {
                        return warn("host " + c.getHostId() + " LOST, failover "
                                + (c.getFailoverArmed() ? "armed" : "not armed") + ": " + c.getReason());
                    }
                    return warn("host " + c.getHostId() + " LOST after " + silence + " silence, voters "
                            + c.getAgreeingVoterIdsList() + " agree; failover " + (c.getFailoverArmed() ? "armed"
                            : "NOT armed") + " (" + c.getReason() + ")");
                }
                return info("host " + c.getHostId() + " " + to + " (was " + health(c.getFrom()) + "): "
                        + c.getReason());
            }
            case HOST_FACTS_RECORDED -> {
                var f = record.getHostFactsRecorded().getFacts();
                return info("host " + f.getHostId() + " facts: " + f.getHypervisorKind().name()
                        .replace("HYPERVISOR_KIND_", "") + " " + f.getHypervisorVersion() + ", "
                        + f.getVirtualizationExtension().name().replace("VIRTUALIZATION_EXTENSION_", "")
                        + ", fencing " + f.getFencingCapability().name().replace("FENCING_CAPABILITY_", ""));
            }
            case RECOVERY_PLAN_DEFINED -> {
                var p = record.getRecoveryPlanDefined();
                return info("plan " + p.getName() + " defined: target " + p.getTargetHostId() + ", "
                        + p.getEntriesCount() + " guest(s), disks under " + p.getDestinationDir());
            }
            case GUEST_PROTECTED -> {
                var g = record.getGuestProtected();
                return info("guest " + g.getSpec().getName() + " (" + g.getSpec().getGuestId() + ") PROTECTED: "
                        + "primary " + g.getPrimaryHostId() + ", standby " + g.getStandbyHostId() + ", plan "
                        + g.getPlan());
            }
            case RESTORE_POINT_RECORDED -> {
                var p = record.getRestorePointRecorded();
                return info("guest " + guest(state, p.getGuestId()) + " restore point " + p.getPointId()
                        + " recorded on " + p.getStoreHostId() + (p.getVerified() ? " (verified)" : " (not verified)"));
            }
            case BACKUP_REQUESTED -> {
                var b = record.getBackupRequested();
                return info("guest " + guest(state, b.getGuestId()) + " backup " + b.getCommandId()
                        + " requested into the store of " + b.getTargetHostId());
            }
            case BACKUP_FINISHED -> {
                var b = record.getBackupFinished();
                if (b.getSucceeded()) {
                    return info("guest " + guest(state, b.getGuestId()) + " backup " + b.getCommandId()
                            + " committed " + b.getPointId());
                }
                return warn("guest " + guest(state, b.getGuestId()) + " backup " + b.getCommandId() + " failed ("
                        + b.getConsecutiveFailures() + " in a row): " + b.getFailure().getCode() + ": "
                        + b.getFailure().getMessage());
            }
            case FAILOVER_STARTED -> {
                var f = record.getFailoverStarted();
                if (!f.getRestorePointId().isEmpty()) {
                    return warn("restore " + f.getOperationId() + " of guest " + guest(state, f.getGuestIds(0))
                            + " from point " + f.getRestorePointId() + " onto its standby started (owner "
                            + f.getLostHostId() + ")");
                }
                return warn("failover " + f.getOperationId() + " of lost host " + f.getLostHostId() + " started for "
                        + f.getGuestIdsCount() + " guest(s) " + f.getGuestIdsList());
            }
            case RECOVERY_STEP_CHANGED -> {
                var c = record.getRecoveryStepChanged();
                String line = "guest " + guest(state, c.getGuestId()) + " failover " + c.getOperationId() + ": "
                        + c.getStep().name().replace("RECOVERY_STEP_", "") + " "
                        + c.getStatus().name().replace("STEP_STATUS_", "") + " (attempt " + c.getAttempt() + ")"
                        + (c.getDetail().isEmpty() ? "" : ": " + c.getDetail())
                        + (c.hasFailure() ? ": " + c.getFailure().getCode() + ": " + c.getFailure().getMessage() : "");
                return c.hasFailure() ? warn(line) : info(line);
            }
            case GUEST_FAILED_OVER -> {
                var f = record.getGuestFailedOver();
                return info("guest " + guest(state, f.getGuestId()) + " FAILED_OVER on " + f.getTargetHostId()
                        + " from " + f.getPointId() + String.format(Locale.ROOT, ": RPO %.1f s, RTO %.1f s",
                        Timestamps.duration(f.getRpo()).toMillis() / 1000.0,
                        Timestamps.duration(f.getRto()).toMillis() / 1000.0));
            }
            case GUEST_RECOVERY_ABANDONED -> {
                var a = record.getGuestRecoveryAbandoned();
                String reason = state.abandonedRecovery(a.getGuestId()).map(r -> r.reason())
                        .orElse(a.getFailure().getMessage());
                return warn("guest " + guest(state, a.getGuestId()) + " AT_RISK, owner "
                        + state.guest(a.getGuestId()).map(g -> g.ownerHostId()).orElse("?") + ": " + reason + " ("
                        + a.getFailure().getCode() + ", " + a.getOperationId() + "); an admin's failover retries it");
            }
            case GUEST_PROTECTION_RESUMED -> {
                var r = record.getGuestProtectionResumed();
                return info("guest " + guest(state, r.getGuestId()) + " PROTECTED again, owner " + r.getHostId()
                        + ": " + r.getReason());
            }
            case HOST_FENCE_REQUESTED -> {
                var f = record.getHostFenceRequested();
                return warn("host " + f.getHostId() + " fence requested from agent " + f.getAgentHostId() + " ("
                        + (f.getCommand().hasFencePeerHost() ? "FencePeerHost through "
                        + f.getCommand().getFencePeerHost().getHypervisorUri() : "Fence") + ", command "
                        + f.getCommandId() + ", failover " + f.getOperationId() + "); recovery does not wait for it");
            }
            case HOST_FENCE_FINISHED -> {
                var f = record.getHostFenceFinished();
                if (f.getSucceeded()) {
                    return warn("host " + f.getHostId() + " FENCED by agent " + f.getAgentHostId() + " ("
                            + f.getReason().name().replace("FENCE_REASON_", "") + "): stopped "
                            + f.getStoppedGuestIdsList());
                }
                return warn("host " + f.getHostId() + " could not be fenced"
                        + (f.getAgentHostId().isEmpty() ? "" : " by agent " + f.getAgentHostId())
                        + (f.getHypervisorUri().isEmpty() ? "" : " through " + f.getHypervisorUri()) + ": "
                        + f.getFailure().getCode() + ": " + f.getFailure().getMessage()
                        + "; recovery went on (safe by the lease TTL)");
            }
            case FAILBACK_PROGRESS -> {
                var p = record.getFailbackProgress();
                String line = "guest " + guest(state, p.getGuestId()) + " failback " + p.getOperationId() + " ("
                        + p.getStandbyHostId() + " -> " + p.getPrimaryHostId() + "): "
                        + p.getPhase().name().replace("FAILBACK_PHASE_", "") + " "
                        + p.getStatus().name().replace("STEP_STATUS_", "") + " (attempt " + p.getAttempt() + ")"
                        + (p.getKeptPointId().isEmpty() ? "" : ", primary's own state kept as " + p.getKeptPointId())
                        + (p.hasDowntime() ? String.format(Locale.ROOT, ", downtime %.1f s",
                                Timestamps.duration(p.getDowntime()).toMillis() / 1000.0) : "")
                        + (p.getDetail().isEmpty() ? "" : ": " + p.getDetail())
                        + (p.hasFailure() ? ": " + p.getFailure().getCode() + ": " + p.getFailure().getMessage() : "");
                return p.hasFailure() ? warn(line) : info(line);
            }
            case DRILL_BEGUN -> {
                var d = record.getDrillBegun().getStarted();
                return info("drill " + d.getDrillId() + " of plan " + d.getPlan() + " started by " + d.getStartedBy()
                        + " for " + d.getGuestIdsCount() + " guest(s) " + d.getGuestIdsList());
            }
            case DRILL_COMMAND_SENT -> {
                var c = record.getDrillCommandSent();
                return info("drill " + c.getDrillId() + ": " + c.getCommand().getPayloadCase() + " of guest "
                        + guest(state, c.getGuestId()) + " sent to " + c.getHostId()
                        + (c.getPointId().isEmpty() ? "" : " (point " + c.getPointId() + ")"));
            }
            case DRILL_GUEST_FINISHED -> {
                var f = record.getDrillGuestFinished();
                var r = f.getResult();
                String line = "drill " + f.getDrillId() + ": guest " + guest(state, r.getGuestId())
                        + (r.getBootVerified() ? String.format(Locale.ROOT, " PASSED from %s: RTO %.1f s, RPO %.1f s",
                                r.getPointId(), Timestamps.duration(r.getRto()).toMillis() / 1000.0,
                                Timestamps.duration(r.getRpo()).toMillis() / 1000.0)
                                : " FAILED: " + r.getFailure().getCode() + ": " + r.getFailure().getMessage());
                return r.getBootVerified() ? info(line) : warn(line);
            }
            case DRILL_ENDED -> {
                var d = record.getDrillEnded().getReport();
                String line = "drill " + d.getDrillId() + " of plan " + d.getPlan() + " "
                        + (d.getSuccess() ? "PASSED" : "FAILED") + " for " + d.getGuestsCount() + " guest(s)";
                return d.getSuccess() ? info(line) : warn(line);
            }
            case AUDIT_RECORDED -> {
                var a = record.getAuditRecorded().getAudit();
                return info("audit: user=" + a.getUser() + " action=" + a.getAction() + " target="
                        + (a.getTarget().isEmpty() ? "-" : a.getTarget()) + " allowed=" + a.getAllowed()
                        + (a.getDetail().isEmpty() ? "" : " (" + a.getDetail() + ")"));
            }
            default -> {
                return info(record.getRecordCase().name());
            }
        }
    }

    private static String guest(CoordinatorState state, String guestId) {
        return Optional.of(guestId).flatMap(state::guest).map(g -> g.spec().getName() + " (" + guestId + ")")
                .orElse(guestId);
    }

    private static String health(HostHealth h) {
        return h.name().replace("HOST_HEALTH_", "");
    }

    private static Line info(String text) {
        return new Line(false, text);
    }

    private static Line warn(String text) {
        return new Line(true, text);
    }
}
