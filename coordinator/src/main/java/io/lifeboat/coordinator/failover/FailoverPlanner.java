package io.lifeboat.coordinator.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import java.util.Objects;
import java.util.Optional;

import com.google.protobuf.Message;

import io.lifeboat.coordinator.compat.Compatibility;
import io.lifeboat.coordinator.compat.CompatibilityEngine;
import io.lifeboat.coordinator.compat.CompatibilityVerdict;
import io.lifeboat.coordinator.compat.PlacementTarget;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.FailoverOperation;
import io.lifeboat.coordinator.state.GuestEntry;
import io.lifeboat.coordinator.state.GuestRecovery;
import io.lifeboat.coordinator.state.RestorePoint;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.BootCheck;
import io.lifeboat.protocol.v1.BootCheckKind;
import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.Failure;
import io.lifeboat.protocol.v1.FailoverStarted;
import io.lifeboat.protocol.v1.GuestFailedOver;
import io.lifeboat.protocol.v1.GuestRecoveryAbandoned;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.GuestState;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.MaterialiseRestorePoint;
import io.lifeboat.protocol.v1.PlanEntry;
import io.lifeboat.protocol.v1.RecoveryPlanDefined;
import io.lifeboat.protocol.v1.RecoveryStep;
import io.lifeboat.protocol.v1.RecoveryStepChanged;
import io.lifeboat.protocol.v1.RegisterGuest;
import io.lifeboat.protocol.v1.StartGuest;
import io.lifeboat.protocol.v1.StepStatus;
import io.lifeboat.protocol.v1.VmdkCreateType;

/**
 * Decides the failover of a lost host's guests, guest by guest in recovery-plan order: pin the latest verified
 * restore point on the standby, materialise (converting as the compatibility engine says), register transiently
 * with the same MACs, start and verify the boot, mark FAILED_OVER with the achieved RPO and RTO, then make the
 * definition persistent.
 *
 * <p>{@link #plan(CoordinatorState, PlannerInput)} reads the state and returns a {@link Decision}: records to journal
 * and commands to send after them, nothing else. Every command id is derived from the operation, guest, step and
 * attempt, so a decision replayed after a crash sends the same ids and agents run each command once.
 */
public final class FailoverPlanner {

    /**
     * Timing and retry settings of the planner.
     *
     * @param materialiseTimeout how long materialising one guest's disks may take
     * @param registerTimeout how long registering a guest may take
     * @param defaultBootTimeout boot verification timeout for plan entries that set none
     * @param resultGrace extra time allowed for a command's result to travel back before it counts as timed out
     * @param maxAttempts attempts of a step that fails retriably, or times out, before the guest is abandoned
     */
    public record Settings(Duration materialiseTimeout, Duration registerTimeout, Duration defaultBootTimeout,
                           Duration resultGrace, int maxAttempts) {

        /** 30 min to materialise, 2 min to register, 5 min to boot, 30 s grace, 3 attempts. */
        public static Settings defaults() {
            return new Settings(Duration.ofMinutes(30), Duration.ofMinutes(2), Duration.ofMinutes(5),
                    Duration.ofSeconds(30), 3);
        }
    }

    private final String nodeId;
    private final CompatibilityEngine engine;
    private final Settings settings;

