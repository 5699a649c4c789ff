package io.lifeboat.coordinator.notify;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Collectors;

import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.protocol.v1.DrillGuestResult;
import io.lifeboat.protocol.v1.DrillReport;
import io.lifeboat.protocol.v1.FailbackStep;
import io.lifeboat.protocol.v1.FailbackStepKind;
import io.lifeboat.protocol.v1.Failure;
import io.lifeboat.protocol.v1.Fenced;
import io.lifeboat.protocol.v1.GuestFailedOver;
import io.lifeboat.protocol.v1.StepStatus;

/** Writes the subject and body of each notification from the record or event it is about. */
public final class NotificationTexts {

    private NotificationTexts() {
    }

    /** A guest runs on its standby now. */
    public static Notification failedOver(GuestFailedOver f, CoordinatorState state) {
        String name = name(state, f.getGuestId());
        long rto = f.getRto().getSeconds();
        long rpo = f.getRpo().getSeconds();
        String lost = state.operations().stream().filter(o -> o.operationId().equals(f.getOperationId()))
                .map(o -> o.lostHostId()).findFirst().orElse("its primary");
        return new Notification("failover", "[lifeboat] " + name + " FAILED OVER to " + f.getTargetHostId()
                + " (RTO " + rto + " s, RPO " + rpo + " s)",
                "Guest " + name + " (id " + f.getGuestId() + ") was failed over automatically: host " + lost
                        + " was lost, and the guest now runs on " + f.getTargetHostId() + ".\n\n"
                        + "Restore point: " + f.getPointId() + "\n"
                        + "Recovery time (RTO): " + rto + " s, from the loss declaration to the verified boot\n"
                        + "Data lost (RPO): up to " + rpo + " s of writes made before the loss\n"
                        + "Operation: " + f.getOperationId() + "\n\n"
                        + "What to do next:\n"
                        + "- check that the guest's services answer on " + f.getTargetHostId() + ";\n"
                        + "- find out why " + lost + " was lost and repair it;\n"
                        + "- once it is back, fail the guest back: ./lifeboat failback " + name + "\n");
    }

    /** A failback finished (the guest runs on its primary again) or rolled back (it stays on the standby). */
    public static Optional<Notification> failback(FailbackStep s, CoordinatorState state) {
        String name = name(state, s.getGuestId());
        if (s.getStatus() == StepStatus.STEP_STATUS_FAILED) {
            return Optional.of(new Notification("failback", "[lifeboat] " + name + " failback ROLLED BACK, still on "
                    + s.getStandbyHostId(), "The failback of guest " + name + " (id " + s.getGuestId() + ") to "
                    + s.getPrimaryHostId() + (s.getStep() == FailbackStepKind.FAILBACK_STEP_KIND_UNSPECIFIED ? " failed"
                    : " failed at step " + step(s.getStep())) + " and was rolled back: the "
                    + "guest keeps running on " + s.getStandbyHostId() + ".\n\n"
                    + "Reason: " + failure(s.getFailure()) + "\n"
                    + "Operation: " + s.getOperationId() + "\n\n"
                    + "What to do next:\n"
                    + "- check that " + s.getPrimaryHostId() + " is up and that no stale copy of the guest runs "
                    + "or autostarts there;\n"
                    + "- then try again: ./lifeboat failback " + name + "\n"));
        }
        if (s.getStatus() == StepStatus.STEP_STATUS_COMPLETED
                && s.getStep() == FailbackStepKind.FAILBACK_STEP_KIND_RESUME_PROTECTION) {
            return Optional.of(new Notification("failback", "[lifeboat] " + name + " FAILED BACK to "
                    + s.getPrimaryHostId(), "Guest " + name + " (id " + s.getGuestId() + ") runs on its primary "
                    + s.getPrimaryHostId() + " again; its copy on " + s.getStandbyHostId() + " was cleaned up and "
                    + "protection " + s.getPrimaryHostId() + " -> " + s.getStandbyHostId() + " resumed.\n\n"
                    + "Operation: " + s.getOperationId() + "\n\n"
                    + "What to do next: nothing; check that the guest's services answer on "
                    + s.getPrimaryHostId() + ".\n"));
        }
        return Optional.empty();
    }

