package io.lifeboat.coordinator.failback;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import com.google.protobuf.Message;

import io.lifeboat.coordinator.compat.Compatibility;
import io.lifeboat.coordinator.compat.CompatibilityEngine;
import io.lifeboat.coordinator.compat.CompatibilityVerdict;
import io.lifeboat.coordinator.compat.PlacementTarget;
import io.lifeboat.coordinator.failover.Commands;
import io.lifeboat.coordinator.failover.Decision;
import io.lifeboat.coordinator.failover.OutboundCommand;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.FailoverOperation;
import io.lifeboat.coordinator.state.GuestEntry;
import io.lifeboat.coordinator.state.GuestRecovery;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.BackupGuest;
import io.lifeboat.protocol.v1.BootCheck;
import io.lifeboat.protocol.v1.BootCheckKind;
import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.FailbackPhase;
import io.lifeboat.protocol.v1.FailbackProgress;
import io.lifeboat.protocol.v1.Failure;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.GuestState;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HostHealth;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.MaterialiseRestorePoint;
import io.lifeboat.protocol.v1.PlanEntry;
import io.lifeboat.protocol.v1.RecoveryPlanDefined;
import io.lifeboat.protocol.v1.RegisterGuest;
import io.lifeboat.protocol.v1.ReverseReplicate;
import io.lifeboat.protocol.v1.StartGuest;
import io.lifeboat.protocol.v1.StepStatus;
import io.lifeboat.protocol.v1.StopGuest;
import io.lifeboat.protocol.v1.StopMode;
import io.lifeboat.protocol.v1.StoreTarget;
import io.lifeboat.protocol.v1.UnregisterGuest;
import io.lifeboat.protocol.v1.VmdkCreateType;

/**
 * Decides the manual failback of a failed-over guest to its primary: keep the primary's old disk state as a restore
 * point, reverse-replicate the standby's changes while the guest runs, stop it on the standby, send the final delta,
 * materialise, register and start it on the primary with boot verification, remove the standby copy, and leave the
 * guest PROTECTED primary &rarr; standby; any failure rolls back so that the guest runs on the standby again.
 *
 * <p>Like the failover planner it only reads state and returns a {@link Decision}: each change is one
 * {@link FailbackProgress} record (the operation's whole state) journaled before the command it names is sent.
 * The primary is sent a StartGuest only after the standby's stop was confirmed, and a rollback starts the standby
 * copy again only once the primary's copy is confirmed stopped or the primary is LOST or FENCED (I1).
 */
public final class FailbackPlanner {

    /** The store id the agents serve (as the replication scheduler uses). */
    public static final String STORE_ID = "main";

    /** The network name of user-mode networking, which a guest's inventory reports as the unnamed network. */
    private static final String USER_NETWORK = "user";

    /**
     * Timing and retry settings.
     *
     * @param backupTimeout how long one BackupGuest or ReverseReplicate may take
     * @param stopGrace how long the standby's guest may take to shut down gracefully before it is powered off
     * @param materialiseTimeout how long materialising may take
     * @param registerTimeout how long registering or unregistering may take
     * @param defaultBootTimeout boot verification timeout when the guest's plan entry sets none
     * @param resultGrace extra time for a result to travel back before the command counts as timed out
     * @param maxAttempts attempts of a forward phase that fails retriably before the failback rolls back
     */
    public record Settings(Duration backupTimeout, Duration stopGrace, Duration materialiseTimeout,
                           Duration registerTimeout, Duration defaultBootTimeout, Duration resultGrace,
                           int maxAttempts) {

        /** 1 h per transfer, 2 min stop grace, 30 min materialise, 2 min register, 5 min boot, 30 s grace, 3. */
        public static Settings defaults() {
            return new Settings(Duration.ofHours(1), Duration.ofMinutes(2), Duration.ofMinutes(30),
                    Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofSeconds(30), 3);
        }
    }

    private final String nodeId;
    private final CompatibilityEngine engine;
    private final Map<String, String> stores;
    private final Settings settings;

