package io.lifeboat.coordinator.core;

import static io.lifeboat.coordinator.core.LostHostSite.S;
import static io.lifeboat.coordinator.core.LostHostSite.T0;
import static io.lifeboat.coordinator.core.LostHostSite.URI;
import static io.lifeboat.coordinator.core.LostHostSite.core;
import static io.lifeboat.coordinator.core.LostHostSite.from;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.lifeboat.coordinator.failover.OutboundCommand;
import io.lifeboat.coordinator.health.HostState;
import io.lifeboat.coordinator.notify.NotificationTexts;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.Failure;
import io.lifeboat.protocol.v1.FenceReason;
import io.lifeboat.protocol.v1.FenceResult;
import io.lifeboat.protocol.v1.Heartbeat;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.MaterialiseResult;

/**
 * When recovery of a lost host starts, the core also fences that host: journaled before the command is sent, sent to
 * the right agent, its result journaled and evented, never holding the recovery back, and resumed after a restart.
 */
class CoreFenceTest {

    private final LostHostSite site = new LostHostSite();
    private final List<JournalRecord> journal = site.journal;

    private CoreOutput keep(CoreOutput out) {
        return site.keep(out);
    }

    private CoordinatorCore configured(CoordinatorCore core, String hypervisorEndpoint) {
        return site.configured(core, hypervisorEndpoint);
    }

    private List<CoreOutput> hostALost(CoordinatorCore core) {
        return site.hostALost(core);
    }

    private static OutboundCommand fenceCommand(List<CoreOutput> outputs) {
        return outputs.stream().flatMap(o -> o.commands().stream()).filter(c -> c.envelope().hasFencePeerHost())
                .findFirst().orElseThrow(() -> new AssertionError("no FencePeerHost was sent"));
    }

