package io.lifeboat.coordinator.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.lifeboat.coordinator.compat.CompatibilityEngine;
import io.lifeboat.coordinator.core.JournalEvents;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.protocol.v1.BootResult;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.FailoverStep;
import io.lifeboat.protocol.v1.GuestState;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.MaterialiseResult;
import io.lifeboat.protocol.v1.VirtualizationExtension;

/**
 * A recovery the planner gives up on leaves the guest AT_RISK with a reason a DR admin can act on: nothing re-plans it
 * on its own, an admin's manual failover retries it, and once a copy may exist on the standby only the standby may
 * run the guest (I1).
 */
class AbandonedRecoveryTest {

    private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");

    private final FailoverPlanner planner = new FailoverPlanner("c1", new CompatibilityEngine(),
            FailoverPlanner.Settings.defaults());
    private final List<JournalRecord> journal = new ArrayList<>(FailoverPlannerTest.office(
            VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X));

    private Decision decide(PlannerInput input) {
        Decision d = planner.plan(FailoverPlannerTest.replay(journal), input);
        journal.addAll(d.records());
        return d;
    }

    /** Answers every command for dc; StartGuest reports a boot without the serial marker. */
    private static CommandResult answer(Envelope command) {
        CommandResult.Builder r = CommandResult.newBuilder().setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
        switch (command.getPayloadCase()) {
            case MATERIALISE_RESTORE_POINT -> r.setCommandId(command.getMaterialiseRestorePoint().getHeader()
                    .getCommandId()).setMaterialise(MaterialiseResult.newBuilder().addDisks(DiskSpec.newBuilder()
                    .setPath("/srv/lifeboat/dc/disk0.qcow2").setFormat(DiskFormat.DISK_FORMAT_QCOW2)));
            case REGISTER_GUEST -> r.setCommandId(command.getRegisterGuest().getHeader().getCommandId());
            case START_GUEST -> r.setCommandId(command.getStartGuest().getHeader().getCommandId())
                    .setBoot(BootResult.newBuilder().setBootVerified(false));
            default -> throw new AssertionError("unexpected " + command.getPayloadCase());
        }
        return r.build();
    }

    @Test
    void aBootNeverVerifiedLeavesTheGuestAtRiskOwnedByTheStandbyAndOnlyAnAdminRetriesIt() {
        Decision d = decide(new PlannerInput.RecoveryDue("hostP", T0));
        Instant now = T0;
        for (int i = 0; i < 20 && !d.commands().isEmpty(); i++) {
            now = now.plusSeconds(1);
            d = decide(new PlannerInput.CommandFinished(answer(d.commands().get(0).envelope()), now));
        }
        CoordinatorState state = FailoverPlannerTest.replay(journal);
        var dc = state.guest("dc").orElseThrow();
        assertThat(dc.state()).isEqualTo(GuestState.GUEST_STATE_AT_RISK);
        // A StartGuest reached the standby: a copy may run there, so the lost primary must not run it when it returns.
        assertThat(dc.ownerHostId()).isEqualTo("hostS");
        assertThat(state.abandonedRecovery("dc")).hasValueSatisfying(a -> {
            assertThat(a.reason()).isEqualTo("failover abandoned at START: guest dc: serial marker 'login:' not seen");
            assertThat(a.lostHostId()).isEqualTo("hostP");
        });
        JournalRecord abandoned = journal.stream().filter(JournalRecord::hasGuestRecoveryAbandoned)
                .filter(r -> r.getGuestRecoveryAbandoned().getGuestId().equals("dc")).findFirst().orElseThrow();
        assertThat(JournalEvents.of(abandoned, state, "c1")).singleElement().satisfies(e -> {
            assertThat(e.getFailoverStepFailed().getStep()).isEqualTo(FailoverStep.FAILOVER_STEP_START);
            assertThat(e.getFailoverStepFailed().getWillRetry()).isFalse();
            assertThat(e.getFailoverStepFailed().getFailure().getMessage()).startsWith("failover abandoned at START: ");
        });

        // Nothing picks dc up again by itself: the host's recovery and the ticks start no second failover of it.
        assertThat(decide(new PlannerInput.RecoveryDue("hostP", now.plusSeconds(60))).records())
                .noneSatisfy(r -> assertThat(r.getFailoverStarted().getGuestIdsList()).contains("dc"));
        assertThat(decide(new PlannerInput.Tick(now.plusSeconds(3600))).commands())
                .noneSatisfy(c -> assertThat(c.envelope().getMaterialiseRestorePoint().getGuestId()).isEqualTo("dc"));

        // An admin's failover retries it from the host it was lost from, on the same standby.
        Decision retry = decide(new PlannerInput.ManualFailover("dc", now.plusSeconds(7200)));
        assertThat(retry.records()).filteredOn(JournalRecord::hasFailoverStarted).singleElement().satisfies(r -> {
            assertThat(r.getFailoverStarted().getGuestIdsList()).containsExactly("dc");
            assertThat(r.getFailoverStarted().getLostHostId()).isEqualTo("hostP");
        });
        assertThat(retry.commands()).singleElement().satisfies(c -> {
            assertThat(c.hostId()).isEqualTo("hostS");
            assertThat(c.envelope().getMaterialiseRestorePoint().getGuestId()).isEqualTo("dc");
        });
        CoordinatorState retried = FailoverPlannerTest.replay(journal);
        assertThat(retried.guest("dc").orElseThrow().state()).isEqualTo(GuestState.GUEST_STATE_FAILING_OVER);
        assertThat(retried.guest("dc").orElseThrow().ownerHostId()).isEqualTo("hostS");
        assertThat(retried.abandonedRecovery("dc")).isEmpty();
    }

    @Test
    void noPointToRecoverFromKeepsThePrimaryAsOwnerAndTheReasonSurvivesASnapshot() {
        journal.removeIf(r -> r.hasRestorePointRecorded() && r.getRestorePointRecorded().getGuestId().equals("dc"));
        decide(new PlannerInput.RecoveryDue("hostP", T0));
        CoordinatorState state = FailoverPlannerTest.replay(journal);
        var dc = state.guest("dc").orElseThrow();
        assertThat(dc.state()).isEqualTo(GuestState.GUEST_STATE_AT_RISK);
        // Nothing was registered on the standby: the primary stays the owner.
        assertThat(dc.ownerHostId()).isEqualTo("hostP");
        assertThat(state.abandonedRecovery("dc").orElseThrow().reason())
                .isEqualTo("failover abandoned at SELECT_POINT: guest dc: no verified restore point on host hostS");

        CoordinatorState rebuilt = FailoverPlannerTest.replay(state.toSnapshot().getRecordsList());
        assertThat(rebuilt.guests()).isEqualTo(state.guests());
        assertThat(rebuilt.abandonedRecovery("dc")).isEqualTo(state.abandonedRecovery("dc"));
        // Still nothing to retry from: an admin's failover starts an operation that gives up again, with the reason.
        Decision retry = decide(new PlannerInput.ManualFailover("dc", T0.plusSeconds(60)));
        assertThat(retry.records()).anySatisfy(r -> assertThat(r.hasFailoverStarted()).isTrue());
        assertThat(FailoverPlannerTest.replay(journal).guest("dc").orElseThrow().state())
                .isEqualTo(GuestState.GUEST_STATE_AT_RISK);
    }
}
