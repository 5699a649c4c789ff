package io.lifeboat.coordinator.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.lifeboat.coordinator.compat.CompatibilityEngine;
import io.lifeboat.coordinator.core.CoordinatorCore;
import io.lifeboat.coordinator.core.CoreOutput;
import io.lifeboat.coordinator.failover.FailoverPlanner;
import io.lifeboat.coordinator.health.LeaseTimers;
import io.lifeboat.coordinator.health.VoterPlacement;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.DrillBootResult;
import io.lifeboat.protocol.v1.DrillTeardownResult;
import io.lifeboat.protocol.v1.EpochStarted;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.GuestProtected;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.PlanEntry;
import io.lifeboat.protocol.v1.RecoveryPlanDefined;
import io.lifeboat.protocol.v1.RestorePointRecorded;

/** The core runs a drill: DrillBoot to the standby, results routed back, DrillTeardown, the report journaled. */
class CoreDrillTest {

    private static final Instant T0 = Instant.parse("2026-12-06T03:00:00Z");
    private static final String MAIL = "7f1c8d2e-0000-4000-8000-000000000001";

    @Test
    void aDrillStartedOnTheCoreBootsOnTheStandbyAndEndsWithAReport() {
        CoordinatorState state = new CoordinatorState();
        RecoveryPlanDefined plan = RecoveryPlanDefined.newBuilder().setName("office").setTargetHostId("hostB")
                .addEntries(PlanEntry.newBuilder().setGuestId(MAIL)).build();
        state.apply(JournalRecord.newBuilder().setEpochStarted(EpochStarted.newBuilder().setEpoch(1).setNodeId("c1"))
                .build());
        state.apply(JournalRecord.newBuilder().setRecoveryPlanDefined(plan).build());
        state.apply(JournalRecord.newBuilder().setGuestProtected(GuestProtected.newBuilder()
                .setSpec(GuestSpec.newBuilder().setGuestId(MAIL).setName("mail")).setPrimaryHostId("hostA")
                .setStandbyHostId("hostB").setPlan("office")).build());
        state.apply(JournalRecord.newBuilder().setRestorePointRecorded(RestorePointRecorded.newBuilder()
                .setGuestId(MAIL).setPointId(MAIL + "/20261206T024500Z").setStoreHostId("hostB")
                .setSnapshotTime(Timestamps.of(Instant.parse("2026-12-06T02:45:00Z"))).setVerified(true)).build());
        CoordinatorCore core = new CoordinatorCore("c1", LeaseTimers.defaults(),
                new VoterPlacement(Map.of("hostA", "boxA", "hostB", "boxB", "c1", "nas")), Set.of("hostA", "hostB"),
                new FailoverPlanner("c1", new CompatibilityEngine(), FailoverPlanner.Settings.defaults()), state, 0);

        CoreOutput started = core.startDrill("office", "alice", "d41d8cd9-0000", T0);
        assertThat(started.records().get(0).getDrillBegun().getStarted().getStartedBy()).isEqualTo("alice");
        assertThat(started.commands()).hasSize(1);
        assertThat(started.commands().get(0).hostId()).isEqualTo("hostB");
        Envelope boot = started.commands().get(0).envelope();
        assertThat(boot.getDrillBoot().getPointId()).isEqualTo(MAIL + "/20261206T024500Z");
        assertThat(boot.getDrillBoot().getDrillName()).isEqualTo("drill-mail-d41d8cd9");
        assertThatThrownBy(() -> core.startDrill("office", "alice", "another", T0))
                .isInstanceOf(DrillConflictException.class);
        assertThatThrownBy(() -> core.startDrill("nope", "alice", "another", T0))
                .hasMessage("plan 'nope' is not a recovery plan of this coordinator");
        assertThat(core.linkUp("hostB").commands()).extracting(c -> c.envelope().getDrillBoot().getDrillName())
                .containsExactly("drill-mail-d41d8cd9");

        CoreOutput tornDown = core.onEnvelope("hostB", result(CommandResult.newBuilder()
                .setCommandId(boot.getDrillBoot().getHeader().getCommandId())
                .setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED).setDrillBoot(DrillBootResult.newBuilder()
                        .setPassed(true).setEvidence("LIFEBOAT-BOOTED")
                        .setBootDuration(Timestamps.of(Duration.ofSeconds(6))))), 1, T0.plusSeconds(7));
        Envelope teardown = tornDown.commands().get(0).envelope();
        assertThat(teardown.getDrillTeardown().getDrillName()).isEqualTo("drill-mail-d41d8cd9");

        CoreOutput ended = core.onEnvelope("hostB", result(CommandResult.newBuilder()
                .setCommandId(teardown.getDrillTeardown().getHeader().getCommandId())
                .setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED)
                .setDrillTeardown(DrillTeardownResult.newBuilder().setNothingLeft(true))), 2, T0.plusSeconds(8));
        List<JournalRecord> records = ended.records();
        assertThat(records).anyMatch(JournalRecord::hasDrillEnded);
        assertThat(core.drills().reports()).hasSize(1);
        assertThat(core.drills().reports().get(0).getSuccess()).isTrue();
        assertThat(Timestamps.duration(core.drills().reports().get(0).getGuests(0).getRpo()))
                .isEqualTo(Duration.ofMinutes(15));
        assertThat(core.drills().runningDrill("office")).isEmpty();
    }

    private static Envelope result(CommandResult.Builder result) {
        return Envelope.newBuilder().setSender("hostB").setMessageId("r-" + result.getCommandId())
                .setCommandResult(result).build();
    }
}
