package io.lifeboat.coordinator.state;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import io.lifeboat.protocol.v1.BackupFinished;
import io.lifeboat.protocol.v1.BackupRequested;
import io.lifeboat.protocol.v1.CoordinatorSnapshot;
import io.lifeboat.protocol.v1.EpochStarted;
import io.lifeboat.protocol.v1.FailoverStarted;
import io.lifeboat.protocol.v1.GuestFailedOver;
import io.lifeboat.protocol.v1.GuestProtected;
import io.lifeboat.protocol.v1.GuestProtectionResumed;
import io.lifeboat.protocol.v1.GuestRecoveryAbandoned;
import io.lifeboat.protocol.v1.GuestState;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HostFactsRecorded;
import io.lifeboat.protocol.v1.HostHealth;
import io.lifeboat.protocol.v1.HostStateChanged;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.RecoveryPlanDefined;
import io.lifeboat.protocol.v1.RecoveryStep;
import io.lifeboat.protocol.v1.RecoveryStepChanged;
import io.lifeboat.protocol.v1.RestorePointRecorded;

/**
 * Everything the coordinator decides from: epoch, hosts, plans, protected guests, restore points and failovers.
 *
 * <p>Changed only by {@link #apply(JournalRecord)}, so that replaying the journal rebuilds it exactly. Single-threaded.
 */
public final class CoordinatorState {

    private long epoch;
    private String epochNodeId = "";
    private final Map<String, HostHealth> hostHealth = new TreeMap<>();
    private final Map<String, Boolean> hostFailoverArmed = new TreeMap<>();
    private final Map<String, HostFacts> hostFacts = new TreeMap<>();
    private final Map<String, RecoveryPlanDefined> plans = new TreeMap<>();
    private final Map<String, GuestEntry> guests = new TreeMap<>();
    private final Map<String, List<RestorePoint>> points = new TreeMap<>();
    private final Map<String, FailoverOperation> operations = new LinkedHashMap<>();
    private final Map<String, GuestBackups> backups = new TreeMap<>();
    private final Map<String, io.lifeboat.protocol.v1.FailbackProgress> failbacks = new LinkedHashMap<>();
    private final Map<String, io.lifeboat.protocol.v1.HostFenceRequested> fences = new LinkedHashMap<>();
    /** The coordinator's successful fence of each LOST host, until the host changes state (a snapshot keeps it). */
    private final Map<String, io.lifeboat.protocol.v1.HostFenceFinished> fencedLost = new TreeMap<>();
    private final Map<String, AbandonedRecovery> abandoned = new TreeMap<>();
    /** Guests protected again after an abandoned failover, until their next failover (a snapshot replays them). */
    private final Map<String, GuestProtectionResumed> resumed = new TreeMap<>();
    private RecentHistory history = new RecentHistory();

    /** Returns an independent copy, for planners that apply their own records as they decide. */
    public CoordinatorState copy() {
        CoordinatorState copy = new CoordinatorState();
        copy.epoch = epoch;
        copy.epochNodeId = epochNodeId;
        copy.hostHealth.putAll(hostHealth);
        copy.hostFailoverArmed.putAll(hostFailoverArmed);
        copy.hostFacts.putAll(hostFacts);
        copy.plans.putAll(plans);
        copy.guests.putAll(guests);
        points.forEach((g, list) -> copy.points.put(g, new ArrayList<>(list)));
        copy.operations.putAll(operations);
        copy.backups.putAll(backups);
        copy.failbacks.putAll(failbacks);
        copy.fences.putAll(fences);
        copy.fencedLost.putAll(fencedLost);
        copy.abandoned.putAll(abandoned);
        copy.resumed.putAll(resumed);
        copy.history = history.copy();
        return copy;
    }

