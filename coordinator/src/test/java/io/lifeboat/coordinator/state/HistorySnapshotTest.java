package io.lifeboat.coordinator.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lifeboat.coordinator.drill.DrillPlanner;
import io.lifeboat.coordinator.journal.Journal;
import io.lifeboat.protocol.v1.Audit;
import io.lifeboat.protocol.v1.AuditRecorded;
import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.CoordinatorSnapshot;
import io.lifeboat.protocol.v1.DrillBegun;
import io.lifeboat.protocol.v1.DrillBoot;
import io.lifeboat.protocol.v1.DrillCommandSent;
import io.lifeboat.protocol.v1.DrillEnded;
import io.lifeboat.protocol.v1.DrillGuestFinished;
import io.lifeboat.protocol.v1.DrillGuestResult;
import io.lifeboat.protocol.v1.DrillReport;
import io.lifeboat.protocol.v1.DrillStarted;
import io.lifeboat.protocol.v1.EpochStarted;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.JournalRecord;

/**
 * Drill reports and audit events are history: a journal snapshot (which truncates the log) keeps the latest ones and
 * a running drill, so that replaying snapshot + log rebuilds the same drill history, the same running drill and the
 * same audit trail as replaying every record ever written.
 */
class HistorySnapshotTest {

    @TempDir
    Path dir;

    @Test
    void aSnapshotThenReplayKeepsTheLatestDrillReportsTheRunningDrillAndTheAuditTrail() throws Exception {
        List<JournalRecord> written = new ArrayList<>();
        written.add(JournalRecord.newBuilder().setEpochStarted(EpochStarted.newBuilder().setEpoch(1).setNodeId("c1"))
                .build());
        int drills = RecentHistory.DRILLS_KEPT + 30;
        for (int i = 1; i <= drills; i++) {
            written.addAll(finishedDrill("d" + i, "office"));
            written.add(audit(i, "drill"));
        }
        for (int i = drills + 1; i <= RecentHistory.AUDITS_KEPT + 50; i++) {
            written.add(audit(i, "login"));
        }
        // A drill of the same plan still runs at the snapshot: its boot command is outstanding.
        JournalRecord running = begun("d-running", "office");
        JournalRecord boot = bootSent("d-running", "g-mail");
        written.add(running);
        written.add(boot);

        CoordinatorState state = new CoordinatorState();
        DrillPlanner everything = new DrillPlanner("c1");
        try (Journal journal = Journal.open(dir)) {
            journal.append(written.stream().map(JournalRecord::toByteArray).toList());
            written.forEach(state::apply);
            written.forEach(everything::apply);
            journal.snapshot(state.toSnapshot().toByteArray());
        }

        Journal reopened = Journal.open(dir);
        List<JournalRecord> replayed = new ArrayList<>(CoordinatorSnapshot.parseFrom(
                reopened.replay().snapshot().orElseThrow().state()).getRecordsList());
        for (byte[] bytes : reopened.replay().records()) {
            replayed.add(JournalRecord.parseFrom(bytes));
        }
        reopened.close();
        assertThat(reopened.replay().records()).as("the log was truncated by the snapshot").isEmpty();
        CoordinatorState rebuilt = new CoordinatorState();
        DrillPlanner drillsRebuilt = new DrillPlanner("c1");
        replayed.forEach(rebuilt::apply);
        replayed.forEach(drillsRebuilt::apply);

        assertThat(drillsRebuilt.reports()).hasSize(RecentHistory.DRILLS_KEPT)
                .isEqualTo(everything.reports());
        assertThat(drillsRebuilt.reports().get(0).getDrillId()).isEqualTo("d" + (drills - RecentHistory.DRILLS_KEPT
                + 1));
        assertThat(drillsRebuilt.reports().get(RecentHistory.DRILLS_KEPT - 1).getDrillId()).isEqualTo("d" + drills);
        assertThat(drillsRebuilt.guestDetails("d" + drills)).isEqualTo(everything.guestDetails("d" + drills))
                .hasSize(1);
        assertThat(drillsRebuilt.runningDrill("office")).contains("d-running");
        String bootId = boot.getDrillCommandSent().getCommand().getDrillBoot().getHeader().getCommandId();
        assertThat(drillsRebuilt.planOf(bootId)).contains("office");

        List<AuditRecorded> audits = rebuilt.history().audits();
        assertThat(audits).hasSize(RecentHistory.AUDITS_KEPT).isEqualTo(state.history().audits());
        assertThat(audits.get(audits.size() - 1).getAudit().getTarget()).isEqualTo("t" + (RecentHistory.AUDITS_KEPT
                + 50));
        // And a second snapshot of the rebuilt state is the same history again (it does not grow or drift).
        assertThat(rebuilt.toSnapshot()).isEqualTo(state.toSnapshot());
    }

