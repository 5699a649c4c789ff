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