    /** Applies one journal record. */
    public void apply(JournalRecord record) {
        switch (record.getRecordCase()) {
            case EPOCH_STARTED -> apply(record.getEpochStarted());
            case HOST_STATE_CHANGED -> apply(record.getHostStateChanged());
            case HOST_FACTS_RECORDED -> apply(record.getHostFactsRecorded());
            case RECOVERY_PLAN_DEFINED -> plans.put(record.getRecoveryPlanDefined().getName(),
                    record.getRecoveryPlanDefined());
            case GUEST_PROTECTED -> apply(record.getGuestProtected());
            case RESTORE_POINT_RECORDED -> apply(record.getRestorePointRecorded());
            case FAILOVER_STARTED -> apply(record.getFailoverStarted());
            case RECOVERY_STEP_CHANGED -> apply(record.getRecoveryStepChanged());
            case GUEST_FAILED_OVER -> apply(record.getGuestFailedOver());
            case GUEST_RECOVERY_ABANDONED -> apply(record.getGuestRecoveryAbandoned());
            case BACKUP_REQUESTED -> apply(record.getBackupRequested());
            case BACKUP_FINISHED -> apply(record.getBackupFinished());
            case FAILBACK_PROGRESS -> apply(record.getFailbackProgress());
            case HOST_FENCE_REQUESTED -> fences.put(record.getHostFenceRequested().getCommandId(),
                    record.getHostFenceRequested());
            case HOST_FENCE_FINISHED -> apply(record.getHostFenceFinished());
            case GUEST_PROTECTION_RESUMED -> apply(record.getGuestProtectionResumed());
            case RECORD_NOT_SET -> throw new IllegalArgumentException("journal record with no content");
            // Audit events and drill records are history: kept (bounded) so that a snapshot carries them.
            default -> history.apply(record);
        }
    }

    private void apply(EpochStarted r) {
        if (r.getEpoch() <= epoch) {
            throw new IllegalStateException("epoch " + r.getEpoch() + " started by " + r.getNodeId()
                    + " is not above the current epoch " + epoch);
        }
        epoch = r.getEpoch();
        epochNodeId = r.getNodeId();
    }

    private void apply(HostStateChanged r) {
        hostHealth.put(r.getHostId(), r.getTo());
        hostFailoverArmed.put(r.getHostId(), r.getTo() == HostHealth.HOST_HEALTH_LOST && r.getFailoverArmed());
        if (r.getTo() != HostHealth.HOST_HEALTH_LOST) {
            fencedLost.remove(r.getHostId());
        }
    }

    private void apply(io.lifeboat.protocol.v1.HostFenceFinished r) {
        fences.remove(r.getCommandId());
        // Kept only while the host is LOST: a fence that ends after the host was heard again says nothing of now.
        if (r.getSucceeded() && hostHealth.get(r.getHostId()) == HostHealth.HOST_HEALTH_LOST) {
            fencedLost.put(r.getHostId(), r);
        }
    }

    private void apply(HostFactsRecorded r) {
        hostFacts.put(r.getFacts().getHostId(), r.getFacts());
        hostHealth.putIfAbsent(r.getFacts().getHostId(), HostHealth.HOST_HEALTH_UP);
    }

    private void apply(GuestProtected r) {
        guests.put(r.getSpec().getGuestId(), new GuestEntry(r.getSpec(), r.getPrimaryHostId(), r.getStandbyHostId(),
                r.getPlan(), GuestState.GUEST_STATE_PROTECTED, r.getPrimaryHostId()));
    }

    private void apply(RestorePointRecorded r) {
        List<RestorePoint> list = points.computeIfAbsent(r.getGuestId(), g -> new ArrayList<>());
        list.removeIf(p -> p.pointId().equals(r.getPointId()));
        list.add(new RestorePoint(r.getPointId(), r.getStoreHostId(), Timestamps.instant(r.getSnapshotTime()),
                r.getVerified()));
        list.sort(Comparator.comparing(RestorePoint::snapshotTime));
    }

    private void apply(FailoverStarted r) {
        Map<String, GuestRecovery> recoveries = new LinkedHashMap<>();
        for (String guestId : r.getGuestIdsList()) {
            GuestRecovery initial = GuestRecovery.initial(guestId);
            // A restore pins the admin's point from the start (SELECT_POINT checks it instead of taking the latest).
            recoveries.put(guestId, r.getRestorePointId().isEmpty() ? initial : new GuestRecovery(guestId,
                    initial.step(), initial.status(), initial.attempt(), r.getRestorePointId(), initial.command(),
                    initial.deadline(), initial.registeredSpec(), initial.failedOverAt(), initial.abandonedAt()));
            GuestEntry g = guests.get(guestId);
            if (g != null) {
                guests.put(guestId, withState(g, GuestState.GUEST_STATE_FAILING_OVER, g.ownerHostId()));
            }
            abandoned.remove(guestId);
            resumed.remove(guestId);
        }
        operations.put(r.getOperationId(), new FailoverOperation(r.getOperationId(), r.getLostHostId(),
                Timestamps.instant(r.getDeclaredAt()), r.getGuestIdsList(), recoveries));
    }