    @Test
    void aClusterFollowerRebuildsTheHistoryFromTheLeadersSnapshotAndBatchesAndKeepsItInItsJournal() throws Exception {
        List<JournalRecord> leaderJournal = new ArrayList<>();
        leaderJournal.add(JournalRecord.newBuilder().setEpochStarted(EpochStarted.newBuilder().setEpoch(3)
                .setNodeId("c1")).build());
        for (int i = 1; i <= RecentHistory.DRILLS_KEPT + 5; i++) {
            leaderJournal.addAll(finishedDrill("d" + i, "office"));
        }
        leaderJournal.add(begun("d-running", "office"));
        leaderJournal.add(bootSent("d-running", "g-mail"));
        leaderJournal.add(audit(1, "restore"));
        CoordinatorState leader = new CoordinatorState();
        leaderJournal.forEach(leader::apply);

        Path followerDir = dir.resolve("follower");
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try {
            io.lifeboat.coordinator.cluster.JournalReplicator replicator =
                    new io.lifeboat.coordinator.cluster.JournalReplicator(vertx, "c1", "site", 0, 1_000);
            replicator.opened(leader, leaderJournal.size() + 1);
            join(replicator.start());
            io.lifeboat.coordinator.cluster.JournalFollower follower =
                    new io.lifeboat.coordinator.cluster.JournalFollower("c2", "site", followerDir);
            String deployment = join(vertx.deployVerticle(follower));
            // The follower catches up by the leader's snapshot (its position announcements), then gets a batch.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() ->
                    join(follower.stateCopy()).history().audits().size() == 1);
            JournalRecord later = audit(2, "login");
            join(replicator.appended(leaderJournal.size() + 1, List.of(later.toByteArray())));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() ->
                    join(follower.stateCopy()).history().audits().size() == 2);
            join(vertx.undeploy(deployment));
            join(replicator.close());
        } finally {
            join(vertx.close());
        }

        // The follower's own journal (snapshot + appended batch) is what it replays when it becomes the leader.
        List<JournalRecord> replayed = new ArrayList<>();
        try (Journal journal = Journal.open(followerDir)) {
            replayed.addAll(CoordinatorSnapshot.parseFrom(journal.replay().snapshot().orElseThrow().state())
                    .getRecordsList());
            for (byte[] bytes : journal.replay().records()) {
                replayed.add(JournalRecord.parseFrom(bytes));
            }
        }
        CoordinatorState rebuilt = new CoordinatorState();
        DrillPlanner drills = new DrillPlanner("c2");
        replayed.forEach(rebuilt::apply);
        replayed.forEach(drills::apply);
        assertThat(rebuilt.epoch()).isEqualTo(3);
        assertThat(drills.reports()).hasSize(RecentHistory.DRILLS_KEPT);
        assertThat(drills.reports().get(RecentHistory.DRILLS_KEPT - 1).getDrillId())
                .isEqualTo("d" + (RecentHistory.DRILLS_KEPT + 5));
        assertThat(drills.runningDrill("office")).contains("d-running");
        assertThat(rebuilt.history().audits()).extracting(a -> a.getAudit().getAction())
                .containsExactly("restore", "login");
    }

    private static <T> T join(io.vertx.core.Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    static List<JournalRecord> finishedDrill(String drillId, String plan) {
        DrillGuestResult result = DrillGuestResult.newBuilder().setGuestId("g-mail").setPointId("g-mail/p-" + drillId)
                .setBootVerified(true).build();
        return List.of(begun(drillId, plan), bootSent(drillId, "g-mail"),
                JournalRecord.newBuilder().setDrillGuestFinished(DrillGuestFinished.newBuilder().setDrillId(drillId)
                        .setResult(result).setDrillName("drill-mail-" + drillId).setHostId("hostB")).build(),
                JournalRecord.newBuilder().setDrillEnded(DrillEnded.newBuilder().setReport(DrillReport.newBuilder()
                        .setDrillId(drillId).setPlan(plan).setSuccess(true).addGuests(result))).build());
    }

    static JournalRecord begun(String drillId, String plan) {
        return JournalRecord.newBuilder().setDrillBegun(DrillBegun.newBuilder().setStarted(DrillStarted.newBuilder()
                .setDrillId(drillId).setPlan(plan).addGuestIds("g-mail").setStartedBy("alice"))).build();
    }

    static JournalRecord bootSent(String drillId, String guestId) {
        return JournalRecord.newBuilder().setDrillCommandSent(DrillCommandSent.newBuilder().setDrillId(drillId)
                .setGuestId(guestId).setHostId("hostB").setPointId(guestId + "/p-" + drillId)
                .setCommand(Envelope.newBuilder().setMessageId("boot-" + drillId).setDrillBoot(DrillBoot.newBuilder()
                        .setHeader(CommandHeader.newBuilder().setCommandId("boot-" + drillId))))).build();
    }

    static JournalRecord audit(int i, String action) {
        return JournalRecord.newBuilder().setAuditRecorded(AuditRecorded.newBuilder().setNodeId("c1")
                .setAudit(Audit.newBuilder().setUser("alice").setAction(action).setTarget("t" + i).setAllowed(i % 2 == 0)))
                .build();
    }
}