    /** A journaled failback reached DONE (back on its primary) or ROLLED_BACK (still on the standby). */
    public static Optional<Notification> failback(io.lifeboat.protocol.v1.FailbackProgress p, CoordinatorState state) {
        FailbackStep.Builder step = FailbackStep.newBuilder().setOperationId(p.getOperationId())
                .setGuestId(p.getGuestId()).setPrimaryHostId(p.getPrimaryHostId())
                .setStandbyHostId(p.getStandbyHostId());
        return switch (p.getPhase()) {
            case FAILBACK_PHASE_DONE -> failback(step.setStep(FailbackStepKind.FAILBACK_STEP_KIND_RESUME_PROTECTION)
                    .setStatus(StepStatus.STEP_STATUS_COMPLETED).build(), state)
                    .map(n -> p.hasDowntime() ? new Notification(n.kind(), n.subject() + " (downtime "
                            + p.getDowntime().getSeconds() + " s)", n.body()) : n);
            case FAILBACK_PHASE_ROLLED_BACK -> failback(step.setStatus(StepStatus.STEP_STATUS_FAILED)
                    .setFailure(p.getFailure()).build(), state);
            default -> Optional.empty();
        };
    }

    /** A DR drill failed; empty for a drill that passed. */
    public static Optional<Notification> drill(DrillReport r, CoordinatorState state) {
        if (r.getSuccess()) {
            return Optional.empty();
        }
        String failed = r.getGuestsList().stream().filter(g -> !g.getBootVerified())
                .map(g -> name(state, g.getGuestId())).collect(Collectors.joining(", "));
        StringBuilder body = new StringBuilder("DR drill " + r.getDrillId() + " of plan " + r.getPlan()
                + " FAILED: " + (failed.isEmpty() ? "no guest was verified" : "failed for " + failed) + ".\n\n");
        for (DrillGuestResult g : r.getGuestsList()) {
            body.append("- ").append(name(state, g.getGuestId())).append(": ")
                    .append(g.getBootVerified() ? "passed" : "FAILED: " + failure(g.getFailure())).append('\n');
        }
        body.append("\nWhat to do next:\n- read the drill report: ./lifeboat drill show ").append(r.getDrillId())
                .append(" (or the web page, Drills);\n- a failed drill means a failover of that guest would likely "
                        + "fail too: fix the cause (restore point, standby, compatibility) and run the drill again:"
                        + " ./lifeboat drill run ").append(r.getPlan()).append('\n');
        return Optional.of(new Notification("drill", "[lifeboat] drill " + r.getDrillId() + " of plan " + r.getPlan()
                + " FAILED" + (failed.isEmpty() ? "" : " for " + failed), body.toString()));
    }

    /** A host's guests were hard-stopped. */
    public static Notification fenced(Fenced f, CoordinatorState state) {
        String by = f.getFencedBy().isEmpty() ? "unknown" : f.getFencedBy();
        boolean self = by.equals(f.getHostId());
        String guests = f.getStoppedGuestIdsList().isEmpty() ? "none were running"
                : f.getStoppedGuestIdsList().stream().map(g -> name(state, g)).collect(Collectors.joining(", "));
        return new Notification("fence", "[lifeboat] host " + f.getHostId() + (self ? " SELF-FENCED" : " FENCED")
                + " (" + reason(f) + ")", "Host " + f.getHostId() + " hard-stopped its protected guests to keep at "
                + "most one running copy of each (fenced by " + by + ", reason: " + reason(f) + ").\n\n"
                + "Stopped guests: " + guests + "\n\n"
                + "What to do next:\n"
                + "- do not start these guests on " + f.getHostId() + " by hand: their standby may run them now;\n"
                + "- check the host's network and the coordinator's status page (./lifeboat status);\n"
                + "- once the host is healthy, fail the guests back with ./lifeboat failback GUEST.\n");
    }