    private void apply(RecoveryStepChanged r) {
        updateRecovery(r.getOperationId(), r.getGuestId(), old -> new GuestRecovery(old.guestId(), r.getStep(),
                r.getStatus(), r.getAttempt(), r.getPointId().isEmpty() ? old.pointId() : r.getPointId(),
                r.hasCommand() ? Optional.of(r.getCommand()) : Optional.empty(),
                r.hasDeadline() ? Optional.of(Timestamps.instant(r.getDeadline())) : Optional.empty(),
                r.hasRegisteredSpec() ? Optional.of(r.getRegisteredSpec()) : old.registeredSpec(),
                old.failedOverAt(), old.abandonedAt()));
    }

    private void apply(GuestFailedOver r) {
        updateRecovery(r.getOperationId(), r.getGuestId(), old -> new GuestRecovery(old.guestId(), old.step(),
                old.status(), old.attempt(), old.pointId(), old.command(), old.deadline(), old.registeredSpec(),
                Optional.of(Timestamps.instant(r.getAt())), old.abandonedAt()));
        abandoned.remove(r.getGuestId());
        GuestEntry g = guests.get(r.getGuestId());
        if (g != null) {
            guests.put(r.getGuestId(), withState(g, GuestState.GUEST_STATE_FAILED_OVER, r.getTargetHostId()));
        }
    }

    /**
     * An abandoned recovery leaves the guest AT_RISK, for an admin to retry (nothing re-plans it on its own). Once a
     * RegisterGuest may have reached the standby, a copy may exist (or run) there: the standby becomes the only host
     * allowed to run the guest, so that the lost host, when it comes back, does not start a second copy (I1).
     */
    private void apply(GuestRecoveryAbandoned r) {
        FailoverOperation op = operations.get(r.getOperationId());
        GuestRecovery before = op == null ? null : op.guests().get(r.getGuestId());
        GuestEntry g = guests.get(r.getGuestId());
        if (op != null && before != null && g != null) {
            RecoveryStep step = before.step() == RecoveryStep.RECOVERY_STEP_UNSPECIFIED
                    ? RecoveryStep.RECOVERY_STEP_SELECT_POINT : before.step();
            boolean copyMayExist = step.getNumber() >= RecoveryStep.RECOVERY_STEP_REGISTER_VALUE;
            guests.put(r.getGuestId(), withState(g, GuestState.GUEST_STATE_AT_RISK,
                    copyMayExist ? g.standbyHostId() : g.ownerHostId()));
            abandoned.put(r.getGuestId(), new AbandonedRecovery(r.getOperationId(), op.lostHostId(),
                    "failover abandoned at " + step.name().substring("RECOVERY_STEP_".length()) + ": "
                            + (r.hasFailure() ? r.getFailure().getMessage() : "no reason recorded"),
                    Timestamps.instant(r.getAt())));
        }
        updateRecovery(r.getOperationId(), r.getGuestId(), old -> new GuestRecovery(old.guestId(), old.step(),
                old.status(), old.attempt(), old.pointId(), Optional.empty(), Optional.empty(), old.registeredSpec(),
                old.failedOverAt(), Optional.of(Timestamps.instant(r.getAt()))));
    }

    /**
     * The host an abandoned failover was recovering the guest from is back and still owns it: the guest is PROTECTED
     * there again, and no longer AT_RISK for that failover.
     */
    private void apply(GuestProtectionResumed r) {
        GuestEntry g = guests.get(r.getGuestId());
        if (g == null) {
            throw new IllegalStateException("journal resumes the protection of unknown guest " + r.getGuestId());
        }
        guests.put(r.getGuestId(), withState(g, GuestState.GUEST_STATE_PROTECTED, r.getHostId()));
        abandoned.remove(r.getGuestId());
        resumed.put(r.getGuestId(), r);
    }