    private static CommandResult fenceResult(String commandId, boolean ok) {
        CommandResult.Builder r = CommandResult.newBuilder().setCommandId(commandId);
        return ok ? r.setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED)
                .setFence(FenceResult.newBuilder().addStoppedGuestIds("g-mail")).build()
                : r.setOutcome(CommandOutcome.COMMAND_OUTCOME_FAILED).setFailure(Failure.newBuilder()
                        .setErrorClass(ErrorClass.ERROR_CLASS_RETRIABLE).setCode("unreachable")
                        .setMessage("agent hostB: cannot fence host hostA: " + URI + " did not answer")).build();
    }

    @Test
    void theStandbyFencesTheLostHostThroughItsHypervisorUriJournaledFirstWhileRecoveryGoesOn() {
        CoordinatorCore core = configured(core(new CoordinatorState(), 0), URI);
        List<CoreOutput> outputs = hostALost(core);
        CoreOutput started = outputs.get(outputs.size() - 1);
        OutboundCommand fence = fenceCommand(List.of(started));

        // Sent to the surviving standby, naming the peer, its URI and the guests as its hypervisor knows them.
        assertThat(fence.hostId()).isEqualTo("hostB");
        var cmd = fence.envelope().getFencePeerHost();
        assertThat(cmd.getPeerHostId()).isEqualTo("hostA");
        assertThat(cmd.getHypervisorUri()).isEqualTo(URI);
        assertThat(cmd.getGuestsList()).singleElement().satisfies(g -> {
            assertThat(g.getGuestId()).isEqualTo("g-mail");
            assertThat(g.getName()).isEqualTo("mail");
            assertThat(g.getHypervisorUuid()).isEqualTo("uuid-mail");
        });
        // I4: the same output journals the request, carrying the very command, before commands go out.
        assertThat(started.records()).filteredOn(JournalRecord::hasHostFenceRequested).singleElement()
                .satisfies(r -> {
                    assertThat(r.getHostFenceRequested().getCommand()).isEqualTo(fence.envelope());
                    assertThat(r.getHostFenceRequested().getAgentHostId()).isEqualTo("hostB");
                    assertThat(r.getHostFenceRequested().getHostId()).isEqualTo("hostA");
                });
        assertThat(core.state().pendingFences()).containsKey(cmd.getHeader().getCommandId());
        // Recovery does not wait for the fence: the first recovery command leaves with it.
        String materialiseId = started.commands().stream().filter(c -> c.envelope().hasMaterialiseRestorePoint())
                .findFirst().orElseThrow().envelope().getMaterialiseRestorePoint().getHeader().getCommandId();

        // The usual case after a host died: the fence fails. Journaled, evented, and recovery carries on.
        CoreOutput failed = keep(core.onEnvelope("hostB", from("hostB", Envelope.newBuilder().setCommandResult(
                fenceResult(cmd.getHeader().getCommandId(), false))), 16 * S, T0.plusSeconds(16)));
        assertThat(failed.records()).singleElement().satisfies(r -> {
            assertThat(r.getHostFenceFinished().getSucceeded()).isFalse();
            assertThat(r.getHostFenceFinished().getFailure().getMessage()).contains("hostA").contains(URI);
            assertThat(JournalEvents.of(r, core.state(), "c1")).singleElement().satisfies(e -> {
                assertThat(e.getFenceFailed().getHostId()).isEqualTo("hostA");
                assertThat(e.getFenceFailed().getHypervisorUri()).isEqualTo(URI);
                assertThat(NotificationTexts.fenceFailed(e.getFenceFailed(), core.state()).subject())
                        .contains("hostA could NOT be fenced");
            });
        });
        assertThat(core.state().pendingFences()).isEmpty();
        CoreOutput next = core.onEnvelope("hostB", from("hostB", Envelope.newBuilder().setCommandResult(CommandResult
                .newBuilder().setCommandId(materialiseId).setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED)
                .setMaterialise(MaterialiseResult.newBuilder().addDisks(DiskSpec.newBuilder()
                        .setPath("/srv/lifeboat/g-mail/disk0.qcow2").setFormat(DiskFormat.DISK_FORMAT_QCOW2))))),
                17 * S, T0.plusSeconds(17));
        assertThat(next.commands()).singleElement().satisfies(c -> assertThat(c.envelope().hasRegisterGuest())
                .isTrue());
    }

    @Test
    void aFenceThatWorkedIsEventedAsFencedByTheCoordinatorAndMailed() {
        CoordinatorCore core = configured(core(new CoordinatorState(), 0), URI);
        var cmd = fenceCommand(hostALost(core)).envelope().getFencePeerHost();
        CoreOutput done = core.onEnvelope("hostB", from("hostB", Envelope.newBuilder().setCommandResult(
                fenceResult(cmd.getHeader().getCommandId(), true))), 16 * S, T0.plusSeconds(16));
        assertThat(done.records()).singleElement().satisfies(r -> {
            assertThat(r.getHostFenceFinished().getSucceeded()).isTrue();
            assertThat(r.getHostFenceFinished().getStoppedGuestIdsList()).containsExactly("g-mail");
            assertThat(JournalEvents.of(r, core.state(), "c1")).singleElement().satisfies(e -> {
                assertThat(e.getFenced().getHostId()).isEqualTo("hostA");
                assertThat(e.getFenced().getReason()).isEqualTo(FenceReason.FENCE_REASON_REMOTE_POWER_OFF);
                assertThat(e.getFenced().getFencedBy()).isEqualTo("c1");
                assertThat(e.getFenced().getStoppedGuestIdsList()).containsExactly("g-mail");
                assertThat(NotificationTexts.fenced(e.getFenced(), core.state()).subject())
                        .isEqualTo("[lifeboat] host hostA FENCED (remote power off)");
            });
        });
    }

    @Test
    void aHostTheCoordinatorFencedShowsFencedWhileFailoverDecisionsStillSeeItLost() {
        CoordinatorCore core = configured(core(new CoordinatorState(), 0), URI);
        var cmd = fenceCommand(hostALost(core)).envelope().getFencePeerHost();
        assertThat(core.hostState("hostA")).isEqualTo(HostState.LOST);
        keep(core.onEnvelope("hostB", from("hostB", Envelope.newBuilder().setCommandResult(
                fenceResult(cmd.getHeader().getCommandId(), true))), 16 * S, T0.plusSeconds(16)));
        assertThat(core.hostState("hostA")).isEqualTo(HostState.FENCED);
        assertThat(core.hostState("hostB")).isEqualTo(HostState.UP);
        // The lease table, which failover decisions read, still says LOST (armed): nothing else changes.
        assertThat(core.leases().state("hostA")).isEqualTo(HostState.LOST);
        assertThat(core.leases().failoverArmed("hostA")).isTrue();

        // A restart from the journal, or from a snapshot of it, still shows FENCED.
        CoordinatorState fromSnapshot = new CoordinatorState();
        core.state().toSnapshot().getRecordsList().forEach(fromSnapshot::apply);
        for (CoordinatorState rebuilt : List.of(site.replayed(), fromSnapshot)) {
            CoordinatorCore restarted = configured(core(rebuilt, 20 * S), URI);
            keep(restarted.start(T0.plusSeconds(20)));
            assertThat(restarted.hostState("hostA")).isEqualTo(HostState.FENCED);
        }

        // hostA heard again: UP, and the fence no longer shows.
        keep(core.onEnvelope("hostA", LostHostSite.heartbeat("hostA"), 30 * S, T0.plusSeconds(30)));
        keep(core.tick(30 * S, T0.plusSeconds(30)));
        assertThat(core.hostState("hostA")).isEqualTo(HostState.UP);
        assertThat(core.state().fencedWhileLost("hostA")).isEmpty();
    }

    @Test
    void aFenceThatFailedLeavesTheHostLost() {
        CoordinatorCore core = configured(core(new CoordinatorState(), 0), URI);
        var cmd = fenceCommand(hostALost(core)).envelope().getFencePeerHost();
        keep(core.onEnvelope("hostB", from("hostB", Envelope.newBuilder().setCommandResult(
                fenceResult(cmd.getHeader().getCommandId(), false))), 16 * S, T0.plusSeconds(16)));
        assertThat(core.hostState("hostA")).isEqualTo(HostState.LOST);
    }

    @Test
    void aRestartResendsAPendingFenceWithItsIdAndNeverOneThatFinished() {
        CoordinatorCore first = configured(core(new CoordinatorState(), 0), URI);
        var cmd = fenceCommand(hostALost(first)).envelope().getFencePeerHost();
        String id = cmd.getHeader().getCommandId();

        // Restart with the fence pending: sent again, same command id, new epoch; and again when hostB relinks.
        CoordinatorState replayed = new CoordinatorState();
        journal.forEach(replayed::apply);
        CoordinatorCore second = configured(core(replayed, 100 * S), URI);
        CoreOutput resumed = keep(second.start(T0.plusSeconds(100)));
        assertThat(resumed.commands()).filteredOn(c -> c.envelope().hasFencePeerHost()).singleElement()
                .satisfies(c -> {
                    assertThat(c.hostId()).isEqualTo("hostB");
                    assertThat(c.envelope().getFencePeerHost().getHeader().getCommandId()).isEqualTo(id);
                    assertThat(c.envelope().getFencePeerHost().getHeader().getEpoch()).isEqualTo(2);
                });
        assertThat(second.linkUp("hostB").commands()).filteredOn(c -> c.envelope().hasFencePeerHost()).hasSize(1);
        assertThat(second.linkUp("hostA").commands()).noneMatch(c -> c.envelope().hasFencePeerHost());
        // A journal snapshot keeps a pending fence too.
        CoordinatorState fromSnapshot = new CoordinatorState();
        second.state().toSnapshot().getRecordsList().forEach(fromSnapshot::apply);
        assertThat(fromSnapshot.pendingFences()).containsOnlyKeys(id);

        keep(second.onEnvelope("hostB", from("hostB", Envelope.newBuilder().setCommandResult(fenceResult(id, true))),
                101 * S, T0.plusSeconds(101)));
        CoordinatorState again = new CoordinatorState();
        journal.forEach(again::apply);
        assertThat(again.pendingFences()).isEmpty();
        CoordinatorCore third = configured(core(again, 200 * S), URI);
        assertThat(third.start(T0.plusSeconds(200)).commands()).noneMatch(c -> c.envelope().hasFencePeerHost());
        assertThat(third.linkUp("hostB").commands()).noneMatch(c -> c.envelope().hasFencePeerHost());
    }

    @Test
    void anUnansweredFenceFailsAtItsDeadline() {
        CoordinatorCore core = configured(core(new CoordinatorState(), 0), URI);
        hostALost(core);
        List<JournalRecord> finished = new ArrayList<>();
        for (long now = 16 * S; now <= 120 * S; now += S) {
            core.onEnvelope("hostB", from("hostB", Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder()
                    .setHostId("hostB"))), now, T0.plusNanos(now));
            core.tick(now, T0.plusNanos(now)).records().stream().filter(JournalRecord::hasHostFenceFinished)
                    .forEach(finished::add);
        }
        assertThat(finished).singleElement().satisfies(r -> {
            assertThat(r.getHostFenceFinished().getFailure().getCode()).isEqualTo("timed_out");
            assertThat(r.getHostFenceFinished().getFailure().getMessage())
                    .startsWith("fence of host hostA by agent hostB through " + URI + " got no result by ");
        });
        assertThat(core.state().pendingFences()).isEmpty();
    }

    @Test
    void withoutAHypervisorUriTheFenceIsJournaledAsImpossibleAndRecoveryStillStarts() {
        CoordinatorCore core = configured(core(new CoordinatorState(), 0), "10.0.0.2:16509");
        hostALost(core);
        assertThat(journal).filteredOn(JournalRecord::hasHostFenceFinished).singleElement().satisfies(r -> {
            assertThat(r.getHostFenceFinished().getFailure().getCode()).isEqualTo("cannot_fence");
            assertThat(r.getHostFenceFinished().getFailure().getMessage())
                    .isEqualTo("host hostA has no hypervisor API URI (its probe endpoint is '10.0.0.2:16509'): no "
                            + "surviving agent can stop its guests through it");
        });
        assertThat(journal).noneMatch(JournalRecord::hasHostFenceRequested);
        assertThat(journal).anyMatch(JournalRecord::hasFailoverStarted);
    }

    @Test
    void aLostHostWhoseOwnAgentAnswersAgainGetsTheFenceCommand() {
        // A journal in which hostA was declared LOST (failover armed) but no failover started yet.
        CoordinatorCore first = configured(core(new CoordinatorState(), 0), URI);
        hostALost(first);
        List<JournalRecord> beforeFailover = new ArrayList<>(journal.subList(0, journal.stream()
                .filter(JournalRecord::hasFailoverStarted).findFirst().map(journal::indexOf).orElseThrow()));
        CoordinatorState replayed = new CoordinatorState();
        beforeFailover.forEach(replayed::apply);
        CoordinatorCore core = configured(core(replayed, 50 * S), URI);
        core.start(T0.plusSeconds(50));
        assertThat(core.leases().state("hostA")).isEqualTo(HostState.LOST);
        // hostA's agent (an agentless proxy beside the host, say) links again before the next tick.
        core.onEnvelope("hostA", from("hostA", Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder()
                .setHostId("hostA"))), 50 * S, T0.plusSeconds(50));
        ManualFailover manual = core.failoverGuest("g-mail", "admin", false, T0.plusSeconds(50));
        assertThat(manual.conflict()).isEmpty();
        assertThat(manual.output().commands()).filteredOn(c -> c.envelope().hasFence()).singleElement()
                .satisfies(c -> {
                    assertThat(c.hostId()).isEqualTo("hostA");
                    assertThat(c.envelope().getFence().getReason()).contains("host hostA lost");
                });
        assertThat(manual.output().records()).filteredOn(JournalRecord::hasHostFenceRequested).singleElement()
                .satisfies(r -> assertThat(r.getHostFenceRequested().getAgentHostId()).isEqualTo("hostA"));
        assertThat(manual.output().commands()).anyMatch(c -> c.envelope().hasMaterialiseRestorePoint()
                && c.hostId().equals("hostB"));
    }
    @Test
    void anAbandonedRecoveryIsRetriedByAnAdminOnlyWhileItsHostIsStillOffAndTheRetryFencesAgain() {
        CoordinatorCore core = configured(core(new CoordinatorState(), 0), URI);
        List<CoreOutput> outputs = hostALost(core);
        site.materialiseFails(core, outputs.get(outputs.size() - 1), 16 * S);
        assertThat(core.state().guest("g-mail").orElseThrow().state())
                .isEqualTo(io.lifeboat.protocol.v1.GuestState.GUEST_STATE_AT_RISK);
        assertThat(core.state().abandonedRecovery("g-mail").orElseThrow().reason())
                .isEqualTo("failover abandoned at MATERIALISE: datastore /srv/lifeboat on hostB is full");

        // Once hostA is back (heard again, UP), it owns the guest again (nothing reached the standby): protected
        // from there again, and a failover could start a second copy: refused.
        CoordinatorState replayed = new CoordinatorState();
        journal.forEach(replayed::apply);
        CoordinatorCore back = configured(core(replayed, 20 * S), URI);
        back.start(T0.plusSeconds(20));
        back.onEnvelope("hostA", from("hostA", Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder()
                .setHostId("hostA"))), 20 * S, T0.plusSeconds(20));
        back.tick(20 * S, T0.plusSeconds(20));
        assertThat(back.leases().state("hostA")).isEqualTo(HostState.UP);
        assertThat(back.state().guest("g-mail").orElseThrow().state())
                .isEqualTo(io.lifeboat.protocol.v1.GuestState.GUEST_STATE_PROTECTED);
        assertThat(back.failoverGuest("g-mail", "admin", false, T0.plusSeconds(20)).conflict())
                .hasValueSatisfying(why -> assertThat(why).startsWith("host hostA is UP and may be running guest"));

        // While hostA is still LOST, the admin's failover retries it, and fences hostA again.
        ManualFailover retry = core.failoverGuest("g-mail", "admin", false, T0.plusSeconds(30));
        assertThat(retry.conflict()).isEmpty();
        assertThat(retry.output().records()).filteredOn(JournalRecord::hasFailoverStarted).singleElement()
                .satisfies(r -> assertThat(r.getFailoverStarted().getLostHostId()).isEqualTo("hostA"));
        assertThat(retry.output().commands()).extracting(c -> c.hostId() + " " + c.envelope().getPayloadCase())
                .containsExactlyInAnyOrder("hostB MATERIALISE_RESTORE_POINT", "hostB FENCE_PEER_HOST");
        assertThat(core.state().guest("g-mail").orElseThrow().state())
                .isEqualTo(io.lifeboat.protocol.v1.GuestState.GUEST_STATE_FAILING_OVER);
    }
}
