package io.lifeboat.coordinator.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.lifeboat.coordinator.failover.Decision;
import io.lifeboat.coordinator.failover.OutboundCommand;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.BackupGuest;
import io.lifeboat.protocol.v1.BackupResult;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.EpochStarted;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.FailoverStarted;
import io.lifeboat.protocol.v1.Failure;
import io.lifeboat.protocol.v1.GuestProtected;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.ReplicationCommitted;
import io.lifeboat.protocol.v1.ReplicationFailed;

/** The scheduler on a fake clock: when backups go out, at most one per guest, retries, and what blocks them. */
class ReplicationSchedulerTest {

    private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");
    private static final String MAIL = "7f1c8d2e-0000-4000-8000-000000000001";
    private static final Duration RPO = Duration.ofSeconds(600);

    private final List<JournalRecord> journal = new java.util.ArrayList<>();
    private final Map<String, String> notReady = new HashMap<>();
    private final HostReadiness hosts = h -> Optional.ofNullable(notReady.get(h));
    private CoordinatorState state;
    private ReplicationScheduler scheduler;

    @BeforeEach
    void setUp() {
        state = new CoordinatorState();
        record(JournalRecord.newBuilder().setEpochStarted(EpochStarted.newBuilder().setEpoch(1).setNodeId("c1"))
                .build());
        record(JournalRecord.newBuilder().setGuestProtected(GuestProtected.newBuilder()
                .setSpec(GuestSpec.newBuilder().setGuestId(MAIL).setName("mail")).setPrimaryHostId("hostA")
                .setStandbyHostId("hostB").setPlan("office")).build());
        scheduler = newScheduler();
    }

    private static ReplicationScheduler newScheduler() {
        ReplicationScheduler s = new ReplicationScheduler("c1", ReplicationScheduler.Settings.defaults());
        s.configure(Map.of(MAIL, RPO), Map.of("hostA", "10.0.0.2:7402", "hostB", "10.0.0.3:7402"));
        return s;
    }

    private void record(JournalRecord r) {
        state.apply(r);
        journal.add(r);
    }

    /** Journals the decision's records (as the verticle does before sending) and returns its commands. */
    private List<OutboundCommand> take(Decision d) {
        d.records().forEach(this::record);
        return d.commands();
    }

    private List<OutboundCommand> tick(Instant at) {
        return take(scheduler.tick(state, hosts, at));
    }

