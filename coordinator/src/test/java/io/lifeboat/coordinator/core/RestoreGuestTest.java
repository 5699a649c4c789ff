package io.lifeboat.coordinator.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.lifeboat.coordinator.compat.CompatibilityEngine;
import io.lifeboat.coordinator.failover.FailoverPlanner;
import io.lifeboat.coordinator.failover.PlannerInput;
import io.lifeboat.coordinator.health.LeaseTimers;
import io.lifeboat.coordinator.health.VoterPlacement;
import io.lifeboat.coordinator.metrics.FakeAgent;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.GuestBitness;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.GuestState;
import io.lifeboat.protocol.v1.Inventory;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.LeaseRenew;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import io.lifeboat.protocol.v1.PlanEntry;
import io.lifeboat.protocol.v1.RecoveryPlanDefined;
import io.lifeboat.protocol.v1.ReplicationCommitted;
import io.lifeboat.protocol.v1.VmdkCreateType;

/**
 * An admin restores a guest from a point of their choice onto its standby: refused while the guest may still run on
 * its UP primary (I1), refused for a point that is not a verified point on the standby, and otherwise a failover of
 * that guest alone with the chosen point pinned, also after a replay of the journal.
 */
class RestoreGuestTest {

    private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");
    private static final String YESTERDAY = "g-mail/20261129T100000Z";
    private static final String LATEST = "g-mail/20261130T095500Z";

    private final List<JournalRecord> journal = new ArrayList<>();
    private final CoordinatorCore core = new CoordinatorCore("c1", LeaseTimers.defaults(),
            new VoterPlacement(Map.of("hostA", "boxA", "hostB", "boxB", "c1", "nas")), Set.of("hostA", "hostB"),
            new FailoverPlanner("c1", new CompatibilityEngine(), FailoverPlanner.Settings.defaults()),
            new CoordinatorState(), 0);

