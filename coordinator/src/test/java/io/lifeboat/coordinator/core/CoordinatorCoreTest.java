package io.lifeboat.coordinator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.lifeboat.coordinator.compat.Compatibility;
import io.lifeboat.coordinator.compat.CompatibilityEngine;
import io.lifeboat.coordinator.failover.FailoverPlanner;
import io.lifeboat.coordinator.health.HostState;
import io.lifeboat.coordinator.health.LeaseTimers;
import io.lifeboat.coordinator.health.VoterPlacement;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.FencingCapability;
import io.lifeboat.protocol.v1.GuestBitness;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.Heartbeat;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HypervisorKind;
import io.lifeboat.protocol.v1.Inventory;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import io.lifeboat.protocol.v1.PeerObservation;
import io.lifeboat.protocol.v1.PlanEntry;
import io.lifeboat.protocol.v1.ProbeResult;
import io.lifeboat.protocol.v1.RecoveryPlanDefined;
import io.lifeboat.protocol.v1.ReplicationCommitted;
import io.lifeboat.protocol.v1.VirtualizationExtension;
import io.lifeboat.protocol.v1.VmdkCreateType;

/** The core fed by hand: an old VMware Server primary that cannot fence itself, protected onto a KVM standby. */
class CoordinatorCoreTest {

    private static final long S = 1_000_000_000L;
    private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");

    private final List<JournalRecord> journal = new ArrayList<>();
    private final CoordinatorCore core = new CoordinatorCore("c1", LeaseTimers.defaults(),
            new VoterPlacement(Map.of("old", "boxOld", "kvm", "boxKvm", "c1", "nas")), Set.of("old", "kvm"),
            new FailoverPlanner("c1", new CompatibilityEngine(), FailoverPlanner.Settings.defaults()),
            new CoordinatorState(), 0);

    private List<CoreOutput> feed(CoreOutput out) {
        journal.addAll(out.records());
        return List.of(out);
    }

    private static HostFacts facts(String id, HypervisorKind kind, String version, VirtualizationExtension ext,
                                   FencingCapability fencing) {
        return HostFacts.newBuilder().setHostId(id).setHypervisorKind(kind).setHypervisorVersion(version)
                .setVirtualizationExtension(ext).setCpu64BitCapable(true).setCpuCount(4).setMemoryBytes(8L << 30)
                .setMemoryFreeBytes(6L << 30).setDatastoreFreeBytes(100L << 30).setFencingCapability(fencing).build();
    }

    private static Envelope from(String host, Envelope.Builder e) {
        return e.setSender(host).setMessageId(host + "-" + System.nanoTime()).build();
    }