    private void commit(BackupGuest cmd, Instant snapshot, Instant at) {
        String pointId = MAIL + "/" + snapshot.getEpochSecond();
        take(scheduler.onResult(state, CommandResult.newBuilder().setCommandId(cmd.getHeader().getCommandId())
                .setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED).setBackup(BackupResult.newBuilder()
                        .setPointId(pointId).setSnapshotTime(Timestamps.of(snapshot))).build(), at));
    }

    @Test
    void firstBackupAtOnceToTheStandbysStoreThenNoneWhileInFlightThenTheNextAtTheRpo() {
        List<OutboundCommand> first = tick(T0);
        assertThat(first).singleElement().satisfies(c -> {
            assertThat(c.hostId()).isEqualTo("hostA");
            BackupGuest b = c.envelope().getBackupGuest();
            assertThat(b.getGuestId()).isEqualTo(MAIL);
            assertThat(b.getTarget().getHostId()).isEqualTo("hostB");
            assertThat(b.getTarget().getAddress()).isEqualTo("10.0.0.3:7402");
            assertThat(b.getTarget().getStoreId()).isEqualTo("main");
            assertThat(b.getHeader().getEpoch()).isEqualTo(1);
            assertThat(c.envelope().getEpoch()).isEqualTo(1);
        });
        assertThat(journal).last().satisfies(r -> {
            assertThat(r.getBackupRequested().getCommandId())
                    .isEqualTo(first.get(0).envelope().getBackupGuest().getHeader().getCommandId());
            assertThat(r.getBackupRequested().getCommand()).isEqualTo(first.get(0).envelope());
        });

        for (int s = 1; s < 300; s += 7) {
            assertThat(tick(T0.plusSeconds(s))).as("in flight at %d s", s).isEmpty();
        }
        BackupGuest cmd = first.get(0).envelope().getBackupGuest();
        commit(cmd, T0.plusSeconds(1), T0.plusSeconds(40));
        assertThat(state.points(MAIL)).singleElement().satisfies(p -> {
            assertThat(p.storeHostId()).isEqualTo("hostB");
            assertThat(p.verified()).isTrue();
        });
        ReplicationStatus status = scheduler.status(state, hosts, MAIL, T0.plusSeconds(40));
        assertThat(status.inFlightCommandId()).isEmpty();
        assertThat(status.nextBackupAt()).contains(T0.plusSeconds(601));
        assertThat(status.atRisk(T0.plusSeconds(40))).isFalse();

        assertThat(tick(T0.plusSeconds(600))).as("point is younger than the RPO").isEmpty();
        List<OutboundCommand> second = tick(T0.plusSeconds(601));
        assertThat(second).singleElement().satisfies(c -> assertThat(c.envelope().getBackupGuest().getHeader()
                .getCommandId()).isNotEqualTo(cmd.getHeader().getCommandId()));
    }

    @Test
    void aFailureIsRetriedAfterABackoffThatDoublesAndIsCappedAtTheRpo() {
        Instant at = T0;
        List<Long> gaps = new java.util.ArrayList<>();
        Instant failedAt = null;
        for (int attempt = 0; attempt < 7; attempt++) {
            List<OutboundCommand> sent = List.of();
            while (sent.isEmpty()) {
                sent = tick(at);
                if (sent.isEmpty()) {
                    at = at.plusSeconds(1);
                }
            }
            if (failedAt != null) {
                gaps.add(Duration.between(failedAt, at).toSeconds());
            }
            String id = sent.get(0).envelope().getBackupGuest().getHeader().getCommandId();
            at = at.plusSeconds(5);
            take(scheduler.onResult(state, CommandResult.newBuilder().setCommandId(id)
                    .setOutcome(CommandOutcome.COMMAND_OUTCOME_FAILED).setFailure(Failure.newBuilder()
                            .setErrorClass(ErrorClass.ERROR_CLASS_RETRIABLE).setCode("replication_failed")
                            .setMessage("store at 10.0.0.3:7402 refused the connection")).build(), at));
            failedAt = at;
        }
        assertThat(gaps).containsExactly(30L, 60L, 120L, 240L, 480L, 600L);
        ReplicationStatus status = scheduler.status(state, hosts, MAIL, at);
        assertThat(status.consecutiveFailures()).isEqualTo(7);
        assertThat(status.lastFailure()).contains("store at 10.0.0.3:7402 refused the connection");
        assertThat(status.atRisk(at)).isTrue();
    }

    @Test
    void aReplicationFailedEventEndsTheBackupAndACommittedEventRecordsTheSuccess() {
        BackupGuest cmd = tick(T0).get(0).envelope().getBackupGuest();
        take(scheduler.onFailed(state, ReplicationFailed.newBuilder().setGuestId(MAIL)
                .setCycleId(cmd.getHeader().getCommandId()).setStage("send").build(), T0.plusSeconds(3)));
        assertThat(state.backups(MAIL).pending()).isEmpty();
        assertThat(tick(T0.plusSeconds(32))).as("30 s backoff").isEmpty();
        BackupGuest retry = tick(T0.plusSeconds(33)).get(0).envelope().getBackupGuest();
        take(scheduler.onCommitted(state, ReplicationCommitted.newBuilder().setGuestId(MAIL)
                .setCycleId(retry.getHeader().getCommandId()).setPointId(MAIL + "/x").build(), T0.plusSeconds(40)));
        assertThat(state.backups(MAIL).pending()).isEmpty();
        assertThat(state.backups(MAIL).consecutiveFailures()).isZero();
        // The agent's CommandResult arriving after the event changes nothing.
        assertThat(scheduler.owns(state, retry.getHeader().getCommandId())).isFalse();
    }

    @Test
    void nothingIsScheduledWhileThePrimaryIsSuspectedOrLostAndStatusSaysWhy() {
        notReady.put("hostA", "host hostA is SUSPECTED");
        assertThat(tick(T0)).isEmpty();
        assertThat(scheduler.status(state, hosts, MAIL, T0).blockedReason())
                .contains("primary host hostA is SUSPECTED");
        notReady.put("hostA", "host hostA is LOST");
        assertThat(tick(T0.plusSeconds(10))).isEmpty();
        notReady.remove("hostA");
        notReady.put("hostB", "host hostB is LOST");
        assertThat(tick(T0.plusSeconds(20))).isEmpty();
        assertThat(scheduler.status(state, hosts, MAIL, T0).blockedReason()).contains("standby host hostB is LOST");
        notReady.clear();
        assertThat(tick(T0.plusSeconds(30))).hasSize(1);
    }

    @Test
    void nothingIsScheduledForAGuestBeingFailedOverOrWithoutAStandbyStoreAndItsBackupInFlightIsDropped() {
        ReplicationScheduler noStore = new ReplicationScheduler("c1", ReplicationScheduler.Settings.defaults());
        noStore.configure(Map.of(MAIL, RPO), Map.of("hostA", "10.0.0.2:7402"));
        assertThat(noStore.tick(state, hosts, T0).isEmpty()).isTrue();
        assertThat(noStore.status(state, hosts, MAIL, T0).blockedReason())
                .contains("standby hostB has no store configured (hosts[].store)");

        String inFlight = tick(T0).get(0).envelope().getBackupGuest().getHeader().getCommandId();
        record(JournalRecord.newBuilder().setFailoverStarted(FailoverStarted.newBuilder().setOperationId("op-1")
                .setLostHostId("hostA").setDeclaredAt(Timestamps.of(T0)).addGuestIds(MAIL)).build());
        assertThat(scheduler.resend(state, "hostA")).as("never resent to the host it fails over from").isEmpty();
        assertThat(tick(T0.plusSeconds(1))).isEmpty();
        assertThat(journal).last().satisfies(r -> {
            assertThat(r.getBackupFinished().getCommandId()).isEqualTo(inFlight);
            assertThat(r.getBackupFinished().getFailure().getCode()).isEqualTo("superseded");
        });
        assertThat(state.backups(MAIL).pending()).isEmpty();
        assertThat(tick(T0.plusSeconds(1000))).isEmpty();
        assertThat(scheduler.status(state, hosts, MAIL, T0).blockedReason()).contains("guest is FAILING_OVER");
    }

    @Test
    void aBackupInFlightSurvivesARestartIsResentUnchangedWhenThePrimaryLinksAndTimesOutAtItsDeadline() {
        BackupGuest cmd = tick(T0).get(0).envelope().getBackupGuest();

        // Restart: replay the journal into a fresh state, a new epoch begins, a fresh scheduler.
        state = new CoordinatorState();
        List<JournalRecord> replay = List.copyOf(journal);
        replay.forEach(state::apply);
        record(JournalRecord.newBuilder().setEpochStarted(EpochStarted.newBuilder().setEpoch(2).setNodeId("c1"))
                .build());
        scheduler = newScheduler();
        assertThat(scheduler.owns(state, cmd.getHeader().getCommandId())).isTrue();
        assertThat(tick(T0.plusSeconds(60))).as("still in flight after the restart").isEmpty();
        assertThat(scheduler.resend(state, "hostB")).isEmpty();
        assertThat(scheduler.resend(state, "hostA")).singleElement().satisfies(c -> {
            assertThat(c.envelope().getBackupGuest().getHeader().getCommandId())
                    .isEqualTo(cmd.getHeader().getCommandId());
            assertThat(c.envelope().getBackupGuest().getHeader().getEpoch()).isEqualTo(2);
            assertThat(c.envelope().getEpoch()).isEqualTo(2);
            assertThat(c.envelope().getBackupGuest().getTarget()).isEqualTo(cmd.getTarget());
        });
        // A resend that finds the original still running does not end it.
        take(scheduler.onResult(state, CommandResult.newBuilder().setCommandId(cmd.getHeader().getCommandId())
                .setOutcome(CommandOutcome.COMMAND_OUTCOME_FAILED).setFailure(Failure.newBuilder()
                        .setErrorClass(ErrorClass.ERROR_CLASS_RETRIABLE).setCode("backup_in_progress")).build(),
                T0.plusSeconds(61)));
        assertThat(state.backups(MAIL).pending()).isPresent();

        // Also from a journal snapshot.
        CoordinatorState fromSnapshot = new CoordinatorState();
        state.toSnapshot().getRecordsList().forEach(fromSnapshot::apply);
        assertThat(fromSnapshot.backups(MAIL)).isEqualTo(state.backups(MAIL));

        Instant deadline = T0.plus(ReplicationScheduler.Settings.defaults().timeout());
        assertThat(tick(deadline)).isEmpty();
        assertThat(state.backups(MAIL).pending()).isPresent();
        assertThat(tick(deadline.plusSeconds(1))).isEmpty();
        assertThat(journal).last().satisfies(r -> {
            assertThat(r.getBackupFinished().getSucceeded()).isFalse();
            assertThat(r.getBackupFinished().getFailure().getCode()).isEqualTo("timed_out");
        });
        List<OutboundCommand> retry = tick(deadline.plusSeconds(31));
        assertThat(retry).singleElement().satisfies(c -> assertThat(c.envelope().getBackupGuest().getHeader()
                .getCommandId()).isNotEqualTo(cmd.getHeader().getCommandId()));
    }
}
