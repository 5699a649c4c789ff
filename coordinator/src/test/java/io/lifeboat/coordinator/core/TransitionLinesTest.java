package io.lifeboat.coordinator.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.Audit;
import io.lifeboat.protocol.v1.AuditRecorded;
import io.lifeboat.protocol.v1.BackupFinished;
import io.lifeboat.protocol.v1.DrillGuestFinished;
import io.lifeboat.protocol.v1.DrillGuestResult;
import io.lifeboat.protocol.v1.FailbackPhase;
import io.lifeboat.protocol.v1.FailbackProgress;
import io.lifeboat.protocol.v1.Failure;
import io.lifeboat.protocol.v1.GuestFailedOver;
import io.lifeboat.protocol.v1.GuestProtected;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.HostHealth;
import io.lifeboat.protocol.v1.HostStateChanged;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.StepStatus;

class TransitionLinesTest {

    private final CoordinatorState state = new CoordinatorState();

    @Test
    void eachTransitionIsOneLineNamingTheHostOrGuestAndWhy() {
        JournalRecord suspected = JournalRecord.newBuilder().setHostStateChanged(HostStateChanged.newBuilder()
                .setHostId("hostA").setFrom(HostHealth.HOST_HEALTH_UP).setTo(HostHealth.HOST_HEALTH_SUSPECTED)
                .setSilence(Timestamps.of(Duration.ofMillis(3040)))).build();
        assertThat(TransitionLines.of(suspected, state))
                .isEqualTo(new TransitionLines.Line(true, "host hostA SUSPECTED after 3.0 s silence"));

        JournalRecord lost = JournalRecord.newBuilder().setHostStateChanged(HostStateChanged.newBuilder()
                .setHostId("hostA").setFrom(HostHealth.HOST_HEALTH_SUSPECTED).setTo(HostHealth.HOST_HEALTH_LOST)
                .setFailoverArmed(true).addAgreeingVoterIds("c1").addAgreeingVoterIds("hostB")
                .setReason("probe reached neither").setSilence(Timestamps.of(Duration.ofMillis(8100)))).build();
        assertThat(TransitionLines.of(lost, state).text()).isEqualTo("host hostA LOST after 8.1 s silence, voters "
                + "[c1, hostB] agree; failover armed (probe reached neither)");

        state.apply(JournalRecord.newBuilder().setGuestProtected(GuestProtected.newBuilder()
                .setSpec(GuestSpec.newBuilder().setGuestId("g1").setName("mail")).setPrimaryHostId("hostA")
                .setStandbyHostId("hostB").setPlan("office")).build());
        JournalRecord failed = JournalRecord.newBuilder().setBackupFinished(BackupFinished.newBuilder()
                .setGuestId("g1").setCommandId("c-9").setConsecutiveFailures(2).setFailure(Failure.newBuilder()
                        .setCode("replication_failed").setMessage("store 10.0.0.3:7402 refused"))).build();
        assertThat(TransitionLines.of(failed, state)).isEqualTo(new TransitionLines.Line(true,
                "guest mail (g1) backup c-9 failed (2 in a row): replication_failed: store 10.0.0.3:7402 refused"));

        JournalRecord over = JournalRecord.newBuilder().setGuestFailedOver(GuestFailedOver.newBuilder()
                .setGuestId("g1").setTargetHostId("hostB").setPointId("g1/20261130T100000Z")
                .setRpo(Timestamps.of(Duration.ofSeconds(42))).setRto(Timestamps.of(Duration.ofMillis(12500))))
                .build();
        assertThat(TransitionLines.of(over, state).text())
                .isEqualTo("guest mail (g1) FAILED_OVER on hostB from g1/20261130T100000Z: RPO 42.0 s, RTO 12.5 s");

        JournalRecord restore = JournalRecord.newBuilder().setFailoverStarted(io.lifeboat.protocol.v1.FailoverStarted
                .newBuilder().setOperationId("failover-2-hostA").setLostHostId("hostA").addGuestIds("g1")
                .setRestorePointId("g1/20261129T100000Z")).build();
        assertThat(TransitionLines.of(restore, state).text()).isEqualTo("restore failover-2-hostA of guest mail (g1) "
                + "from point g1/20261129T100000Z onto its standby started (owner hostA)");
    }

    @Test
    void failbacksDrillsAndAuditsHaveTheirOwnLinesNotTheRecordName() {
        state.apply(JournalRecord.newBuilder().setGuestProtected(GuestProtected.newBuilder()
                .setSpec(GuestSpec.newBuilder().setGuestId("g1").setName("mail")).setPrimaryHostId("hostA")
                .setStandbyHostId("hostB").setPlan("office")).build());
        JournalRecord done = JournalRecord.newBuilder().setFailbackProgress(FailbackProgress.newBuilder()
                .setOperationId("failback-1").setGuestId("g1").setPrimaryHostId("hostA").setStandbyHostId("hostB")
                .setPhase(FailbackPhase.FAILBACK_PHASE_DONE).setStatus(StepStatus.STEP_STATUS_COMPLETED).setAttempt(1)
                .setKeptPointId("g1/20261130T090000Z").setDowntime(Timestamps.of(Duration.ofMillis(8200)))).build();
        assertThat(TransitionLines.of(done, state)).isEqualTo(new TransitionLines.Line(false, "guest mail (g1) "
                + "failback failback-1 (hostB -> hostA): DONE COMPLETED (attempt 1), primary's own state kept as "
                + "g1/20261130T090000Z, downtime 8.2 s"));

        JournalRecord failedDrill = JournalRecord.newBuilder().setDrillGuestFinished(DrillGuestFinished.newBuilder()
                .setDrillId("drill-7").setResult(DrillGuestResult.newBuilder().setGuestId("g1").setFailure(Failure
                        .newBuilder().setCode("point_unusable").setMessage("chunk 3f2a marked bad by a scrub"))))
                .build();
        assertThat(TransitionLines.of(failedDrill, state)).isEqualTo(new TransitionLines.Line(true, "drill drill-7: "
                + "guest mail (g1) FAILED: point_unusable: chunk 3f2a marked bad by a scrub"));

        JournalRecord audit = JournalRecord.newBuilder().setAuditRecorded(AuditRecorded.newBuilder().setAudit(Audit
                .newBuilder().setUser("alice").setAction("failover").setTarget("g1").setAllowed(false)
                .setDetail("primary hostA may still run it"))).build();
        assertThat(TransitionLines.of(audit, state).text()).isEqualTo("audit: user=alice action=failover target=g1 "
                + "allowed=false (primary hostA may still run it)");
    }
}