    @Test
    void manualOnlyHostIsFailedOverAfterTheAdminConfirmsItIsOff() {
        feed(core.configure(List.of(RecoveryPlanDefined.newBuilder().setName("office").setTargetHostId("kvm")
                .setDestinationDir("/srv/lifeboat").putNetworkMap("bridged", "br0")
                .addEntries(PlanEntry.newBuilder().setGuestId("g-mail")).build()),
                List.of(new GuestProtection("g-mail", "mail", "old", "kvm", "office"))));
        feed(core.start(T0));
        GuestSpec mail = GuestSpec.newBuilder().setName("mail").setBitness(GuestBitness.GUEST_BITNESS_32).setVcpus(1)
                .setMemoryBytes(1L << 30).setVmwareHardwareVersion(7)
                .addDisks(DiskSpec.newBuilder().setPath("/vm/mail/mail.vmdk").setFormat(DiskFormat.DISK_FORMAT_VMDK)
                        .setVmdkCreateType(VmdkCreateType.VMDK_CREATE_TYPE_TWO_GB_MAX_EXTENT_SPARSE)
                        .setCapacityBytes(8L << 30))
                .addNics(NicSpec.newBuilder().setMacAddress("00:0c:29:11:22:33").setModel(NicModel.NIC_MODEL_VMXNET)
                        .setNetwork("bridged")).build();
        feed(core.onEnvelope("old", from("old", Envelope.newBuilder().setInventory(Inventory.newBuilder()
                .setHostId("old").setFacts(facts("old", HypervisorKind.HYPERVISOR_KIND_VMWARE_SERVER, "2.0.2",
                        VirtualizationExtension.VIRTUALIZATION_EXTENSION_NONE,
                        FencingCapability.FENCING_CAPABILITY_NONE)).addGuests(mail))), 0, T0));
        feed(core.onEnvelope("kvm", from("kvm", Envelope.newBuilder().setInventory(Inventory.newBuilder()
                .setHostId("kvm").setFacts(facts("kvm", HypervisorKind.HYPERVISOR_KIND_LIBVIRT_KVM, "9.0.0",
                        VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X,
                        FencingCapability.FENCING_CAPABILITY_SELF_FENCE)))), 0, T0));
        feed(core.onEnvelope("kvm", from("kvm", Envelope.newBuilder().setReplicationCommitted(ReplicationCommitted
                .newBuilder().setGuestId("g-mail").setPointId("g-mail/20261130T095500Z").setTargetHostId("kvm")
                .setSnapshotTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(T0.getEpochSecond() - 300)))),
                0, T0));
        assertThat(core.state().guest("g-mail")).isPresent();
        assertThat(core.verdicts().get("g-mail").compatibility()).isEqualTo(Compatibility.CONVERT);
        assertThat(core.capacity().get("office").fits()).isTrue();