    /**
     * Creates a planner.
     *
     * @param nodeId this coordinator node's id (the sender of commands)
     * @param engine judges the guest against the primary
     * @param stores each host's agent store as "ADDR:PORT", by host id
     * @param settings timing and retries
     */
    public FailbackPlanner(String nodeId, CompatibilityEngine engine, Map<String, String> stores, Settings settings) {
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.engine = Objects.requireNonNull(engine, "engine");
        this.stores = Map.copyOf(stores);
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /**
     * Checks the preconditions of failing {@code guestId} back now.
     *
     * @param state the coordinator's state
     * @param guestId the guest
     * @param runningOnPrimary the guests the primary's agent last reported running (its heartbeats)
     * @return the first unmet precondition, or empty when the failback may start
     */
    public Optional<FailbackRefusal> check(CoordinatorState state, String guestId, Set<String> runningOnPrimary) {
        GuestEntry guest = state.guest(guestId).orElse(null);
        if (guest == null) {
            return refuse("unknown_guest", "guest " + guestId + " is not protected by this coordinator");
        }
        if (state.failbacks().stream().anyMatch(f -> f.getGuestId().equals(guestId) && !terminal(f))) {
            return refuse("failback_running", "guest " + guestId + ": a failback is already running");
        }
        if (guest.state() != GuestState.GUEST_STATE_FAILED_OVER
                || !guest.ownerHostId().equals(guest.standbyHostId())) {
            return refuse("not_failed_over", "guest " + guestId + " is " + guest.state().name()
                    .replace("GUEST_STATE_", "") + " on host " + guest.ownerHostId()
                    + ", not FAILED_OVER to its standby " + guest.standbyHostId());
        }
        String primary = guest.primaryHostId();
        HostHealth health = state.hostHealth(primary).orElse(HostHealth.HOST_HEALTH_UNSPECIFIED);
        if (health != HostHealth.HOST_HEALTH_UP) {
            return refuse("primary_not_up", "guest " + guestId + ": primary host " + primary + " is "
                    + health.name().replace("HOST_HEALTH_", "") + ", not UP");
        }
        if (runningOnPrimary.contains(guestId)) {
            return refuse("stale_copy_running", "guest " + guestId + ": a copy runs on primary host " + primary
                    + "; stop it there first");
        }
        if (!stores.containsKey(primary)) {
            return refuse("no_primary_store", "guest " + guestId + ": primary host " + primary
                    + " runs no store (set hosts." + primary + ".store in the coordinator config)");
        }
        if (sincePoint(state, guestId).isEmpty()) {
            return refuse("no_failover_point", "guest " + guestId + ": no completed failover names the restore "
                    + "point its standby copy started from");
        }
        Optional<HostFacts> facts = state.hostFacts(primary);
        if (facts.isEmpty()) {
            return refuse("no_host_facts", "guest " + guestId + ": primary host " + primary
                    + " has reported no facts");
        }
        CompatibilityVerdict verdict = engine.judge(guest.spec(), placement(state, guest, facts.get()));
        if (verdict.compatibility() == Compatibility.REFUSE) {
            return refuse("incompatible", "guest " + guestId + " cannot run on primary host " + primary + ": "
                    + String.join("; ", verdict.refusals()));
        }
        return Optional.empty();
    }

    /** Decides what {@code input} calls for in {@code state}. Does not change {@code state}. */
    public Decision plan(CoordinatorState state, FailbackInput input) {
        if (state.epoch() <= 0) {
            throw new IllegalStateException("coordinator " + nodeId + " has started no epoch: replay the journal "
                    + "and journal an EpochStarted before planning");
        }
        Run run = new Run(state.copy(), input.at());
        if (input instanceof FailbackInput.Start start) {
            if (check(state, start.guestId(), start.runningOnPrimary()).isEmpty()) {
                run.start(start.guestId(), start.requestedBy());
            }
        } else if (input instanceof FailbackInput.CommandFinished finished) {
            run.finished(finished.result());
        } else if (input instanceof FailbackInput.Tick) {
            run.tick();
        } else if (input instanceof FailbackInput.Resumed) {
            run.resend();
        }
        return new Decision(run.records, run.commands);
    }

    /** The commands of unfinished phases bound for {@code hostId}, at the current epoch with their original ids. */
    public List<OutboundCommand> outstanding(CoordinatorState state, String hostId) {
        List<OutboundCommand> out = new ArrayList<>();
        for (FailbackProgress p : state.failbacks()) {
            if (waiting(p) && p.getCommandHostId().equals(hostId)) {
                out.add(new OutboundCommand(hostId, Commands.atEpoch(p.getCommand(), state.epoch())));
            }
        }
        return out;
    }

    /** Whether {@code commandId} is the outstanding command of an unfinished failback. */
    public static boolean owns(CoordinatorState state, String commandId) {
        return state.failbacks().stream().anyMatch(p -> waiting(p)
                && Commands.commandId(p.getCommand()).orElse("").equals(commandId));
    }

    /** The operation id the next failback started in {@code state} gets. */
    public static String nextOperationId(CoordinatorState state, String guestId) {
        return "failback-" + (state.failbacks().size() + 1) + "-" + guestId;
    }

    /** Whether a failback is over: done or rolled back. */
    public static boolean terminal(FailbackProgress p) {
        return p.getPhase() == FailbackPhase.FAILBACK_PHASE_DONE
                || p.getPhase() == FailbackPhase.FAILBACK_PHASE_ROLLED_BACK;
    }

    private static boolean waiting(FailbackProgress p) {
        return p.getStatus() == StepStatus.STEP_STATUS_STARTED && p.hasCommand() && !terminal(p);
    }

    private static boolean rollingBack(FailbackPhase phase) {
        return phase.getNumber() >= FailbackPhase.FAILBACK_PHASE_ROLLBACK_STOP_PRIMARY.getNumber();
    }

    private static Optional<FailbackRefusal> refuse(String code, String message) {
        return Optional.of(new FailbackRefusal(code, message));
    }

    /** The restore point the guest's standby copy was materialised from: its latest completed failover's. */
    private static Optional<String> sincePoint(CoordinatorState state, String guestId) {
        return state.operations().stream()
                .map(FailoverOperation::guests).map(g -> g.get(guestId))
                .filter(r -> r != null && r.failedOverAt().isPresent() && !r.pointId().isEmpty())
                .max(Comparator.comparing((GuestRecovery r) -> r.failedOverAt().get()))
                .map(GuestRecovery::pointId);
    }

    private static PlacementTarget placement(CoordinatorState state, GuestEntry guest, HostFacts facts) {
        RecoveryPlanDefined plan = state.plan(guest.plan()).orElse(RecoveryPlanDefined.getDefaultInstance());
        String dir = (plan.getDestinationDir().isEmpty() ? "/var/lib/lifeboat/guests" : plan.getDestinationDir())
                + "/" + guest.guestId();
        // Back home the guest joins the networks it was protected on: each maps to itself. The unnamed one is
        // user-mode networking (libvirt's <interface type='user'> reads back as ''), which the drivers write for the
        // name "user"; an empty mapping would read as none.
        Map<String, String> networks = new java.util.TreeMap<>();
        guest.spec().getNicsList().forEach(n -> networks.put(n.getNetwork(),
                n.getNetwork().isEmpty() ? USER_NETWORK : n.getNetwork()));
        return new PlacementTarget(facts, networks, dir);
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

        private void emit(FailbackProgress.Builder progress) {
            JournalRecord record = JournalRecord.newBuilder()
                    .setFailbackProgress(progress.setAt(Timestamps.of(now))).build();
            work.apply(record);
            records.add(record);
        }

        void start(String guestId, String requestedBy) {
            GuestEntry guest = work.guest(guestId).orElseThrow();
            FailbackProgress.Builder p = FailbackProgress.newBuilder()
                    .setOperationId(nextOperationId(work, guestId)).setGuestId(guestId)
                    .setPrimaryHostId(guest.primaryHostId()).setStandbyHostId(guest.standbyHostId())
                    .setSincePointId(sincePoint(work, guestId).orElseThrow()).setStartedAt(Timestamps.of(now))
                    .setRequestedBy(requestedBy).setGuestState(GuestState.GUEST_STATE_FAILING_BACK)
                    .setOwnerHostId(guest.standbyHostId());
            phase(p, FailbackPhase.FAILBACK_PHASE_KEEP_PRIMARY_STATE, 1);
        }

        void finished(CommandResult result) {
            for (FailbackProgress p : work.failbacks()) {
                if (waiting(p) && Commands.commandId(p.getCommand()).orElse("").equals(result.getCommandId())) {
                    if (result.getOutcome() == CommandOutcome.COMMAND_OUTCOME_SUCCEEDED) {
                        succeeded(p, result);
                    } else {
                        failed(p, result.hasFailure() ? result.getFailure() : Failure.newBuilder()
                                .setErrorClass(ErrorClass.ERROR_CLASS_PERMANENT)
                                .setCode("command_" + result.getOutcome().name().toLowerCase(Locale.ROOT))
                                .setMessage("command " + result.getCommandId() + " ended " + result.getOutcome())
                                .build());
                    }
                    return;
                }
            }
            // A duplicate, or the result of a superseded attempt: nothing to decide.
        }

        void tick() {
            for (FailbackProgress p : work.failbacks()) {
                if (terminal(p)) {
                    continue;
                }
                HostHealth primary = work.hostHealth(p.getPrimaryHostId()).orElse(HostHealth.HOST_HEALTH_UNSPECIFIED);
                if (!rollingBack(p.getPhase()) && primary != HostHealth.HOST_HEALTH_UP) {
                    rollback(p, Failure.newBuilder().setErrorClass(ErrorClass.ERROR_CLASS_PERMANENT)
                            .setCode("primary_not_up").setMessage("guest " + p.getGuestId() + ": primary host "
                                    + p.getPrimaryHostId() + " became " + primary.name().replace("HOST_HEALTH_", "")
                                    + " during " + phaseName(p.getPhase())).build());
                } else if (waiting(p) && p.hasDeadline() && now.isAfter(Timestamps.instant(p.getDeadline()))) {
                    failed(p, Failure.newBuilder().setErrorClass(ErrorClass.ERROR_CLASS_RETRIABLE)
                            .setCode("timed_out").setMessage("guest " + p.getGuestId() + ": " + phaseName(p.getPhase())
                                    + " on host " + p.getCommandHostId() + " got no result by "
                                    + Timestamps.instant(p.getDeadline())).build());
                } else if (!waiting(p) && rollingBack(p.getPhase())) {
                    // A rollback waiting for the primary to be confirmed off (LOST, FENCED) or back UP.
                    continueRollback(current(p.getOperationId()).toBuilder());
                }
            }
        }

        void resend() {
            for (FailbackProgress p : work.failbacks()) {
                if (waiting(p)) {
                    commands.add(new OutboundCommand(p.getCommandHostId(),
                            Commands.atEpoch(p.getCommand(), work.epoch())));
                }
            }
        }

        private void succeeded(FailbackProgress p, CommandResult result) {
            FailbackProgress.Builder next = rollingBack(p.getPhase()) ? p.toBuilder() : p.toBuilder().clearFailure();
            switch (p.getPhase()) {
                case FAILBACK_PHASE_KEEP_PRIMARY_STATE -> {
                    next.setKeptPointId(result.hasBackup() ? result.getBackup().getPointId() : "");
                    phase(next, FailbackPhase.FAILBACK_PHASE_BULK_DELTA, 1);
                }
                case FAILBACK_PHASE_BULK_DELTA -> phase(next, FailbackPhase.FAILBACK_PHASE_STOP_STANDBY, 1);
                case FAILBACK_PHASE_STOP_STANDBY -> {
                    next.setStandbyStoppedAt(Timestamps.of(now));
                    phase(next, FailbackPhase.FAILBACK_PHASE_FINAL_DELTA, 1);
                }
                case FAILBACK_PHASE_FINAL_DELTA -> {
                    if (!result.hasBackup() || result.getBackup().getPointId().isEmpty()) {
                        failed(p, Failure.newBuilder().setErrorClass(ErrorClass.ERROR_CLASS_PERMANENT)
                                .setCode("no_final_point").setMessage("guest " + p.getGuestId() + ": the final delta "
                                        + "to host " + p.getPrimaryHostId() + " committed no restore point").build());
                        return;
                    }
                    next.setFinalPointId(result.getBackup().getPointId());
                    phase(next, FailbackPhase.FAILBACK_PHASE_MATERIALISE, 1);
                }
                case FAILBACK_PHASE_MATERIALISE -> {
                    GuestSpec spec = p.getRegisteredSpec();
                    if (result.hasMaterialise() && result.getMaterialise().getDisksCount() == spec.getDisksCount()) {
                        GuestSpec.Builder b = spec.toBuilder();
                        for (int i = 0; i < spec.getDisksCount(); i++) {
                            DiskSpec made = result.getMaterialise().getDisks(i);
                            b.setDisks(i, spec.getDisks(i).toBuilder().setPath(made.getPath())
                                    .setFormat(made.getFormat()).setVmdkCreateType(made.getVmdkCreateType()));
                        }
                        next.setRegisteredSpec(b);
                    }
                    phase(next, FailbackPhase.FAILBACK_PHASE_REGISTER, 1);
                }
                case FAILBACK_PHASE_REGISTER -> phase(next, FailbackPhase.FAILBACK_PHASE_START, 1);
                case FAILBACK_PHASE_START -> {
                    BootCheck check = entry(p.getGuestId()).getBootCheck();
                    if (check.getKind() == BootCheckKind.BOOT_CHECK_KIND_SERIAL_MARKER
                            && !(result.hasBoot() && result.getBoot().getBootVerified())) {
                        failed(p, Failure.newBuilder().setErrorClass(ErrorClass.ERROR_CLASS_PERMANENT)
                                .setCode("boot_not_verified").setMessage("guest " + p.getGuestId() + ": serial marker '"
                                        + check.getSerialMarker() + "' not seen on host " + p.getPrimaryHostId())
                                .build());
                        return;
                    }
                    next.setDowntime(Timestamps.of(Duration.between(
                            Timestamps.instant(p.getStandbyStoppedAt()), now)));
                    phase(next, FailbackPhase.FAILBACK_PHASE_CLEAN_UP_STANDBY, 1);
                }
                case FAILBACK_PHASE_CLEAN_UP_STANDBY -> finish(next, "standby copy removed");
                case FAILBACK_PHASE_ROLLBACK_STOP_PRIMARY -> {
                    next.setPrimaryStartSent(false);
                    continueRollback(next);
                }
                case FAILBACK_PHASE_ROLLBACK_UNREGISTER_PRIMARY -> {
                    next.setPrimaryRegistered(false);
                    continueRollback(next);
                }
                case FAILBACK_PHASE_ROLLBACK_START_STANDBY -> emit(next.setPhase(FailbackPhase.FAILBACK_PHASE_ROLLED_BACK)
                        .setStatus(StepStatus.STEP_STATUS_COMPLETED).clearCommand().clearCommandHostId()
                        .clearDeadline().setGuestState(GuestState.GUEST_STATE_FAILED_OVER)
                        .setOwnerHostId(p.getStandbyHostId()).setFailure(p.getFailure())
                        .setDetail("rolled back: the guest runs on standby host " + p.getStandbyHostId()));
                default -> {
                    // Terminal phases send no command.
                }
            }
        }

        private void finish(FailbackProgress.Builder next, String detail) {
            emit(next.setPhase(FailbackPhase.FAILBACK_PHASE_DONE).setStatus(StepStatus.STEP_STATUS_COMPLETED)
                    .clearCommand().clearCommandHostId().clearDeadline()
                    .setGuestState(GuestState.GUEST_STATE_PROTECTED).setOwnerHostId(next.getPrimaryHostId())
                    .setDetail(detail + "; protected " + next.getPrimaryHostId() + " -> " + next.getStandbyHostId()
                            + " again, downtime " + Timestamps.duration(next.getDowntime()).toMillis() / 1000.0
                            + " s"));
        }

        private void failed(FailbackProgress p, Failure failure) {
            boolean forward = !rollingBack(p.getPhase());
            boolean retriable = failure.getErrorClass() == ErrorClass.ERROR_CLASS_RETRIABLE;
            if (!forward) {
                // Rollback steps are retried until they succeed: giving up could leave two copies runnable.
                emit(p.toBuilder().setStatus(StepStatus.STEP_STATUS_FAILED).setFailure(failure)
                        .setDetail("rollback step failed, retrying: " + failure.getMessage()));
                phase(current(p.getOperationId()).toBuilder(), p.getPhase(), p.getAttempt() + 1);
                return;
            }
            if (retriable && p.getAttempt() < settings.maxAttempts()) {
                emit(p.toBuilder().setStatus(StepStatus.STEP_STATUS_FAILED).setFailure(failure)
                        .setDetail("will retry (attempt " + (p.getAttempt() + 1) + " of " + settings.maxAttempts()
                                + ")"));
                phase(current(p.getOperationId()).toBuilder(), p.getPhase(), p.getAttempt() + 1);
                return;
            }
            if (p.getPhase() == FailbackPhase.FAILBACK_PHASE_CLEAN_UP_STANDBY) {
                // The guest runs verified on the primary: the failback stands, the standby copy stays stopped.
                finish(p.toBuilder().setFailure(failure), "standby copy NOT removed (" + failure.getMessage() + ")");
                return;
            }
            rollback(p, failure);
        }

        private void rollback(FailbackProgress p, Failure failure) {
            FailbackProgress.Builder next = p.toBuilder().setFailure(failure).clearCommand().clearCommandHostId()
                    .clearDeadline();
            if (p.getPhase().getNumber() < FailbackPhase.FAILBACK_PHASE_STOP_STANDBY.getNumber()) {
                // The guest never stopped on the standby and nothing was registered on the primary.
                emit(next.setPhase(FailbackPhase.FAILBACK_PHASE_ROLLED_BACK).setStatus(StepStatus.STEP_STATUS_FAILED)
                        .setGuestState(GuestState.GUEST_STATE_FAILED_OVER).setOwnerHostId(p.getStandbyHostId())
                        .setDetail("rolled back before the switchover: " + failure.getMessage()));
                return;
            }
            emit(next.setStatus(StepStatus.STEP_STATUS_FAILED).setDetail("rolling back: " + failure.getMessage()));
            continueRollback(current(p.getOperationId()).toBuilder());
        }

        /** The next rollback step: make sure nothing runs on the primary, then start the standby copy again. */
        private void continueRollback(FailbackProgress.Builder p) {
            HostHealth primary = work.hostHealth(p.getPrimaryHostId()).orElse(HostHealth.HOST_HEALTH_UNSPECIFIED);
            boolean primaryOff = primary == HostHealth.HOST_HEALTH_LOST || primary == HostHealth.HOST_HEALTH_FENCED;
            boolean primaryUp = primary == HostHealth.HOST_HEALTH_UP;
            if (p.getPrimaryStartSent() && !primaryOff) {
                if (primaryUp) {
                    phase(p, FailbackPhase.FAILBACK_PHASE_ROLLBACK_STOP_PRIMARY, 1);
                } else {
                    waitFor(p, FailbackPhase.FAILBACK_PHASE_ROLLBACK_STOP_PRIMARY, "waiting until primary host "
                            + p.getPrimaryHostId() + " is back UP or LOST (its agent fences itself) before the "
                            + "standby copy may start again");
                }
                return;
            }
            if (p.getPrimaryRegistered() && primaryUp) {
                phase(p, FailbackPhase.FAILBACK_PHASE_ROLLBACK_UNREGISTER_PRIMARY, 1);
                return;
            }
            phase(p.setOwnerHostId(p.getStandbyHostId()), FailbackPhase.FAILBACK_PHASE_ROLLBACK_START_STANDBY, 1);
        }

        private void waitFor(FailbackProgress.Builder p, FailbackPhase phase, String detail) {
            if (p.getPhase() == phase && !p.hasCommand() && p.getStatus() == StepStatus.STEP_STATUS_UNSPECIFIED) {
                return;
            }
            emit(p.setPhase(phase).setStatus(StepStatus.STEP_STATUS_UNSPECIFIED).clearCommand().clearCommandHostId()
                    .clearDeadline().setDetail(detail));
        }

        /** Journals {@code phase} as STARTED with its command, then sends the command. */
        private void phase(FailbackProgress.Builder p, FailbackPhase phase, int attempt) {
            String guestId = p.getGuestId();
            String primary = p.getPrimaryHostId();
            String standby = p.getStandbyHostId();
            String host;
            Duration timeout;
            Message payload;
            CommandHeader.Builder header = CommandHeader.newBuilder()
                    .setCommandId(Commands.stableId(p.getOperationId() + "/" + phase.name() + "/" + attempt))
                    .setEpoch(work.epoch()).setOperationId(p.getOperationId());
            StoreTarget primaryStore = StoreTarget.newBuilder().setHostId(primary)
                    .setAddress(stores.getOrDefault(primary, "")).setStoreId(STORE_ID).build();
            switch (phase) {
                case FAILBACK_PHASE_KEEP_PRIMARY_STATE -> {
                    host = primary;
                    timeout = settings.backupTimeout();
                    payload = BackupGuest.newBuilder().setHeader(header.setTimeout(Timestamps.of(timeout)))
                            .setGuestId(guestId).setTarget(primaryStore).build();
                    p.setDetail("keeping primary host " + primary + "'s disk state as a restore point");
                }
                case FAILBACK_PHASE_BULK_DELTA, FAILBACK_PHASE_FINAL_DELTA -> {
                    host = standby;
                    timeout = settings.backupTimeout();
                    boolean last = phase == FailbackPhase.FAILBACK_PHASE_FINAL_DELTA;
                    payload = ReverseReplicate.newBuilder().setHeader(header.setTimeout(Timestamps.of(timeout)))
                            .setGuestId(guestId).setTarget(primaryStore).setSincePointId(p.getSincePointId())
                            .setFinalDelta(last).build();
                    p.setDetail((last ? "final delta" : "reverse-replicating while the guest runs") + " from host "
                            + standby + " to host " + primary + " since " + p.getSincePointId());
                }
                case FAILBACK_PHASE_STOP_STANDBY -> {
                    host = standby;
                    timeout = settings.stopGrace().plus(settings.registerTimeout());
                    payload = StopGuest.newBuilder().setHeader(header.setTimeout(Timestamps.of(timeout)))
                            .setGuestId(guestId).setMode(StopMode.STOP_MODE_GRACEFUL)
                            .setGracePeriod(Timestamps.of(settings.stopGrace())).build();
                    p.setDetail("stopping the guest gracefully on standby host " + standby);
                }
                case FAILBACK_PHASE_MATERIALISE -> {
                    host = primary;
                    timeout = settings.materialiseTimeout();
                    GuestEntry guest = work.guest(guestId).orElseThrow();
                    HostFacts facts = work.hostFacts(primary).orElse(HostFacts.getDefaultInstance());
                    PlacementTarget target = placement(work, guest, facts);
                    GuestSpec spec = engine.judge(guest.spec(), target).targetSpec();
                    p.setRegisteredSpec(spec);
                    DiskFormat format = spec.getDisksCount() > 0 ? spec.getDisks(0).getFormat()
                            : DiskFormat.DISK_FORMAT_RAW;
                    VmdkCreateType createType = spec.getDisksCount() > 0 ? spec.getDisks(0).getVmdkCreateType()
                            : VmdkCreateType.VMDK_CREATE_TYPE_UNSPECIFIED;
                    payload = MaterialiseRestorePoint.newBuilder().setHeader(header.setTimeout(Timestamps.of(timeout)))
                            .setGuestId(guestId).setPointId(p.getFinalPointId()).setTargetFormat(format)
                            .setTargetVmdkCreateType(createType).setDestinationDir(target.destinationDir()).build();
                    p.setDetail("materialising " + p.getFinalPointId() + " on primary host " + primary);
                }
                case FAILBACK_PHASE_REGISTER -> {
                    host = primary;
                    timeout = settings.registerTimeout();
                    payload = RegisterGuest.newBuilder().setHeader(header.setTimeout(Timestamps.of(timeout)))
                            .setSpec(p.getRegisteredSpec()).setTransient(false).setDisableAutostart(true).build();
                    p.setPrimaryRegistered(true).setDetail("registering on primary host " + primary
                            + ", autostart disabled");
                }
                case FAILBACK_PHASE_START -> {
                    if (!p.hasStandbyStoppedAt()) {
                        throw new IllegalStateException("guest " + guestId + ": failback " + p.getOperationId()
                                + " would start on primary host " + primary + " before the standby's stop was "
                                + "confirmed");
                    }
                    host = primary;
                    BootCheck check = entry(guestId).getBootCheck();
                    timeout = check.hasTimeout() ? Timestamps.duration(check.getTimeout())
                            : settings.defaultBootTimeout();
                    StartGuest.Builder start = StartGuest.newBuilder()
                            .setHeader(header.setTimeout(Timestamps.of(timeout))).setGuestId(guestId)
                            .setBootTimeout(Timestamps.of(timeout));
                    if (check.getKind() == BootCheckKind.BOOT_CHECK_KIND_SERIAL_MARKER) {
                        start.setBootMarker(check.getSerialMarker());
                    }
                    payload = start.build();
                    p.setPrimaryStartSent(true).setOwnerHostId(primary)
                            .setDetail("starting on primary host " + primary + " with boot verification");
                }
                case FAILBACK_PHASE_CLEAN_UP_STANDBY -> {
                    host = standby;
                    timeout = settings.registerTimeout();
                    payload = UnregisterGuest.newBuilder().setHeader(header.setTimeout(Timestamps.of(timeout)))
                            .setGuestId(guestId).setDeleteDisks(true).build();
                    p.setDetail("boot verified on host " + primary + "; removing the copy on standby host "
                            + standby);
                }
                case FAILBACK_PHASE_ROLLBACK_STOP_PRIMARY -> {
                    host = primary;
                    timeout = settings.registerTimeout();
                    payload = StopGuest.newBuilder().setHeader(header.setTimeout(Timestamps.of(timeout)))
                            .setGuestId(guestId).setMode(StopMode.STOP_MODE_HARD).build();
                    p.setDetail("rollback: powering off the copy on primary host " + primary);
                }
                case FAILBACK_PHASE_ROLLBACK_UNREGISTER_PRIMARY -> {
                    host = primary;
                    timeout = settings.registerTimeout();
                    payload = UnregisterGuest.newBuilder().setHeader(header.setTimeout(Timestamps.of(timeout)))
                            .setGuestId(guestId).setDeleteDisks(false).build();
                    p.setDetail("rollback: unregistering the copy on primary host " + primary);
                }
                case FAILBACK_PHASE_ROLLBACK_START_STANDBY -> {
                    host = standby;
                    timeout = settings.defaultBootTimeout();
                    payload = StartGuest.newBuilder().setHeader(header.setTimeout(Timestamps.of(timeout)))
                            .setGuestId(guestId).setBootTimeout(Timestamps.of(timeout)).build();
                    p.setDetail("rollback: starting the guest again on standby host " + standby);
                }
                default -> throw new IllegalStateException("failback phase " + phase + " sends no command");
            }
            var envelope = Commands.envelope(nodeId, work.epoch(), payload);
            emit(p.setPhase(phase).setStatus(StepStatus.STEP_STATUS_STARTED).setAttempt(attempt)
                    .setCommand(envelope).setCommandHostId(host)
                    .setDeadline(Timestamps.of(now.plus(timeout).plus(settings.resultGrace()))));
            commands.add(new OutboundCommand(host, envelope));
        }

        private FailbackProgress current(String operationId) {
            return work.failbacks().stream().filter(f -> f.getOperationId().equals(operationId)).findFirst()
                    .orElseThrow();
        }

        private PlanEntry entry(String guestId) {
            GuestEntry guest = work.guest(guestId).orElseThrow();
            RecoveryPlanDefined plan = work.plan(guest.plan()).orElse(null);
            if (plan != null) {
                for (PlanEntry e : plan.getEntriesList()) {
                    if (e.getGuestId().equals(guestId)) {
                        return e;
                    }
                }
            }
            return PlanEntry.newBuilder().setGuestId(guestId).build();
        }
    }

    private static String phaseName(FailbackPhase phase) {
        return phase.name().replace("FAILBACK_PHASE_", "").toLowerCase(Locale.ROOT).replace('_', ' ');
    }
}