    @BeforeEach
    void protectMailWithTwoPoints() {
        feed(core.configure(List.of(RecoveryPlanDefined.newBuilder().setName("office").setTargetHostId("hostB")
                .setDestinationDir("/srv/lifeboat").putNetworkMap("lan", "br0").addEntries(PlanEntry.newBuilder().setGuestId("g-mail")).build()),
                List.of(new GuestProtection("g-mail", "mail", "hostA", "hostB", "office"))));
        feed(core.start(T0));
        GuestSpec mail = GuestSpec.newBuilder().setName("mail").setBitness(GuestBitness.GUEST_BITNESS_64).setVcpus(1)
                .setMemoryBytes(1L << 30)
                .addDisks(DiskSpec.newBuilder().setPath("/vm/mail/mail.vmdk").setFormat(DiskFormat.DISK_FORMAT_VMDK)
                        .setVmdkCreateType(VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE)
                        .setCapacityBytes(8L << 30))
                .addNics(NicSpec.newBuilder().setMacAddress("52:54:00:11:22:33").setModel(NicModel.NIC_MODEL_VIRTIO)
                        .setNetwork("lan")).build();
        feed(core.onEnvelope("hostA", from("hostA", Envelope.newBuilder().setInventory(Inventory.newBuilder()
                .setHostId("hostA").setFacts(FakeAgent.kvm("hostA")).addGuests(mail))), 0, T0));
        feed(core.onEnvelope("hostB", from("hostB", Envelope.newBuilder().setInventory(Inventory.newBuilder()
                .setHostId("hostB").setFacts(FakeAgent.kvm("hostB")))), 0, T0));
        for (String point : List.of(YESTERDAY, LATEST)) {
            feed(core.onEnvelope("hostB", from("hostB", Envelope.newBuilder().setReplicationCommitted(
                    ReplicationCommitted.newBuilder().setGuestId("g-mail").setPointId(point).setTargetHostId("hostB")
                            .setSnapshotTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(
                                    point.equals(LATEST) ? T0.getEpochSecond() - 300
                                            : T0.getEpochSecond() - 86_400)))), 0, T0));
        }
        assertThat(core.state().points("g-mail")).hasSize(2);
    }

    @Test
    void aGuestThatMayStillRunOnItsUpPrimaryIsNotRestoredAndNothingChanges() {
        ManualFailover unknown = core.restoreGuest("g-mail", YESTERDAY, "alice", false, T0);
        assertThat(unknown.conflict()).hasValueSatisfying(why -> assertThat(why)
                .contains("hostA is UP", "has not renewed its lease", "cannot tell"));

        renew("hostA", "g-mail");
        ManualFailover running = core.restoreGuest("g-mail", YESTERDAY, "alice", true, T0);
        assertThat(running.conflict()).hasValueSatisfying(why -> assertThat(why)
                .contains("still runs on host hostA", "two copies never run"));
        assertThat(running.output().records()).isEmpty();
        assertThat(core.state().operations()).isEmpty();
        assertThat(core.state().guest("g-mail").orElseThrow().state()).isEqualTo(GuestState.GUEST_STATE_PROTECTED);
    }

    @Test
    void aPointThatIsNotAVerifiedPointOnTheStandbyIsRefusedNamingIt() {
        renew("hostA");
        ManualFailover unknown = core.restoreGuest("g-mail", "g-mail/20200101T000000Z", "alice", false, T0);
        assertThat(unknown.conflict()).hasValueSatisfying(why -> assertThat(why)
                .contains("g-mail/20200101T000000Z", "not a verified restore point", "hostB"));
        assertThat(core.restoreGuest("nobody", YESTERDAY, "alice", false, T0).conflict())
                .hasValueSatisfying(why -> assertThat(why).contains("nobody", "not protected"));
        assertThat(core.state().operations()).isEmpty();
    }

    @Test
    void aStoppedGuestIsRestoredFromTheChosenPointNotTheLatestAndThePinSurvivesAReplay() {
        renew("hostA");
        ManualFailover restore = core.restoreGuest("g-mail", YESTERDAY, "alice", false, T0.plusSeconds(10));
        assertThat(restore.conflict()).isEmpty();
        assertThat(restore.operationId()).isPresent();
        assertThat(restore.output().records()).filteredOn(JournalRecord::hasFailoverStarted).singleElement()
                .satisfies(r -> {
                    assertThat(r.getFailoverStarted().getGuestIdsList()).containsExactly("g-mail");
                    assertThat(r.getFailoverStarted().getRestorePointId()).isEqualTo(YESTERDAY);
                    assertThat(r.getFailoverStarted().getOperationId()).isEqualTo(restore.operationId().get());
                });
        // The first command is journaled before it leaves (it is in the same output) and materialises yesterday's.
        assertThat(restore.output().commands()).singleElement().satisfies(c -> {
            assertThat(c.hostId()).isEqualTo("hostB");
            assertThat(c.envelope().getMaterialiseRestorePoint().getPointId()).isEqualTo(YESTERDAY);
        });
        assertThat(restore.output().records()).anySatisfy(r -> assertThat(r.getRecoveryStepChanged().getCommand())
                .isEqualTo(restore.output().commands().get(0).envelope()));
        assertThat(core.state().guest("g-mail").orElseThrow().state())
                .isEqualTo(GuestState.GUEST_STATE_FAILING_OVER);

        // A journal cut right after FailoverStarted (the crash before SELECT_POINT): the replayed state still pins
        // yesterday's point, and the planner picks it up rather than the latest.
        journal.addAll(restore.output().records());
        CoordinatorState replayed = new CoordinatorState();
        for (JournalRecord r : journal) {
            replayed.apply(r);
            if (r.hasFailoverStarted()) {
                break;
            }
        }
        FailoverPlanner planner = new FailoverPlanner("c1", new CompatibilityEngine(),
                FailoverPlanner.Settings.defaults());
        assertThat(planner.plan(replayed, new PlannerInput.Tick(T0.plusSeconds(20))).commands()).singleElement()
                .satisfies(c -> assertThat(c.envelope().getMaterialiseRestorePoint().getPointId())
                        .isEqualTo(YESTERDAY));
        // And a snapshot of that state keeps the pin as well.
        CoordinatorState fromSnapshot = new CoordinatorState();
        replayed.toSnapshot().getRecordsList().forEach(fromSnapshot::apply);
        assertThat(planner.plan(fromSnapshot, new PlannerInput.Tick(T0.plusSeconds(20))).commands()).singleElement()
                .satisfies(c -> assertThat(c.envelope().getMaterialiseRestorePoint().getPointId())
                        .isEqualTo(YESTERDAY));

        // A second request is refused: the guest is no longer PROTECTED.
        assertThat(core.restoreGuest("g-mail", LATEST, "alice", false, T0.plusSeconds(30)).conflict())
                .hasValueSatisfying(why -> assertThat(why).contains("FAILING_OVER"));
    }

    @Test
    void aRestoreRunsTheFailoverStepsToFailedOverWithTheRpoOfTheChosenPoint() {
        renew("hostA");
        Instant asked = T0.plusSeconds(10);
        ManualFailover restore = core.restoreGuest("g-mail", YESTERDAY, "alice", false, asked);
        List<io.lifeboat.coordinator.failover.OutboundCommand> sent = new ArrayList<>(restore.output().commands());
        List<JournalRecord> records = new ArrayList<>(restore.output().records());
        for (int i = 0; i < sent.size() && i < 10; i++) {
            Envelope command = sent.get(i).envelope();
            String id = io.lifeboat.coordinator.failover.Commands.commandId(command).orElseThrow();
            CoreOutput out = core.onEnvelope("hostB", from("hostB", Envelope.newBuilder().setCommandResult(
                    io.lifeboat.protocol.v1.CommandResult.newBuilder().setCommandId(id)
                            .setOutcome(io.lifeboat.protocol.v1.CommandOutcome.COMMAND_OUTCOME_SUCCEEDED))),
                    0, asked.plusSeconds(5L * (i + 1)));
            sent.addAll(out.commands());
            records.addAll(out.records());
        }
        assertThat(sent).extracting(c -> c.envelope().getPayloadCase().name())
                .containsExactly("MATERIALISE_RESTORE_POINT", "REGISTER_GUEST", "START_GUEST", "REGISTER_GUEST");
        assertThat(sent).allSatisfy(c -> assertThat(c.hostId()).isEqualTo("hostB"));
        assertThat(records).filteredOn(JournalRecord::hasGuestFailedOver).singleElement().satisfies(r -> {
            assertThat(r.getGuestFailedOver().getPointId()).isEqualTo(YESTERDAY);
            assertThat(r.getGuestFailedOver().getTargetHostId()).isEqualTo("hostB");
            // RPO: what the restore gives up, from yesterday's point to the request; RTO: request to verified start.
            assertThat(r.getGuestFailedOver().getRpo().getSeconds()).isEqualTo(86_400 + 10);
            assertThat(r.getGuestFailedOver().getRto().getSeconds()).isEqualTo(15);
        });
        assertThat(core.state().guest("g-mail").orElseThrow().state()).isEqualTo(GuestState.GUEST_STATE_FAILED_OVER);
        assertThat(core.state().guest("g-mail").orElseThrow().ownerHostId()).isEqualTo("hostB");
    }

    private void renew(String host, String... running) {
        feed(core.onEnvelope(host, from(host, Envelope.newBuilder().setLeaseRenew(LeaseRenew.newBuilder()
                .setHostId(host).setRenewalNumber(1).addAllRunningGuestIds(List.of(running)))), 0, T0));
    }

    private void feed(CoreOutput out) {
        journal.addAll(out.records());
    }

    private static Envelope from(String host, Envelope.Builder e) {
        return e.setSender(host).setMessageId(host + "-" + System.nanoTime()).build();
    }
}