    /** The coordinator could not fence a lost host; its guests were recovered anyway (safe by the lease TTL). */
    public static Notification fenceFailed(io.lifeboat.protocol.v1.FenceFailed f, CoordinatorState state) {
        String how = f.getAgentHostId().isEmpty() ? "no agent could be asked"
                : "agent " + f.getAgentHostId() + (f.getHypervisorUri().isEmpty() ? " (the host's own)"
                : " through " + f.getHypervisorUri());
        return new Notification("fence", "[lifeboat] host " + f.getHostId() + " could NOT be fenced",
                "Coordinator " + f.getRequestedBy() + " tried to fence lost host " + f.getHostId() + " when failover "
                        + f.getOperationId() + " started (" + how + "), and it failed: " + failure(f.getFailure())
                        + ".\n\nRecovery went on: the host's lease ran out before it started, so the host "
                        + "stopped its guests itself (self-fencing) if it still runs at all. This is the usual result "
                        + "when a host died.\n\n"
                        + "What to do next:\n"
                        + "- check that " + f.getHostId() + " is really off, or that its protected guests are stopped;\n"
                        + "- do not start them there by hand: their standby may run them now.\n");
    }

    /** A guest's newest restore point is older than its RPO. */
    public static Notification rpoViolated(String guestId, CoordinatorState state, Duration rpo,
                                           Optional<Instant> newest, Instant now) {
        String name = name(state, guestId);
        String standby = state.guest(guestId).map(g -> g.standbyHostId()).orElse("its standby");
        String age = newest.map(t -> Duration.between(t, now).getSeconds() + " s old (taken " + t + ")")
                .orElse("missing");
        return new Notification("rpo", "[lifeboat] " + name + " RPO VIOLATED: newest point "
                + newest.map(t -> Duration.between(t, now).getSeconds() + " s old").orElse("missing")
                + ", RPO " + rpo.getSeconds() + " s",
                "Guest " + name + " (id " + guestId + ") is not protected within its RPO: its newest restore point "
                        + "on " + standby + " is " + age + ", and its RPO is " + rpo.getSeconds() + " s. A failover "
                        + "now would lose more data than agreed.\n\n"
                        + "What to do next:\n"
                        + "- look at the guest's replication on the status page or with ./lifeboat status;\n"
                        + "- check that " + standby + " is up and its store has space, and that the primary can "
                        + "reach it;\n"
                        + "- you will get another mail when the guest is back within its RPO.\n");
    }

    /** A guest whose RPO was violated has a fresh enough point again. */
    public static Notification rpoRecovered(String guestId, CoordinatorState state, Duration rpo, Instant newest,
                                            Instant now) {
        String name = name(state, guestId);
        return new Notification("rpo", "[lifeboat] " + name + " back within RPO (newest point "
                + Duration.between(newest, now).getSeconds() + " s old, RPO " + rpo.getSeconds() + " s)",
                "Guest " + name + " (id " + guestId + ") is protected within its RPO again: its newest restore "
                        + "point was taken at " + newest + ".\n\nWhat to do next: nothing.\n");
    }

    private static String name(CoordinatorState state, String guestId) {
        return state.guest(guestId).map(g -> g.spec().getName()).filter(n -> !n.isEmpty()).orElse(guestId);
    }

    private static String step(FailbackStepKind kind) {
        return kind.name().replace("FAILBACK_STEP_KIND_", "").toLowerCase(java.util.Locale.ROOT);
    }

    private static String reason(Fenced f) {
        return f.getReason().name().replace("FENCE_REASON_", "").toLowerCase(java.util.Locale.ROOT)
                .replace('_', ' ');
    }

    private static String failure(Failure f) {
        if (f.getCode().isEmpty() && f.getMessage().isEmpty()) {
            return "no reason given";
        }
        return f.getCode() + (f.getMessage().isEmpty() ? "" : ": " + f.getMessage());
    }
}
