package io.lifeboat.coordinator.core;

import static io.lifeboat.coordinator.core.LostHostSite.S;
import static io.lifeboat.coordinator.core.LostHostSite.T0;
import static io.lifeboat.coordinator.core.LostHostSite.URI;
import static io.lifeboat.coordinator.core.LostHostSite.core;
import static io.lifeboat.coordinator.core.LostHostSite.from;
import static io.lifeboat.coordinator.core.LostHostSite.heartbeat;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.lifeboat.coordinator.failover.OutboundCommand;
import io.lifeboat.coordinator.health.HostState;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.Failure;
import io.lifeboat.protocol.v1.GuestState;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.MaterialiseResult;

/**
 * A guest left AT_RISK by an abandoned failover is no dead end once the host it was lost from is back: protected from
 * there again when the recovery never reached the standby, and otherwise failed over by an admin as soon as neither
 * host runs a copy (I1).
 */
class AbandonedGuestTest {

    private static final Instant AN_HOUR_LATER = T0.plusSeconds(3600);

    private final LostHostSite site = new LostHostSite();

    /** Both agents heartbeat each second and the core ticks every 100 ms, from {@code fromNanos} for one second. */
    private List<CoreOutput> bothUp(CoordinatorCore core, long fromNanos, Instant wall) {
        List<CoreOutput> outputs = new ArrayList<>();
        for (long now = fromNanos; now < fromNanos + S; now += S / 10) {
            if (now == fromNanos) {
                site.keep(core.onEnvelope("hostA", heartbeat("hostA"), now, wall));
                site.keep(core.onEnvelope("hostB", heartbeat("hostB"), now, wall));
            }
            outputs.add(site.keep(core.tick(now, wall)));
        }
        return outputs;
    }

    @Test
    void aGuestAbandonedBeforeTheStandbyHadAnyOfItIsProtectedAgainWhenItsPrimaryIsBackAndStaysSoAfterASnapshot() {
        CoordinatorCore core = site.configured(core(new CoordinatorState(), 0), URI);
        List<CoreOutput> lost = site.hostALost(core);
        site.materialiseFails(core, lost.get(lost.size() - 1), 16 * S);
        assertThat(core.state().guest("g-mail").orElseThrow().state()).isEqualTo(GuestState.GUEST_STATE_AT_RISK);
        assertThat(core.state().guest("g-mail").orElseThrow().ownerHostId()).isEqualTo("hostA");

        // While hostA stays silent nothing changes: the guest runs nowhere, AT_RISK says so.
        for (long now = 17 * S; now < 20 * S; now += S / 10) {
            if (now % S == 0) {
                site.keep(core.onEnvelope("hostB", heartbeat("hostB"), now, T0.plusNanos(now)));
            }
            assertThat(site.keep(core.tick(now, T0.plusNanos(now))).records())
                    .noneMatch(JournalRecord::hasGuestProtectionResumed);
        }
        assertThat(core.state().guest("g-mail").orElseThrow().state()).isEqualTo(GuestState.GUEST_STATE_AT_RISK);

        // hostA is heard again: it is UP, still owns mail, and protects it again; its backups resume.
        List<CoreOutput> back = bothUp(core, 30 * S, AN_HOUR_LATER);
        assertThat(core.leases().state("hostA")).isEqualTo(HostState.UP);
        List<JournalRecord> resumed = back.stream().flatMap(o -> o.records().stream())
                .filter(JournalRecord::hasGuestProtectionResumed).toList();
        assertThat(resumed).singleElement().satisfies(r -> {
            assertThat(r.getGuestProtectionResumed().getGuestId()).isEqualTo("g-mail");
            assertThat(r.getGuestProtectionResumed().getHostId()).isEqualTo("hostA");
            assertThat(r.getGuestProtectionResumed().getReason()).contains("host hostA is UP again",
                    "failover abandoned at MATERIALISE: datastore /srv/lifeboat on hostB is full");
            assertThat(TransitionLines.of(r, core.state()).text())
                    .startsWith("guest mail (g-mail) PROTECTED again, owner hostA: host hostA is UP again");
        });
        var mail = core.state().guest("g-mail").orElseThrow();
        assertThat(mail.state()).isEqualTo(GuestState.GUEST_STATE_PROTECTED);
        assertThat(mail.ownerHostId()).isEqualTo("hostA");
        assertThat(core.state().abandonedRecovery("g-mail")).isEmpty();
        assertThat(back.stream().flatMap(o -> o.commands().stream()).filter(c -> c.envelope().hasBackupGuest()))
                .singleElement().satisfies(c -> assertThat(c.hostId()).isEqualTo("hostA"));

        // The journal and a snapshot of it both rebuild a PROTECTED guest, and a core over either resumes nothing.
        CoordinatorState replayed = site.replayed();
        CoordinatorState fromSnapshot = new CoordinatorState();
        core.state().toSnapshot().getRecordsList().forEach(fromSnapshot::apply);
        for (CoordinatorState rebuilt : List.of(replayed, fromSnapshot)) {
            assertThat(rebuilt.guests()).isEqualTo(core.state().guests());
            assertThat(rebuilt.abandonedRecovery("g-mail")).isEmpty();
        }
        // A snapshot of the snapshot keeps it (the resumption is carried, not lost on the second round).
        CoordinatorState twice = new CoordinatorState();
        fromSnapshot.toSnapshot().getRecordsList().forEach(twice::apply);
        assertThat(twice.guest("g-mail").orElseThrow().state()).isEqualTo(GuestState.GUEST_STATE_PROTECTED);
    }