    private void apply(BackupRequested r) {
        GuestBackups old = backups(r.getGuestId());
        backups.put(r.getGuestId(), new GuestBackups(r.getGuestId(), Optional.of(new PendingBackup(r.getCommandId(),
                r.getTargetHostId(), Timestamps.instant(r.getRequestedAt()), Timestamps.instant(r.getDeadline()),
                r.getCommand())), Math.max(old.sequence(), r.getSequence()), old.consecutiveFailures(),
                old.lastFailureAt(), old.lastFailure()));
    }

    private void apply(BackupFinished r) {
        GuestBackups old = backups(r.getGuestId());
        Optional<PendingBackup> pending = old.pending().filter(p -> !p.commandId().equals(r.getCommandId()));
        if (r.getSucceeded()) {
            backups.put(r.getGuestId(), new GuestBackups(r.getGuestId(), pending, old.sequence(), 0, Optional.empty(),
                    Optional.empty()));
        } else {
            backups.put(r.getGuestId(), new GuestBackups(r.getGuestId(), pending, old.sequence(),
                    r.getConsecutiveFailures(), Optional.of(Timestamps.instant(r.getAt())),
                    r.hasFailure() ? Optional.of(r.getFailure()) : Optional.empty()));
        }
    }

    private void apply(io.lifeboat.protocol.v1.FailbackProgress r) {
        failbacks.put(r.getOperationId(), r);
        GuestEntry g = guests.get(r.getGuestId());
        if (g != null && r.getGuestState() != GuestState.GUEST_STATE_UNSPECIFIED) {
            guests.put(r.getGuestId(), withState(g, r.getGuestState(), r.getOwnerHostId()));
        }
    }

    private void updateRecovery(String operationId, String guestId,
                                java.util.function.UnaryOperator<GuestRecovery> change) {
        FailoverOperation op = operations.get(operationId);
        if (op == null || !op.guests().containsKey(guestId)) {
            throw new IllegalStateException("journal names guest " + guestId + " of unknown failover " + operationId);
        }
        Map<String, GuestRecovery> recoveries = new LinkedHashMap<>(op.guests());
        recoveries.put(guestId, change.apply(recoveries.get(guestId)));
        operations.put(operationId, new FailoverOperation(op.operationId(), op.lostHostId(), op.declaredAt(),
                op.guestIds(), recoveries));
    }

    private static GuestEntry withState(GuestEntry g, GuestState state, String owner) {
        return new GuestEntry(g.spec(), g.primaryHostId(), g.standbyHostId(), g.plan(), state, owner);
    }

    /** The current epoch (0 before the first). */
    public long epoch() {
        return epoch;
    }

    /** Node id of the coordinator that started the current epoch. */
    public String epochNodeId() {
        return epochNodeId;
    }

    /** Journaled health of a host (UP when only its facts are known). */
    public Optional<HostHealth> hostHealth(String hostId) {
        return Optional.ofNullable(hostHealth.get(hostId));
    }

    /** Journaled health of every host, by host id. */
    public Map<String, HostHealth> hostHealth() {
        return java.util.Collections.unmodifiableMap(hostHealth);
    }

    /** Whether the journal says a LOST host's failover is armed. */
    public boolean hostFailoverArmed(String hostId) {
        return hostFailoverArmed.getOrDefault(hostId, false);
    }

    /** Latest facts of every host, by host id. */
    public Map<String, HostFacts> hostFacts() {
        return java.util.Collections.unmodifiableMap(hostFacts);
    }

    /** Latest facts of a host. */
    public Optional<HostFacts> hostFacts(String hostId) {
        return Optional.ofNullable(hostFacts.get(hostId));
    }

    /** A recovery plan by name. */
    public Optional<RecoveryPlanDefined> plan(String name) {
        return Optional.ofNullable(plans.get(name));
    }

    /** Every recovery plan, by name. */
    public Map<String, RecoveryPlanDefined> plans() {
        return java.util.Collections.unmodifiableMap(plans);
    }

    /** A protected guest by id. */
    public Optional<GuestEntry> guest(String guestId) {
        return Optional.ofNullable(guests.get(guestId));
    }

