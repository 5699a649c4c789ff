package io.lifeboat.coordinator.replication;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import io.lifeboat.coordinator.failover.Decision;
import io.lifeboat.coordinator.failover.OutboundCommand;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.GuestBackups;
import io.lifeboat.coordinator.state.GuestEntry;
import io.lifeboat.coordinator.state.PendingBackup;
import io.lifeboat.coordinator.state.RestorePoint;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.BackupFinished;
import io.lifeboat.protocol.v1.BackupGuest;
import io.lifeboat.protocol.v1.BackupRequested;
import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.Failure;
import io.lifeboat.protocol.v1.GuestState;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.ReplicationCommitted;
import io.lifeboat.protocol.v1.ReplicationFailed;
import io.lifeboat.protocol.v1.RestorePointRecorded;
import io.lifeboat.protocol.v1.StoreTarget;

/**
 * Decides when each protected guest's primary backs it up to its standby's store (DESIGN.md flow 2): at once when
 * the guest has no restore point, then whenever its newest point is older than its RPO; at most one backup in flight
 * per guest; after a failure, again after a backoff (30 s doubling, capped at the RPO); never while the guest is not
 * PROTECTED, its primary or standby is not ready, or its standby has no store.
 *
 * <p>Like the failover planner it reads the state and returns a {@link Decision}: records to journal first
 * ({@code BackupRequested} before the {@code BackupGuest} goes out, I4), then commands. An outstanding backup survives
 * a coordinator restart in the journal: its command is resent unchanged when the primary's link comes back
 * ({@link #resend}), and it counts as failed once its deadline passes.
 */
public final class ReplicationScheduler {

    /** Store id of the agent store the contract names ({@code store.id} in the agent YAML). */
    public static final String STORE_ID = "main";

    /**
     * Retry and timeout settings.
     *
     * @param firstRetry backoff after the first failure; doubled after each further one, capped at the RPO
     * @param timeout how long a backup may take before the coordinator counts it as failed
     */
    public record Settings(Duration firstRetry, Duration timeout) {