    @Test
    void aGuestAbandonedOnceTheStandbyRegisteredItIsFailedOverByAnAdminOnlyWhenNeitherHostRunsIt() {
        CoordinatorCore core = site.configured(core(new CoordinatorState(), 0), URI);
        List<CoreOutput> lost = site.hostALost(core);
        // The standby materialises and registers mail, but cannot start it: abandoned at START.
        List<OutboundCommand> pending = new ArrayList<>(lost.get(lost.size() - 1).commands().stream()
                .filter(c -> !c.envelope().hasFencePeerHost()).toList());
        long now = 16 * S;
        while (!pending.isEmpty()) {
            now += S;
            CoreOutput out = site.keep(core.onEnvelope("hostB", from("hostB", Envelope.newBuilder()
                    .setCommandResult(answer(pending.remove(0).envelope()))), now, T0.plusNanos(now)));
            pending.addAll(out.commands());
        }
        var abandoned = core.state().guest("g-mail").orElseThrow();
        assertThat(abandoned.state()).isEqualTo(GuestState.GUEST_STATE_AT_RISK);
        assertThat(core.state().abandonedRecovery("g-mail").orElseThrow().reason())
                .startsWith("failover abandoned at START: ");
        assertThat(abandoned.ownerHostId()).isEqualTo("hostB");

        // hostA is back UP, but the standby owns mail (a copy is registered there): no resumption on hostA.
        List<CoreOutput> back = bothUp(core, 40 * S, AN_HOUR_LATER);
        assertThat(core.leases().state("hostA")).isEqualTo(HostState.UP);
        assertThat(back.stream().flatMap(o -> o.records().stream()))
                .noneMatch(JournalRecord::hasGuestProtectionResumed);
        assertThat(back.stream().flatMap(o -> o.commands().stream())).noneMatch(c -> c.hostId().equals("hostA"));
        assertThat(core.state().guest("g-mail").orElseThrow().state()).isEqualTo(GuestState.GUEST_STATE_AT_RISK);

        // An admin's failover is refused while either host may run a copy, and changes nothing.
        assertThat(core.failoverGuest("g-mail", "admin", false, AN_HOUR_LATER).conflict()).hasValueSatisfying(
                why -> assertThat(why).contains("hostA is UP and has not renewed its lease", "cannot tell"));
        site.renew(core, "hostA", 41 * S, "g-mail");
        assertThat(core.failoverGuest("g-mail", "admin", false, AN_HOUR_LATER).conflict()).hasValueSatisfying(
                why -> assertThat(why).contains("still runs on host hostA", "two copies never run"));
        site.renew(core, "hostA", 42 * S);
        site.renew(core, "hostB", 42 * S, "g-mail");
        assertThat(core.failoverGuest("g-mail", "admin", false, AN_HOUR_LATER).conflict()).hasValueSatisfying(
                why -> assertThat(why).contains("already runs on its standby hostB", "stop that copy"));
        assertThat(core.state().guest("g-mail").orElseThrow().state()).isEqualTo(GuestState.GUEST_STATE_AT_RISK);

        // Neither runs it: the retry starts on the standby alone; hostA, UP, is neither fenced nor made owner (I1).
        site.renew(core, "hostB", 43 * S);
        ManualFailover retry = core.failoverGuest("g-mail", "admin", false, AN_HOUR_LATER);
        assertThat(retry.conflict()).isEmpty();
        assertThat(retry.output().records()).filteredOn(JournalRecord::hasFailoverStarted).singleElement()
                .satisfies(r -> assertThat(r.getFailoverStarted().getLostHostId()).isEqualTo("hostA"));
        assertThat(retry.output().commands()).extracting(c -> c.hostId() + " " + c.envelope().getPayloadCase())
                .containsExactly("hostB MATERIALISE_RESTORE_POINT");
        var retried = core.state().guest("g-mail").orElseThrow();
        assertThat(retried.state()).isEqualTo(GuestState.GUEST_STATE_FAILING_OVER);
        assertThat(retried.ownerHostId()).isEqualTo("hostB");
    }

    /** hostB's answers: disks materialised, guest registered, then its start fails for good. */
    private static CommandResult answer(Envelope command) {
        CommandResult.Builder r = CommandResult.newBuilder().setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
        switch (command.getPayloadCase()) {
            case MATERIALISE_RESTORE_POINT -> r.setCommandId(command.getMaterialiseRestorePoint().getHeader()
                    .getCommandId()).setMaterialise(MaterialiseResult.newBuilder().addDisks(DiskSpec.newBuilder()
                    .setPath("/srv/lifeboat/g-mail/disk0.qcow2").setFormat(DiskFormat.DISK_FORMAT_QCOW2)));
            case REGISTER_GUEST -> r.setCommandId(command.getRegisterGuest().getHeader().getCommandId());
            case START_GUEST -> r.setCommandId(command.getStartGuest().getHeader().getCommandId())
                    .setOutcome(CommandOutcome.COMMAND_OUTCOME_FAILED).setFailure(Failure.newBuilder()
                            .setErrorClass(ErrorClass.ERROR_CLASS_PERMANENT).setCode("start_failed")
                            .setMessage("hostB: domain mail did not start: no bootable device"));
            default -> throw new AssertionError("unexpected " + command.getPayloadCase());
        }
        return r.build();
    }
}