    /** Every protected guest, by id. */
    public Map<String, GuestEntry> guests() {
        return java.util.Collections.unmodifiableMap(guests);
    }

    /** A guest's restore points, oldest first. */
    public List<RestorePoint> points(String guestId) {
        return List.copyOf(points.getOrDefault(guestId, List.of()));
    }

    /** Every failover operation, in the order they started. */
    public List<FailoverOperation> operations() {
        return List.copyOf(operations.values());
    }

    /** The replication bookkeeping of a guest (empty bookkeeping when it never had a backup requested). */
    public GuestBackups backups(String guestId) {
        GuestBackups b = backups.get(guestId);
        return b == null ? GuestBackups.initial(guestId) : b;
    }

    /** The replication bookkeeping of every guest that ever had a backup requested, by guest id. */
    public Map<String, GuestBackups> backups() {
        return java.util.Collections.unmodifiableMap(backups);
    }

    /** Every failback operation's latest state, in the order they started. */
    public List<io.lifeboat.protocol.v1.FailbackProgress> failbacks() {
        return List.copyOf(failbacks.values());
    }

    /** The fences the coordinator asked for that have not ended, by command id, in the order they were asked. */
    public Map<String, io.lifeboat.protocol.v1.HostFenceRequested> pendingFences() {
        return java.util.Collections.unmodifiableMap(fences);
    }

    /**
     * The coordinator's fence that stopped a LOST host, since the host was declared LOST; empty when none succeeded
     * or the host changed state since.
     */
    public Optional<io.lifeboat.protocol.v1.HostFenceFinished> fencedWhileLost(String hostId) {
        return Optional.ofNullable(fencedLost.get(hostId));
    }

    /** Why a guest is AT_RISK after an abandoned failover; empty when its latest recovery was not abandoned. */
    public Optional<AbandonedRecovery> abandonedRecovery(String guestId) {
        return Optional.ofNullable(abandoned.get(guestId));
    }

    /** Whether any guest is AT_RISK after an abandoned failover. */
    public boolean anyAbandonedRecovery() {
        return !abandoned.isEmpty();
    }

    /** The audit events and drill records kept for history (bounded), which snapshots carry. */
    public RecentHistory history() {
        return history;
    }

    /** Number of failover operations ever started. */
    public int operationCount() {
        return operations.size();
    }