        /** 30 s first retry, 30 min timeout. */
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(30), Duration.ofMinutes(30));
        }
    }

    private final String nodeId;
    private final Settings settings;
    private Map<String, Duration> rpos = Map.of();
    private Map<String, String> stores = Map.of();

    /** Creates a scheduler for coordinator node {@code nodeId}. */
    public ReplicationScheduler(String nodeId, Settings settings) {
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /**
     * Sets the configuration it schedules by.
     *
     * @param rpos RPO by guest id (guests missing here get 900 s)
     * @param stores the address of each host's agent store ("ADDR:PORT"), by host id; hosts without one are missing
     */
    public void configure(Map<String, Duration> rpos, Map<String, String> stores) {
        this.rpos = Map.copyOf(rpos);
        // By host id, asked for every guest every second: a hash map (Map.copyOf probes linearly, slow on ids with
        // nearly consecutive hashes such as host0..host999).
        this.stores = java.util.Collections.unmodifiableMap(new java.util.HashMap<>(stores));
    }

    /** The RPO of a guest. */
    public Duration rpo(String guestId) {
        return rpos.getOrDefault(guestId, Duration.ofSeconds(900));
    }

    /** Whether {@code commandId} is the backup in flight of some guest. */
    public boolean owns(CoordinatorState state, String commandId) {
        return pendingFor(state, commandId).isPresent();
    }

    /** Times out overdue backups and requests every backup that is due at {@code now}. */
    public Decision tick(CoordinatorState state, HostReadiness hosts, Instant now) {
        List<JournalRecord> records = new ArrayList<>();
        List<OutboundCommand> commands = new ArrayList<>();
        // Each guest gets at most one record per tick and guests do not affect each other: no working copy needed.
        CoordinatorState work = state;
        // The few guests with a backup in flight, found once: no bookkeeping lookup per guest (10,000 a second at
        // scale) for the others.
        Set<String> inFlight = new HashSet<>();
        work.backups().values().forEach(b -> {
            if (b.pending().isPresent()) {
                inFlight.add(b.guestId());
            }
        });
        for (GuestEntry guest : work.guests().values()) {
            if (!inFlight.isEmpty() && inFlight.contains(guest.guestId())) {
                GuestBackups b = work.backups(guest.guestId());
                PendingBackup p = b.pending().get();
                if (guest.state() != GuestState.GUEST_STATE_PROTECTED) {
                    // Failing over: the old primary's backup is no longer wanted, and must not be resent to it.
                    records.add(JournalRecord.newBuilder().setBackupFinished(BackupFinished.newBuilder()
                            .setGuestId(guest.guestId()).setCommandId(p.commandId()).setSucceeded(false)
                            .setFailure(Failure.newBuilder().setErrorClass(ErrorClass.ERROR_CLASS_PERMANENT)
                                    .setCode("superseded").setMessage("backup " + p.commandId() + " of guest "
                                            + guest.guestId() + " dropped: the guest is "
                                            + guest.state().name().substring("GUEST_STATE_".length())))
                            .setAt(Timestamps.of(now)).setConsecutiveFailures(b.consecutiveFailures())).build());
                } else if (now.isAfter(p.deadline())) {
                    records.add(finished(b, p.commandId(), Failure.newBuilder()
                            .setErrorClass(ErrorClass.ERROR_CLASS_RETRIABLE).setCode("timed_out")
                            .setMessage("backup " + p.commandId() + " of guest " + guest.guestId() + " on host "
                                    + guest.primaryHostId() + " got no result by " + p.deadline()).build(), now));
                }
                continue;
            }
            if (guest.state() != GuestState.GUEST_STATE_PROTECTED || !stores.containsKey(guest.standbyHostId())
                    || blocked(work, hosts, guest).isPresent()) {
                // (The first two tests are blocked()'s own, made without building its reason: this runs for every
                // guest every second.)
                continue;
            }
            if (!now.isBefore(nextBackupAt(work, guest))) {
                request(work, guest, now, records, commands);
            }
        }
        return new Decision(records, commands);
    }

    /** Handles the result of a command; only results of a backup in flight change anything. */
    public Decision onResult(CoordinatorState state, CommandResult result, Instant now) {
        Optional<GuestBackups> owner = pendingFor(state, result.getCommandId());
        if (owner.isEmpty()) {
            return new Decision(List.of(), List.of());
        }
        GuestBackups b = owner.get();
        List<JournalRecord> records = new ArrayList<>();
        CoordinatorState work = state.copy();
        if (result.getOutcome() == CommandOutcome.COMMAND_OUTCOME_SUCCEEDED) {
            String pointId = result.hasBackup() ? result.getBackup().getPointId() : "";
            String target = b.pending().get().targetHostId();
            if (!pointId.isEmpty() && work.points(b.guestId()).stream().noneMatch(p -> p.pointId().equals(pointId))) {
                // The ReplicationCommitted event may be lost or still on its way: the result says the same.
                emit(work, records, JournalRecord.newBuilder().setRestorePointRecorded(RestorePointRecorded
                        .newBuilder().setGuestId(b.guestId()).setPointId(pointId).setStoreHostId(target)
                        .setSnapshotTime(result.getBackup().getSnapshotTime()).setVerified(true)).build());
            }
            emit(work, records, JournalRecord.newBuilder().setBackupFinished(BackupFinished.newBuilder()
                    .setGuestId(b.guestId()).setCommandId(result.getCommandId()).setSucceeded(true)
                    .setPointId(pointId).setAt(Timestamps.of(now))).build());
        } else if (result.hasFailure() && result.getFailure().getCode().equals("backup_in_progress")) {
            // A resend found the original still running on the agent: its own result will follow.
            return new Decision(List.of(), List.of());
        } else {
            Failure failure = result.hasFailure() ? result.getFailure() : Failure.newBuilder()
                    .setErrorClass(ErrorClass.ERROR_CLASS_PERMANENT)
                    .setCode("command_" + result.getOutcome().name().toLowerCase(java.util.Locale.ROOT))
                    .setMessage("backup " + result.getCommandId() + " ended " + result.getOutcome()).build();
            emit(work, records, finished(b, result.getCommandId(), failure, now));
        }
        return new Decision(records, List.of());
    }

    /** A primary announced a committed point (the core records the point); ends the matching backup in flight. */
    public Decision onCommitted(CoordinatorState state, ReplicationCommitted committed, Instant now) {
        return pendingFor(state, committed.getCycleId()).map(b -> new Decision(List.of(JournalRecord.newBuilder()
                .setBackupFinished(BackupFinished.newBuilder().setGuestId(b.guestId())
                        .setCommandId(committed.getCycleId()).setSucceeded(true).setPointId(committed.getPointId())
                        .setAt(Timestamps.of(now))).build()), List.<OutboundCommand>of()))
                .orElse(new Decision(List.of(), List.of()));
    }

    /** A primary announced a failed cycle; ends the matching backup in flight as failed. */
    public Decision onFailed(CoordinatorState state, ReplicationFailed failed, Instant now) {
        return pendingFor(state, failed.getCycleId()).map(b -> new Decision(List.of(finished(b, failed.getCycleId(),
                failed.hasFailure() ? failed.getFailure() : Failure.newBuilder()
                        .setErrorClass(ErrorClass.ERROR_CLASS_RETRIABLE).setCode("replication_failed")
                        .setMessage("backup " + failed.getCycleId() + " failed at " + failed.getStage()).build(),
                now)), List.<OutboundCommand>of())).orElse(new Decision(List.of(), List.of()));
    }

    /** The backups in flight whose primary is {@code hostId}, at the current epoch (same command ids). */
    public List<OutboundCommand> resend(CoordinatorState state, String hostId) {
        List<OutboundCommand> out = new ArrayList<>();
        for (GuestEntry guest : state.guests().values()) {
            if (!guest.primaryHostId().equals(hostId) || guest.state() != GuestState.GUEST_STATE_PROTECTED) {
                continue;
            }
            state.backups(guest.guestId()).pending().ifPresent(p -> {
                BackupGuest cmd = p.command().getBackupGuest();
                BackupGuest moved = cmd.toBuilder().setHeader(cmd.getHeader().toBuilder().setEpoch(state.epoch()))
                        .build();
                out.add(new OutboundCommand(hostId, envelope(state.epoch(), moved)));
            });
        }
        return out;
    }

    /** Where a guest's replication stands at {@code now}. */
    public ReplicationStatus status(CoordinatorState state, HostReadiness hosts, String guestId, Instant now) {
        GuestEntry guest = state.guest(guestId).orElseThrow(() -> new IllegalArgumentException(
                "guest " + guestId + " is not protected"));
        GuestBackups b = state.backups(guestId);
        Optional<String> blocked = blocked(state, hosts, guest);
        return new ReplicationStatus(guestId, rpo(guestId), newestPoint(state, guest),
                b.pending().map(PendingBackup::commandId),
                b.pending().isPresent() ? Optional.empty() : Optional.of(nextBackupAt(state, guest)), blocked,
                b.consecutiveFailures(), b.lastFailure().map(Failure::getMessage));
    }

    private Optional<String> blocked(CoordinatorState state, HostReadiness hosts, GuestEntry guest) {
        if (guest.state() != GuestState.GUEST_STATE_PROTECTED) {
            return Optional.of("guest is " + guest.state().name().substring("GUEST_STATE_".length()));
        }
        if (!stores.containsKey(guest.standbyHostId())) {
            return Optional.of("standby " + guest.standbyHostId() + " has no store configured (hosts[].store)");
        }
        Optional<String> primary = hosts.whyNotReady(guest.primaryHostId());
        if (primary.isPresent()) {
            return Optional.of("primary " + primary.get());
        }
        return hosts.whyNotReady(guest.standbyHostId()).map(why -> "standby " + why);
    }

    private Instant nextBackupAt(CoordinatorState state, GuestEntry guest) {
        Duration rpo = rpo(guest.guestId());
        Instant due = newestPoint(state, guest).map(p -> p.snapshotTime().plus(rpo)).orElse(Instant.MIN);
        GuestBackups b = state.backups(guest.guestId());
        if (b.consecutiveFailures() > 0 && b.lastFailureAt().isPresent()) {
            Duration backoff = settings.firstRetry().multipliedBy(1L << Math.min(20, b.consecutiveFailures() - 1));
            Instant retry = b.lastFailureAt().get().plus(backoff.compareTo(rpo) > 0 ? rpo : backoff);
            if (retry.isAfter(due)) {
                due = retry;
            }
        }
        return due;
    }

    private static Optional<RestorePoint> newestPoint(CoordinatorState state, GuestEntry guest) {
        return state.points(guest.guestId()).stream()
                .filter(p -> p.verified() && p.storeHostId().equals(guest.standbyHostId()))
                .max(Comparator.comparing(RestorePoint::snapshotTime));
    }

    private void request(CoordinatorState work, GuestEntry guest, Instant now, List<JournalRecord> records,
                         List<OutboundCommand> commands) {
        long sequence = work.backups(guest.guestId()).sequence() + 1;
        String commandId = UUID.nameUUIDFromBytes(("backup/" + guest.guestId() + "/" + work.epoch() + "/" + sequence)
                .getBytes(StandardCharsets.UTF_8)).toString();
        BackupGuest cmd = BackupGuest.newBuilder()
                .setHeader(CommandHeader.newBuilder().setCommandId(commandId).setEpoch(work.epoch())
                        .setTimeout(Timestamps.of(settings.timeout())))
                .setGuestId(guest.guestId())
                .setTarget(StoreTarget.newBuilder().setHostId(guest.standbyHostId())
                        .setAddress(stores.get(guest.standbyHostId())).setStoreId(STORE_ID))
                .build();
        Envelope envelope = envelope(work.epoch(), cmd);
        records.add(JournalRecord.newBuilder().setBackupRequested(BackupRequested.newBuilder()
                .setGuestId(guest.guestId()).setCommandId(commandId).setTargetHostId(guest.standbyHostId())
                .setRequestedAt(Timestamps.of(now)).setDeadline(Timestamps.of(now.plus(settings.timeout())))
                .setCommand(envelope).setSequence(sequence)).build());
        commands.add(new OutboundCommand(guest.primaryHostId(), envelope));
    }

    private Envelope envelope(long epoch, BackupGuest cmd) {
        String commandId = cmd.getHeader().getCommandId();
        return Envelope.newBuilder().setSender(nodeId).setEpoch(epoch).setMessageId(UUID.nameUUIDFromBytes(
                (commandId + "@" + epoch).getBytes(StandardCharsets.UTF_8)).toString()).setBackupGuest(cmd).build();
    }

    private static JournalRecord finished(GuestBackups b, String commandId, Failure failure, Instant now) {
        return JournalRecord.newBuilder().setBackupFinished(BackupFinished.newBuilder().setGuestId(b.guestId())
                .setCommandId(commandId).setSucceeded(false).setFailure(failure).setAt(Timestamps.of(now))
                .setConsecutiveFailures(b.consecutiveFailures() + 1)).build();
    }

    private static void emit(CoordinatorState work, List<JournalRecord> records, JournalRecord record) {
        work.apply(record);
        records.add(record);
    }

    private static Optional<GuestBackups> pendingFor(CoordinatorState state, String commandId) {
        if (commandId.isEmpty()) {
            return Optional.empty();
        }
        return state.guests().keySet().stream().map(state::backups)
                .filter(b -> b.pending().map(p -> p.commandId().equals(commandId)).orElse(false)).findFirst();
    }
}
