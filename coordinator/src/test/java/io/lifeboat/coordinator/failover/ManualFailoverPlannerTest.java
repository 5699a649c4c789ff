package io.lifeboat.coordinator.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.lifeboat.coordinator.compat.CompatibilityEngine;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.protocol.v1.GuestState;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.VirtualizationExtension;

/** An admin's failover of one guest starts an operation for that guest alone, and holds no other guest back. */
class ManualFailoverPlannerTest {

    private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");

    private final FailoverPlanner planner = new FailoverPlanner("c1", new CompatibilityEngine(),
            FailoverPlanner.Settings.defaults());

    @Test
    void aManualFailoverRecoversOneGuestAndTheHostsLaterRecoveryTakesTheOthers() {
        CoordinatorState state = FailoverPlannerTest.replay(FailoverPlannerTest.office(
                VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X));

        Decision manual = planner.plan(state, new PlannerInput.ManualFailover("web", T0));
        List<JournalRecord> started = manual.records().stream().filter(JournalRecord::hasFailoverStarted).toList();
        assertThat(started).singleElement().satisfies(r -> {
            assertThat(r.getFailoverStarted().getGuestIdsList()).containsExactly("web");
            assertThat(r.getFailoverStarted().getLostHostId()).isEqualTo("hostP");
        });
        manual.records().forEach(state::apply);
        assertThat(state.guest("web").orElseThrow().state()).isEqualTo(GuestState.GUEST_STATE_FAILING_OVER);
        assertThat(manual.commands()).singleElement().satisfies(c -> {
            assertThat(c.hostId()).isEqualTo("hostS");
            assertThat(c.envelope().getMaterialiseRestorePoint().getGuestId()).isEqualTo("web");
        });

        // Asking again changes nothing: web is no longer PROTECTED.
        assertThat(planner.plan(state, new PlannerInput.ManualFailover("web", T0)).isEmpty()).isTrue();

        // The host is then declared lost: its other guests get their own operation while web's still runs.
        Decision due = planner.plan(state, new PlannerInput.RecoveryDue("hostP", T0.plusSeconds(1)));
        assertThat(due.records()).filteredOn(JournalRecord::hasFailoverStarted).singleElement()
                .satisfies(r -> assertThat(r.getFailoverStarted().getGuestIdsList()).containsExactly("dc", "mail"));
        due.records().forEach(state::apply);
        assertThat(planner.plan(state, new PlannerInput.RecoveryDue("hostP", T0.plusSeconds(2))).records())
                .noneMatch(JournalRecord::hasFailoverStarted);
    }
}