    /** The shortest list of records that rebuilds this state, for a journal snapshot. */
    public CoordinatorSnapshot toSnapshot() {
        CoordinatorSnapshot.Builder out = CoordinatorSnapshot.newBuilder();
        if (epoch > 0) {
            out.addRecords(JournalRecord.newBuilder().setEpochStarted(
                    EpochStarted.newBuilder().setEpoch(epoch).setNodeId(epochNodeId)));
        }
        hostFacts.values().forEach(f -> out.addRecords(JournalRecord.newBuilder()
                .setHostFactsRecorded(HostFactsRecorded.newBuilder().setFacts(f))));
        hostHealth.forEach((h, s) -> out.addRecords(JournalRecord.newBuilder().setHostStateChanged(
                HostStateChanged.newBuilder().setHostId(h).setTo(s).setFailoverArmed(hostFailoverArmed(h))
                        .setReason("snapshot"))));
        fencedLost.values().forEach(f -> out.addRecords(JournalRecord.newBuilder().setHostFenceFinished(f)));
        plans.values().forEach(p -> out.addRecords(JournalRecord.newBuilder().setRecoveryPlanDefined(p)));
        guests.values().forEach(g -> out.addRecords(JournalRecord.newBuilder().setGuestProtected(
                GuestProtected.newBuilder().setSpec(g.spec()).setPrimaryHostId(g.primaryHostId())
                        .setStandbyHostId(g.standbyHostId()).setPlan(g.plan()))));
        points.forEach((g, list) -> list.forEach(p -> out.addRecords(JournalRecord.newBuilder()
                .setRestorePointRecorded(RestorePointRecorded.newBuilder().setGuestId(g).setPointId(p.pointId())
                        .setStoreHostId(p.storeHostId()).setSnapshotTime(Timestamps.of(p.snapshotTime()))
                        .setVerified(p.verified())))));
        backups.values().forEach(b -> {
            if (b.consecutiveFailures() > 0) {
                BackupFinished.Builder f = BackupFinished.newBuilder().setGuestId(b.guestId()).setCommandId("snapshot")
                        .setConsecutiveFailures(b.consecutiveFailures());
                b.lastFailureAt().ifPresent(at -> f.setAt(Timestamps.of(at)));
                b.lastFailure().ifPresent(f::setFailure);
                out.addRecords(JournalRecord.newBuilder().setBackupFinished(f));
            }
            b.pending().ifPresent(p -> out.addRecords(JournalRecord.newBuilder().setBackupRequested(
                    BackupRequested.newBuilder().setGuestId(b.guestId()).setCommandId(p.commandId())
                            .setTargetHostId(p.targetHostId()).setRequestedAt(Timestamps.of(p.requestedAt()))
                            .setDeadline(Timestamps.of(p.deadline())).setCommand(p.command())
                            .setSequence(b.sequence()))));
        });
        for (FailoverOperation op : operations.values()) {
            out.addRecords(JournalRecord.newBuilder().setFailoverStarted(FailoverStarted.newBuilder()
                    .setOperationId(op.operationId()).setLostHostId(op.lostHostId())
                    .setDeclaredAt(Timestamps.of(op.declaredAt())).addAllGuestIds(op.guestIds())));
            for (GuestRecovery r : op.guests().values()) {
                RecoveryStepChanged.Builder step = RecoveryStepChanged.newBuilder().setOperationId(op.operationId())
                        .setGuestId(r.guestId()).setStep(r.step()).setStatus(r.status()).setAttempt(r.attempt())
                        .setPointId(r.pointId()).setDetail("snapshot");
                r.command().ifPresent(step::setCommand);
                r.deadline().ifPresent(d -> step.setDeadline(Timestamps.of(d)));
                r.registeredSpec().ifPresent(step::setRegisteredSpec);
                out.addRecords(JournalRecord.newBuilder().setRecoveryStepChanged(step));
                r.failedOverAt().ifPresent(at -> out.addRecords(JournalRecord.newBuilder().setGuestFailedOver(
                        GuestFailedOver.newBuilder().setOperationId(op.operationId()).setGuestId(r.guestId())
                                .setTargetHostId(guests.containsKey(r.guestId())
                                        ? guests.get(r.guestId()).ownerHostId() : "")
                                .setPointId(r.pointId()).setAt(Timestamps.of(at)))));
                r.abandonedAt().ifPresent(at -> out.addRecords(JournalRecord.newBuilder().setGuestRecoveryAbandoned(
                        GuestRecoveryAbandoned.newBuilder().setOperationId(op.operationId()).setGuestId(r.guestId())
                                .setAt(Timestamps.of(at)).setFailure(abandonmentFailure(op, r.guestId())))));
            }
        }
        // After the failovers, whose abandonment they end (a later failover of the guest would have dropped them).
        resumed.values().forEach(r -> out.addRecords(JournalRecord.newBuilder().setGuestProtectionResumed(r)));
        failbacks.values().forEach(f -> out.addRecords(JournalRecord.newBuilder().setFailbackProgress(f)));
        fences.values().forEach(f -> out.addRecords(JournalRecord.newBuilder().setHostFenceRequested(f)));
        out.addAllRecords(history.records());
        return out.build();
    }

    /** The failure an abandoned recovery recorded, rebuilt from its reason for a snapshot. */
    private io.lifeboat.protocol.v1.Failure abandonmentFailure(FailoverOperation op, String guestId) {
        AbandonedRecovery a = abandoned.get(guestId);
        String reason = a != null && a.operationId().equals(op.operationId()) ? a.reason() : "";
        // The reason starts "failover abandoned at STEP: "; apply() adds that prefix again from the replayed step.
        int colon = reason.indexOf(": ");
        return io.lifeboat.protocol.v1.Failure.newBuilder()
                .setErrorClass(io.lifeboat.protocol.v1.ErrorClass.ERROR_CLASS_PERMANENT).setCode("abandoned")
                .setMessage(colon < 0 ? reason : reason.substring(colon + 2)).build();
    }
}