        // "old" goes silent; "kvm" keeps reporting that it does not hear it either, and its probe fails.
        String probeId = null;
        for (long now = 0; now <= 30 * S; now += S / 10) {
            if (now % S == 0) {
                feed(core.onEnvelope("kvm", from("kvm", Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder()
                        .setHostId("kvm").addPeers(PeerObservation.newBuilder().setVoterId("old").setSinceLastHeard(
                                com.google.protobuf.Duration.newBuilder().setSeconds(now / S))))), now, T0));
            }
            CoreOutput out = core.tick(now, T0.plusNanos(now));
            feed(out);
            for (var probe : out.replies()) {
                probeId = probe.envelope().getProbePeerHost().getHeader().getCommandId();
                feed(core.onEnvelope("kvm", from("kvm", Envelope.newBuilder().setCommandResult(CommandResult
                        .newBuilder().setCommandId(probeId).setProbe(ProbeResult.newBuilder().setPeerHostId("old")))),
                        now, T0.plusNanos(now)));
            }
            assertThat(out.commands()).as("no failover before the admin confirms").isEmpty();
        }
        assertThat(probeId).isNotNull();
        assertThat(core.leases().state("old")).isEqualTo(HostState.LOST);
        assertThat(core.leases().notArmedReason("old")).contains("cannot fence itself");
        assertThatThrownBy(() -> core.confirmHostOff("kvm", "admin", 30 * S)).isInstanceOf(IllegalStateException.class);

        feed(core.confirmHostOff("old", "admin", 30 * S));
        List<Envelope> commands = new ArrayList<>();
        for (long now = 30 * S; now <= 32 * S; now += S / 10) {
            feed(core.onEnvelope("kvm", from("kvm", Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder()
                    .setHostId("kvm").addPeers(PeerObservation.newBuilder().setVoterId("old").setSinceLastHeard(
                            com.google.protobuf.Duration.newBuilder().setSeconds(now / S))))), now, T0));
            core.tick(now, T0.plusNanos(now)).commands().forEach(c -> commands.add(c.envelope()));
        }
        assertThat(commands).singleElement().satisfies(e -> {
            assertThat(e.getMaterialiseRestorePoint().getPointId()).isEqualTo("g-mail/20261130T095500Z");
            assertThat(e.getMaterialiseRestorePoint().getTargetFormat()).isEqualTo(DiskFormat.DISK_FORMAT_VMDK);
            assertThat(e.getEpoch()).isEqualTo(1);
        });
        assertThat(journal).anySatisfy(r -> assertThat(r.getHostStateChanged().getReason())
                .isEqualTo("admin admin confirmed the host is off"));
    }

    /** A started core of two libvirt-like hosts, hostA with probe endpoints, and this coordinator on a NAS. */
    private static CoordinatorCore twoHostSite() {
        CoordinatorCore site = new CoordinatorCore("c1", LeaseTimers.defaults(),
                new VoterPlacement(Map.of("hostA", "boxA", "hostB", "boxB", "c1", "nas")), Set.of("hostA", "hostB"),
                new FailoverPlanner("c1", new CompatibilityEngine(), FailoverPlanner.Settings.defaults()),
                new CoordinatorState(), 0);
        site.configure(List.of(), List.of(), List.of(
                new HostEndpoints("hostA", java.util.Optional.of("10.0.0.2:7402"),
                        java.util.Optional.of("qemu+tcp://10.0.0.2/system"), java.util.Optional.of("10.0.0.2:22")),
                new HostEndpoints("hostB", java.util.Optional.of("10.0.0.3:7402"), java.util.Optional.empty(),
                        java.util.Optional.empty())));
        site.start(T0);
        return site;
    }

    @Test
    void aPeerWhoseHeartbeatNoLongerListsTheHostNoLongerVotesForItsLoss() {
        CoordinatorCore site = twoHostSite();
        for (long now = 0; now <= 20 * S; now += S / 10) {
            if (now % S == 0) {
                Heartbeat.Builder hb = Heartbeat.newBuilder().setHostId("hostB");
                if (now <= 11 * S) {
                    hb.addPeers(PeerObservation.newBuilder().setVoterId("hostA")
                            .setSinceLastHeard(com.google.protobuf.Duration.newBuilder().setSeconds(now / S)));
                }
                // From 12 s hostB hears hostA again and leaves it out; only the coordinator still does not hear it.
                site.onEnvelope("hostB", from("hostB", Envelope.newBuilder().setHeartbeat(hb)), now, T0);
            }
            CoreOutput out = site.tick(now, T0.plusNanos(now));
            for (var reply : out.replies()) {
                // The probe reaches hostA's SSH until 12 s, and nothing after: the second signal is there from then.
                site.onEnvelope("hostB", from("hostB", Envelope.newBuilder().setCommandResult(CommandResult
                        .newBuilder().setCommandId(reply.envelope().getProbePeerHost().getHeader().getCommandId())
                        .setProbe(ProbeResult.newBuilder().setPeerHostId("hostA").setSshAnswered(now < 12 * S)))),
                        now, T0.plusNanos(now));
            }
            assertThat(site.leases().state("hostA")).as("at %d ms: hostB's silence report of 11 s was withdrawn",
                    now / 1_000_000).isNotEqualTo(HostState.LOST);
        }
    }

    @Test
    void probesNameThePeersEndpointsAndOnlyAProbeThatReachedNeitherIsTheSecondSignal() {
        CoordinatorCore site = twoHostSite();
        boolean reachable = true;
        List<ProbePeerHostSeen> probes = new ArrayList<>();
        for (long now = 0; now <= 20 * S; now += S / 10) {
            if (now % S == 0) {
                site.onEnvelope("hostB", from("hostB", Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder()
                        .setHostId("hostB").addPeers(PeerObservation.newBuilder().setVoterId("hostA")
                                .setSinceLastHeard(com.google.protobuf.Duration.newBuilder().setSeconds(now / S))))),
                        now, T0);
            }
            CoreOutput out = site.tick(now, T0.plusNanos(now));
            for (var reply : out.replies()) {
                var probe = reply.envelope().getProbePeerHost();
                probes.add(new ProbePeerHostSeen(reply.hostId(), probe.getPeerHostId(), probe.getHypervisorUri(),
                        probe.getSshAddress(), now));
                site.onEnvelope("hostB", from("hostB", Envelope.newBuilder().setCommandResult(CommandResult
                        .newBuilder().setCommandId(probe.getHeader().getCommandId()).setProbe(ProbeResult.newBuilder()
                                .setPeerHostId("hostA").setSshAnswered(reachable)))), now, T0.plusNanos(now));
            }
            if (now == 12 * S) {
                assertThat(site.leases().state("hostA")).as("its SSH still answers").isEqualTo(HostState.SUSPECTED);
                reachable = false;
            }
        }
        assertThat(probes).isNotEmpty().allSatisfy(p -> {
            assertThat(p.prober()).isEqualTo("hostB");
            assertThat(p.peer()).isEqualTo("hostA");
            assertThat(p.hypervisorUri()).isEqualTo("qemu+tcp://10.0.0.2/system");
            assertThat(p.ssh()).isEqualTo("10.0.0.2:22");
        });
        assertThat(probes).anySatisfy(p -> assertThat(p.at()).isGreaterThan(12 * S));
        assertThat(site.leases().state("hostA")).isEqualTo(HostState.LOST);
        assertThat(site.leases().failoverArmed("hostA")).isTrue();
    }

    private record ProbePeerHostSeen(String prober, String peer, String hypervisorUri, String ssh, long at) {
    }

    @Test
    void aBackupTheAgentRefusesFailsAtOnceAndIsRetriedAfterTheBackoff() {
        CoordinatorCore site = new CoordinatorCore("c1", LeaseTimers.defaults(),
                new VoterPlacement(Map.of("hostA", "boxA", "hostB", "boxB", "c1", "nas")), Set.of("hostA", "hostB"),
                new FailoverPlanner("c1", new CompatibilityEngine(), FailoverPlanner.Settings.defaults()),
                new CoordinatorState(), 0);
        site.configure(List.of(RecoveryPlanDefined.newBuilder().setName("office").setTargetHostId("hostB").build()),
                List.of(new GuestProtection("g-mail", "mail", "hostA", "hostB", "office",
                        java.time.Duration.ofSeconds(600))),
                List.of(new HostEndpoints("hostA", java.util.Optional.empty(), java.util.Optional.empty(),
                                java.util.Optional.empty()),
                        new HostEndpoints("hostB", java.util.Optional.of("10.0.0.3:7402"), java.util.Optional.empty(),
                                java.util.Optional.empty())));
        site.start(T0);
        site.onEnvelope("hostA", from("hostA", Envelope.newBuilder().setInventory(Inventory.newBuilder()
                .setHostId("hostA").addGuests(GuestSpec.newBuilder().setName("mail")))), 0, T0);
        site.onEnvelope("hostB", from("hostB", Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder()
                .setHostId("hostB"))), 0, T0);
        List<Envelope> backups = site.tick(0, T0).commands().stream().map(c -> c.envelope()).toList();
        assertThat(backups).singleElement().satisfies(e -> assertThat(e.hasBackupGuest()).isTrue());
        String id = backups.get(0).getBackupGuest().getHeader().getCommandId();

        CoreOutput refused = site.onEnvelope("hostA", from("hostA", Envelope.newBuilder().setCommandAck(
                io.lifeboat.protocol.v1.CommandAck.newBuilder().setCommandId(id).setAccepted(false)
                        .setRefusal(io.lifeboat.protocol.v1.CommandRefusal.COMMAND_REFUSAL_FENCED)
                        .setMessage("host hostA is fenced"))), S, T0.plusSeconds(1));
        assertThat(refused.records()).singleElement().satisfies(r -> {
            assertThat(r.getBackupFinished().getSucceeded()).isFalse();
            assertThat(r.getBackupFinished().getFailure().getCode()).isEqualTo("refused_fenced");
            assertThat(r.getBackupFinished().getFailure().getMessage())
                    .isEqualTo("agent hostA refused command " + id + ": host hostA is fenced");
        });
        assertThat(site.replication(T0.plusSeconds(1)).get("g-mail").inFlightCommandId()).isEmpty();
        assertThat(site.replication(T0.plusSeconds(1)).get("g-mail").nextBackupAt())
                .contains(T0.plusSeconds(31));
    }
}