    /** Creates a planner for coordinator node {@code nodeId}. */
    public FailoverPlanner(String nodeId, CompatibilityEngine engine, Settings settings) {
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.engine = Objects.requireNonNull(engine, "engine");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** Decides what {@code input} calls for in {@code state}. Does not change {@code state}. */
    public Decision plan(CoordinatorState state, PlannerInput input) {
        if (state.epoch() <= 0) {
            throw new IllegalStateException("coordinator " + nodeId + " has started no epoch: replay the journal "
                    + "and journal an EpochStarted before planning");
        }
        Run run = new Run(state.copy(), input.at());
        if (input instanceof PlannerInput.RecoveryDue due) {
            run.startFailover(due.hostId());
        } else if (input instanceof PlannerInput.ManualFailover manual) {
            run.startGuestFailover(manual.guestId(), "");
        } else if (input instanceof PlannerInput.Restore restore) {
            run.startGuestFailover(restore.guestId(), restore.pointId());
        } else if (input instanceof PlannerInput.CommandFinished finished) {
            run.finished(finished.result());
        } else if (input instanceof PlannerInput.Tick) {
            run.deadlines();
        } else if (input instanceof PlannerInput.Resumed) {
            run.resend();
        }
        run.advance();
        return new Decision(run.records, run.commands);
    }

    /**
     * The commands of unfinished steps whose target is {@code hostId}, at the current epoch with their original
     * command ids: resent when that host's agent link comes (back) up, since a command sent while it was down is lost.
     */
    public List<OutboundCommand> outstanding(CoordinatorState state, String hostId) {
        List<OutboundCommand> out = new ArrayList<>();
        for (FailoverOperation op : state.operations()) {
            for (GuestRecovery r : op.guests().values()) {
                if (r.waiting() && state.guest(r.guestId()).map(GuestEntry::standbyHostId).orElse("").equals(hostId)) {
                    out.add(new OutboundCommand(hostId, Commands.atEpoch(r.command().get(), state.epoch())));
                }
            }
        }
        return out;
    }

    /** One decision in the making: records are applied to a private copy of the state as they are emitted. */
    private final class Run {
        final CoordinatorState work;
        final Instant now;
        final List<JournalRecord> records = new ArrayList<>();
        final List<OutboundCommand> commands = new ArrayList<>();

        Run(CoordinatorState work, Instant now) {
            this.work = work;
            this.now = now;
        }

        void emit(JournalRecord record) {
            work.apply(record);
            records.add(record);
        }

        void emit(RecoveryStepChanged step) {
            emit(JournalRecord.newBuilder().setRecoveryStepChanged(step).build());
        }

        void startFailover(String hostId) {
            List<GuestEntry> guests = work.guests().values().stream()
                    .filter(g -> g.ownerHostId().equals(hostId) && g.state() == GuestState.GUEST_STATE_PROTECTED)
                    .sorted(Comparator.comparingLong((GuestEntry g) -> group(g))
                            .thenComparingInt(this::entryIndex).thenComparing(GuestEntry::guestId))
                    .toList();
            // An unfinished operation of the host that already holds one of these guests is this failover; one that
            // holds none (an admin's manual failover of a single guest) must not hold the others back.
            boolean running = work.operations().stream()
                    .anyMatch(op -> op.lostHostId().equals(hostId) && !op.finished()
                            && guests.stream().anyMatch(g -> op.guestIds().contains(g.guestId())));
            if (running || guests.isEmpty()) {
                return;
            }
            String operationId = "failover-" + (work.operationCount() + 1) + "-" + hostId;
            emit(JournalRecord.newBuilder().setFailoverStarted(FailoverStarted.newBuilder()
                    .setOperationId(operationId).setLostHostId(hostId).setDeclaredAt(Timestamps.of(now))
                    .addAllGuestIds(guests.stream().map(GuestEntry::guestId).toList())).build());
        }

        void startGuestFailover(String guestId, String restorePointId) {
            GuestEntry guest = work.guest(guestId).orElse(null);
            // An AT_RISK guest whose failover was abandoned is retried from the host it was being recovered from.
            Optional<String> retryFrom = guest == null || guest.state() != GuestState.GUEST_STATE_AT_RISK
                    ? Optional.empty() : work.abandonedRecovery(guestId).map(a -> a.lostHostId());
            if (guest == null || guest.state() != GuestState.GUEST_STATE_PROTECTED && retryFrom.isEmpty()) {
                return;
            }
            String from = retryFrom.orElse(guest.ownerHostId());
            String operationId = "failover-" + (work.operationCount() + 1) + "-" + from;
            emit(JournalRecord.newBuilder().setFailoverStarted(FailoverStarted.newBuilder()
                    .setOperationId(operationId).setLostHostId(from).setDeclaredAt(Timestamps.of(now))
                    .addGuestIds(guestId).setRestorePointId(restorePointId)).build());
        }

        void finished(CommandResult result) {
            for (FailoverOperation op : work.operations()) {
                for (GuestRecovery r : op.guests().values()) {
                    if (r.waiting() && Commands.commandId(r.command().get()).orElse("").equals(result.getCommandId())) {
                        if (result.getOutcome() == CommandOutcome.COMMAND_OUTCOME_SUCCEEDED) {
                            succeeded(op, r, result);
                        } else {
                            Failure failure = result.hasFailure() ? result.getFailure() : Failure.newBuilder()
                                    .setErrorClass(ErrorClass.ERROR_CLASS_PERMANENT).setCode("command_"
                                            + result.getOutcome().name().toLowerCase(java.util.Locale.ROOT))
                                    .setMessage("command " + result.getCommandId() + " ended "
                                            + result.getOutcome()).build();
                            failed(op, r, failure);
                        }
                        return;
                    }
                }
            }
            // A duplicate, or the result of a command an earlier attempt superseded: nothing to decide.
        }

        void deadlines() {
            for (FailoverOperation op : work.operations()) {
                for (GuestRecovery r : op.guests().values()) {
                    if (r.waiting() && r.deadline().isPresent() && now.isAfter(r.deadline().get())) {
                        failed(op, r, Failure.newBuilder().setErrorClass(ErrorClass.ERROR_CLASS_RETRIABLE)
                                .setCode("timed_out").setMessage("guest " + r.guestId() + ": step " + r.step()
                                        + " got no result by " + r.deadline().get()).build());
                    }
                }
            }
        }

        void resend() {
            for (FailoverOperation op : work.operations()) {
                for (GuestRecovery r : op.guests().values()) {
                    if (r.waiting()) {
                        commands.add(new OutboundCommand(standby(r.guestId()),
                                Commands.atEpoch(r.command().get(), work.epoch())));
                    }
                }
            }
        }

        /** Starts every guest whose turn has come: its priority group is next and its start delay has passed. */
        void advance() {
            for (FailoverOperation op : work.operations()) {
                if (op.finished()) {
                    continue;
                }
                for (String guestId : op.guestIds()) {
                    FailoverOperation current = currentOp(op.operationId());
                    GuestRecovery r = current.guests().get(guestId);
                    if (r.abandonedAt().isPresent() || r.waiting()) {
                        continue;
                    }
                    if (r.step() == RecoveryStep.RECOVERY_STEP_UNSPECIFIED) {
                        if (eligible(current, guestId)) {
                            selectPoint(current, guestId);
                        }
                    } else if (r.status() == StepStatus.STEP_STATUS_COMPLETED) {
                        // A journal cut inside a decision (or an older coordinator) left the next step unstarted.
                        proceed(current, r);
                    } else if (r.status() == StepStatus.STEP_STATUS_FAILED
                            && r.step() != RecoveryStep.RECOVERY_STEP_SELECT_POINT) {
                        if (r.attempt() < settings.maxAttempts()) {
                            retry(current.operationId(), r);
                        } else if (r.step() != RecoveryStep.RECOVERY_STEP_MAKE_PERSISTENT) {
                            abandon(current, guestId, "gave_up", "guest " + guestId + ": step " + r.step()
                                    + " failed " + r.attempt() + " times");
                        }
                    }
                }
            }
        }

        private boolean eligible(FailoverOperation op, String guestId) {
            GuestEntry guest = work.guest(guestId).orElseThrow();
            long group = group(guest);
            Instant groupStart = op.declaredAt();
            for (String other : op.guestIds()) {
                GuestEntry o = work.guest(other).orElseThrow();
                if (group(o) < group) {
                    GuestRecovery r = op.guests().get(other);
                    if (!r.terminal()) {
                        return false;
                    }
                    Instant at = r.terminalAt().orElseThrow();
                    if (at.isAfter(groupStart)) {
                        groupStart = at;
                    }
                }
            }
            Duration delay = Timestamps.duration(entry(guest).getStartDelay());
            return !now.isBefore(groupStart.plus(delay));
        }

        private void selectPoint(FailoverOperation op, String guestId) {
            GuestEntry guest = work.guest(guestId).orElseThrow();
            // The standby's verdict comes first: a guest it cannot run is refused with that reason, points or not.
            Optional<HostFacts> facts = work.hostFacts(guest.standbyHostId());
            if (facts.isEmpty()) {
                abandon(op, guestId, "no_host_facts", "guest " + guestId + ": standby host " + guest.standbyHostId()
                        + " has reported no facts");
                return;
            }
            RecoveryPlanDefined plan = work.plan(guest.plan()).orElse(RecoveryPlanDefined.getDefaultInstance());
            String dir = (plan.getDestinationDir().isEmpty() ? "/var/lib/lifeboat/guests" : plan.getDestinationDir())
                    + "/" + guestId;
            CompatibilityVerdict verdict = engine.judge(guest.spec(),
                    new PlacementTarget(facts.get(), plan.getNetworkMapMap(), dir));
            if (verdict.compatibility() == Compatibility.REFUSE) {
                abandon(op, guestId, "refused", String.join("; ", verdict.refusals()));
                return;
            }
            // A restore comes with the admin's point pinned; a failover takes the latest verified one.
            String pinned = op.guests().get(guestId).pointId();
            Optional<RestorePoint> point = work.points(guestId).stream()
                    .filter(p -> p.verified() && p.storeHostId().equals(guest.standbyHostId()))
                    .filter(p -> pinned.isEmpty() || p.pointId().equals(pinned))
                    .max(Comparator.comparing(RestorePoint::snapshotTime));
            if (point.isEmpty()) {
                abandon(op, guestId, "no_verified_point", "guest " + guestId + ": no verified restore point "
                        + (pinned.isEmpty() ? "" : pinned + " ") + "on host " + guest.standbyHostId());
                return;
            }
            Duration age = Duration.between(point.get().snapshotTime(), op.declaredAt());
            emit(step(op, guestId, RecoveryStep.RECOVERY_STEP_SELECT_POINT, StepStatus.STEP_STATUS_COMPLETED, 1)
                    .setPointId(point.get().pointId())
                    .setDetail("pinned " + point.get().pointId() + ", " + age.toSeconds() + " s old at declaration; "
                            + verdict.summary())
                    .setRegisteredSpec(verdict.targetSpec()).build());
            proceed(currentOp(op.operationId()), currentOp(op.operationId()).guests().get(guestId));
        }

        private void materialise(String operationId, String guestId, int attempt) {
            GuestRecovery r = currentOp(operationId).guests().get(guestId);
            GuestSpec target = r.registeredSpec().orElseThrow();
            DiskFormat format = target.getDisksCount() > 0 ? target.getDisks(0).getFormat()
                    : DiskFormat.DISK_FORMAT_RAW;
            VmdkCreateType createType = target.getDisksCount() > 0 ? target.getDisks(0).getVmdkCreateType()
                    : VmdkCreateType.VMDK_CREATE_TYPE_UNSPECIFIED;
            String dir = target.getDisksCount() > 0 ? parent(target.getDisks(0).getPath()) : "";
            CommandHeader header = header(operationId, guestId, RecoveryStep.RECOVERY_STEP_MATERIALISE, attempt,
                    settings.materialiseTimeout());
            send(operationId, guestId, RecoveryStep.RECOVERY_STEP_MATERIALISE, attempt,
                    MaterialiseRestorePoint.newBuilder().setHeader(header).setGuestId(guestId)
                            .setPointId(r.pointId()).setTargetFormat(format).setTargetVmdkCreateType(createType)
                            .setDestinationDir(dir).build(), settings.materialiseTimeout());
        }

        private void register(String operationId, String guestId, int attempt, boolean persistent) {
            GuestRecovery r = currentOp(operationId).guests().get(guestId);
            RecoveryStep step = persistent ? RecoveryStep.RECOVERY_STEP_MAKE_PERSISTENT
                    : RecoveryStep.RECOVERY_STEP_REGISTER;
            send(operationId, guestId, step, attempt, RegisterGuest.newBuilder()
                    .setHeader(header(operationId, guestId, step, attempt, settings.registerTimeout()))
                    .setSpec(r.registeredSpec().orElseThrow()).setTransient(!persistent).setDisableAutostart(true)
                    .build(), settings.registerTimeout());
        }

        private void start(String operationId, String guestId, int attempt) {
            BootCheck check = entry(work.guest(guestId).orElseThrow()).getBootCheck();
            Duration timeout = check.hasTimeout() ? Timestamps.duration(check.getTimeout())
                    : settings.defaultBootTimeout();
            StartGuest.Builder start = StartGuest.newBuilder()
                    .setHeader(header(operationId, guestId, RecoveryStep.RECOVERY_STEP_START, attempt, timeout))
                    .setGuestId(guestId).setBootTimeout(Timestamps.of(timeout));
            if (check.getKind() == BootCheckKind.BOOT_CHECK_KIND_SERIAL_MARKER) {
                start.setBootMarker(check.getSerialMarker());
            }
            send(operationId, guestId, RecoveryStep.RECOVERY_STEP_START, attempt, start.build(), timeout);
        }

        private void succeeded(FailoverOperation op, GuestRecovery r, CommandResult result) {
            String guestId = r.guestId();
            switch (r.step()) {
                case RECOVERY_STEP_MATERIALISE -> {
                    GuestSpec spec = r.registeredSpec().orElseThrow();
                    if (result.hasMaterialise() && result.getMaterialise().getDisksCount() == spec.getDisksCount()) {
                        GuestSpec.Builder b = spec.toBuilder();
                        for (int i = 0; i < spec.getDisksCount(); i++) {
                            DiskSpec made = result.getMaterialise().getDisks(i);
                            b.setDisks(i, spec.getDisks(i).toBuilder().setPath(made.getPath())
                                    .setFormat(made.getFormat()).setVmdkCreateType(made.getVmdkCreateType()));
                        }
                        spec = b.build();
                    }
                    emit(step(op, guestId, r.step(), StepStatus.STEP_STATUS_COMPLETED, r.attempt())
                            .setRegisteredSpec(spec).setDetail(result.hasMaterialise()
                                    ? result.getMaterialise().getBytesWritten() + " bytes written" : "").build());
                }
                case RECOVERY_STEP_REGISTER -> emit(step(op, guestId, r.step(), StepStatus.STEP_STATUS_COMPLETED,
                        r.attempt()).setDetail("registered transiently, same MAC addresses").build());
                case RECOVERY_STEP_START -> {
                    BootCheck check = entry(work.guest(guestId).orElseThrow()).getBootCheck();
                    boolean markerNeeded = check.getKind() == BootCheckKind.BOOT_CHECK_KIND_SERIAL_MARKER;
                    if (markerNeeded && !(result.hasBoot() && result.getBoot().getBootVerified())) {
                        failed(op, r, Failure.newBuilder().setErrorClass(ErrorClass.ERROR_CLASS_RETRIABLE)
                                .setCode("boot_not_verified").setMessage("guest " + guestId + ": serial marker '"
                                        + check.getSerialMarker() + "' not seen").build());
                        return;
                    }
                    emit(step(op, guestId, r.step(), StepStatus.STEP_STATUS_COMPLETED, r.attempt())
                            .setDetail(markerNeeded ? "serial marker seen" : check.getKind()
                                    == BootCheckKind.BOOT_CHECK_KIND_TCP_PORT ? "running (lifeboat.v1 has no TCP "
                                    + "port check yet)" : "running").build());
                }
                case RECOVERY_STEP_MAKE_PERSISTENT -> emit(step(op, guestId, r.step(),
                        StepStatus.STEP_STATUS_COMPLETED, r.attempt()).setDetail("definition made persistent").build());
                default -> {
                    return;
                }
            }
            FailoverOperation current = currentOp(op.operationId());
            proceed(current, current.guests().get(guestId));
        }

        /** Starts the step after a completed one. */
        private void proceed(FailoverOperation op, GuestRecovery r) {
            String operationId = op.operationId();
            String guestId = r.guestId();
            switch (r.step()) {
                case RECOVERY_STEP_SELECT_POINT -> materialise(operationId, guestId, 1);
                case RECOVERY_STEP_MATERIALISE -> register(operationId, guestId, 1, false);
                case RECOVERY_STEP_REGISTER -> start(operationId, guestId, 1);
                case RECOVERY_STEP_START -> {
                    if (r.failedOverAt().isEmpty()) {
                        RestorePoint point = work.points(guestId).stream()
                                .filter(p -> p.pointId().equals(r.pointId())).findFirst().orElseThrow();
                        emit(JournalRecord.newBuilder().setGuestFailedOver(GuestFailedOver.newBuilder()
                                .setOperationId(operationId).setGuestId(guestId).setTargetHostId(standby(guestId))
                                .setPointId(r.pointId())
                                .setRpo(Timestamps.of(Duration.between(point.snapshotTime(), op.declaredAt())))
                                .setRto(Timestamps.of(Duration.between(op.declaredAt(), now)))
                                .setAt(Timestamps.of(now))).build());
                    }
                    register(operationId, guestId, 1, true);
                }
                default -> {
                    // MAKE_PERSISTENT is the last step.
                }
            }
        }

        private void retry(String operationId, GuestRecovery r) {
            int attempt = r.attempt() + 1;
            switch (r.step()) {
                case RECOVERY_STEP_MATERIALISE -> materialise(operationId, r.guestId(), attempt);
                case RECOVERY_STEP_REGISTER -> register(operationId, r.guestId(), attempt, false);
                case RECOVERY_STEP_START -> start(operationId, r.guestId(), attempt);
                case RECOVERY_STEP_MAKE_PERSISTENT -> register(operationId, r.guestId(), attempt, true);
                default -> throw new IllegalStateException("step " + r.step() + " sends no command");
            }
        }

        private void failed(FailoverOperation op, GuestRecovery r, Failure failure) {
            String operationId = op.operationId();
            String guestId = r.guestId();
            boolean retry = failure.getErrorClass() == ErrorClass.ERROR_CLASS_RETRIABLE
                    && r.attempt() < settings.maxAttempts();
            emit(step(op, guestId, r.step(), StepStatus.STEP_STATUS_FAILED, r.attempt()).setFailure(failure)
                    .setDetail(retry ? "will retry (attempt " + (r.attempt() + 1) + " of " + settings.maxAttempts()
                            + ")" : "giving up").build());
            if (retry) {
                retry(operationId, r);
            } else if (r.step() != RecoveryStep.RECOVERY_STEP_MAKE_PERSISTENT) {
                abandon(op, guestId, failure.getCode(), failure.getMessage());
            }
        }

        private void abandon(FailoverOperation op, String guestId, String code, String message) {
            emit(JournalRecord.newBuilder().setGuestRecoveryAbandoned(GuestRecoveryAbandoned.newBuilder()
                    .setOperationId(op.operationId()).setGuestId(guestId).setAt(Timestamps.of(now))
                    .setFailure(Failure.newBuilder().setErrorClass(ErrorClass.ERROR_CLASS_PERMANENT).setCode(code)
                            .setMessage(message))).build());
        }

        private void send(String operationId, String guestId, RecoveryStep step, int attempt, Message payload,
                          Duration timeout) {
            Envelope envelope = Commands.envelope(nodeId, work.epoch(), payload);
            emit(step(currentOp(operationId), guestId, step, StepStatus.STEP_STATUS_STARTED, attempt)
                    .setCommand(envelope).setDeadline(Timestamps.of(now.plus(timeout).plus(settings.resultGrace())))
                    .build());
            commands.add(new OutboundCommand(standby(guestId), envelope));
        }

        private CommandHeader header(String operationId, String guestId, RecoveryStep step, int attempt,
                                     Duration timeout) {
            return CommandHeader.newBuilder()
                    .setCommandId(Commands.stableId(operationId + "/" + guestId + "/" + step.name() + "/" + attempt))
                    .setEpoch(work.epoch()).setOperationId(operationId).setTimeout(Timestamps.of(timeout)).build();
        }

        private RecoveryStepChanged.Builder step(FailoverOperation op, String guestId, RecoveryStep step,
                                                 StepStatus status, int attempt) {
            return RecoveryStepChanged.newBuilder().setOperationId(op.operationId()).setGuestId(guestId)
                    .setStep(step).setStatus(status).setAttempt(attempt).setAt(Timestamps.of(now));
        }

        private FailoverOperation currentOp(String operationId) {
            return work.operations().stream().filter(o -> o.operationId().equals(operationId)).findFirst()
                    .orElseThrow();
        }

        private String standby(String guestId) {
            return work.guest(guestId).map(GuestEntry::standbyHostId).orElseThrow();
        }

        private PlanEntry entry(GuestEntry guest) {
            RecoveryPlanDefined plan = work.plan(guest.plan()).orElse(null);
            if (plan != null) {
                for (PlanEntry e : plan.getEntriesList()) {
                    if (e.getGuestId().equals(guest.guestId())) {
                        return e;
                    }
                }
            }
            // Guests missing from their plan go last, started as soon as their turn comes, verified by run state.
            return PlanEntry.newBuilder().setGuestId(guest.guestId()).setPriorityGroup(Integer.MAX_VALUE).build();
        }

        private long group(GuestEntry guest) {
            return Integer.toUnsignedLong(entry(guest).getPriorityGroup());
        }

        private int entryIndex(GuestEntry guest) {
            RecoveryPlanDefined plan = work.plan(guest.plan()).orElse(null);
            if (plan != null) {
                List<PlanEntry> entries = plan.getEntriesList();
                for (int i = 0; i < entries.size(); i++) {
                    if (entries.get(i).getGuestId().equals(guest.guestId())) {
                        return i;
                    }
                }
            }
            return Integer.MAX_VALUE;
        }
    }

    private static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash > 0 ? path.substring(0, slash) : path;
    }
}
