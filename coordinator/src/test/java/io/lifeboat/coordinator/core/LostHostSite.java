package io.lifeboat.coordinator.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.lifeboat.coordinator.compat.CompatibilityEngine;
import io.lifeboat.coordinator.failover.FailoverPlanner;
import io.lifeboat.coordinator.health.HostState;
import io.lifeboat.coordinator.health.LeaseTimers;
import io.lifeboat.coordinator.health.VoterPlacement;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.Failure;
import io.lifeboat.protocol.v1.FencingCapability;
import io.lifeboat.protocol.v1.GuestBitness;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.Heartbeat;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HypervisorKind;
import io.lifeboat.protocol.v1.Inventory;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.LeaseRenew;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import io.lifeboat.protocol.v1.PeerObservation;
import io.lifeboat.protocol.v1.ProbeResult;
import io.lifeboat.protocol.v1.RecoveryPlanDefined;
import io.lifeboat.protocol.v1.ReplicationCommitted;
import io.lifeboat.protocol.v1.VirtualizationExtension;
import io.lifeboat.protocol.v1.VmdkCreateType;

/**
 * A two-host site for core tests, driven by a fake clock: hostA runs mail (g-mail), protected onto hostB with one
 * verified point, voters hostA, hostB and coordinator c1; {@link #hostALost} silences hostA until its failover starts.
 * Keeps every record the core returns, as the journal.
 */
final class LostHostSite {

    static final long S = 1_000_000_000L;
    static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");
    static final String URI = "qemu+ssh://root@10.0.0.2/system";

    final List<JournalRecord> journal = new ArrayList<>();

    /** A core over {@code state} at monotonic time {@code nowNanos}. */
    static CoordinatorCore core(CoordinatorState state, long nowNanos) {
        return new CoordinatorCore("c1", LeaseTimers.defaults(),
                new VoterPlacement(Map.of("hostA", "boxA", "hostB", "boxB", "c1", "nas")), Set.of("hostA", "hostB"),
                new FailoverPlanner("c1", new CompatibilityEngine(), FailoverPlanner.Settings.defaults()), state,
                nowNanos);
    }

    /** Adds the output's records to the journal. */
    CoreOutput keep(CoreOutput out) {
        journal.addAll(out.records());
        return out;
    }

    /** The state the journal replays to. */
    CoordinatorState replayed() {
        CoordinatorState state = new CoordinatorState();
        journal.forEach(state::apply);
        return state;
    }

    /** Configures the plan, mail's protection, hostA's probe endpoint {@code hypervisorEndpoint} and hostB's store. */
    CoordinatorCore configured(CoordinatorCore core, String hypervisorEndpoint) {
        keep(core.configure(List.of(RecoveryPlanDefined.newBuilder().setName("office").setTargetHostId("hostB")
                        .setDestinationDir("/srv/lifeboat").putNetworkMap("bridged", "br0").build()),
                List.of(new GuestProtection("g-mail", "mail", "hostA", "hostB", "office")),
                List.of(new HostEndpoints("hostA", Optional.empty(), Optional.of(hypervisorEndpoint),
                                Optional.of("10.0.0.2:22")),
                        new HostEndpoints("hostB", Optional.of("10.0.0.3:7402"), Optional.empty(),
                                Optional.empty()))));
        return core;
    }

    static Envelope from(String host, Envelope.Builder e) {
        return e.setSender(host).setMessageId(host + "-" + System.nanoTime()).build();
    }

    static Envelope heartbeat(String host) {
        return from(host, Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder().setHostId(host)));
    }

    static HostFacts kvm(String id) {
        return HostFacts.newBuilder().setHostId(id).setHypervisorKind(HypervisorKind.HYPERVISOR_KIND_LIBVIRT_KVM)
                .setHypervisorVersion("9.0.0").setVirtualizationExtension(
                        VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X).setCpu64BitCapable(true).setCpuCount(4)
                .setMemoryBytes(8L << 30).setMemoryFreeBytes(6L << 30).setDatastoreFreeBytes(100L << 30)
                .setFencingCapability(FencingCapability.FENCING_CAPABILITY_SELF_FENCE).build();
    }

    /**
     * hostA runs mail, protected onto hostB with a verified point; then hostA goes silent and its probes fail, until
     * the tick that starts its failover (and its fence, when there is a hypervisor URI).
     *
     * @return every tick's output, the last one starting the failover
     */
    List<CoreOutput> hostALost(CoordinatorCore core) {
        keep(core.start(T0));
        GuestSpec mail = GuestSpec.newBuilder().setName("mail").setHypervisorUuid("uuid-mail")
                .setBitness(GuestBitness.GUEST_BITNESS_32).setVcpus(1).setMemoryBytes(1L << 30)
                .addDisks(DiskSpec.newBuilder().setPath("/vm/mail/mail.vmdk").setFormat(DiskFormat.DISK_FORMAT_VMDK)
                        .setVmdkCreateType(VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE)
                        .setCapacityBytes(8L << 30))
                .addNics(NicSpec.newBuilder().setMacAddress("52:54:00:11:22:33").setModel(NicModel.NIC_MODEL_VIRTIO)
                        .setNetwork("bridged")).build();
        keep(core.onEnvelope("hostA", from("hostA", Envelope.newBuilder().setInventory(Inventory.newBuilder()
                .setHostId("hostA").setFacts(kvm("hostA")).addGuests(mail))), 0, T0));
        keep(core.onEnvelope("hostB", from("hostB", Envelope.newBuilder().setInventory(Inventory.newBuilder()
                .setHostId("hostB").setFacts(kvm("hostB")))), 0, T0));
        keep(core.onEnvelope("hostB", from("hostB", Envelope.newBuilder().setReplicationCommitted(ReplicationCommitted
                .newBuilder().setGuestId("g-mail").setPointId("g-mail/20261130T095500Z").setTargetHostId("hostB")
                .setSnapshotTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(T0.getEpochSecond() - 300)))),
                0, T0));
        List<CoreOutput> outputs = new ArrayList<>();
        for (long now = 0; now <= 15 * S; now += S / 10) {
            if (now % S == 0) {
                keep(core.onEnvelope("hostB", from("hostB", Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder()
                        .setHostId("hostB").addPeers(PeerObservation.newBuilder().setVoterId("hostA")
                                .setSinceLastHeard(com.google.protobuf.Duration.newBuilder().setSeconds(now / S))))),
                        now, T0.plusNanos(now)));
            }
            CoreOutput out = keep(core.tick(now, T0.plusNanos(now)));
            outputs.add(out);
            for (var probe : out.replies()) {
                keep(core.onEnvelope("hostB", from("hostB", Envelope.newBuilder().setCommandResult(CommandResult
                        .newBuilder().setCommandId(probe.envelope().getProbePeerHost().getHeader().getCommandId())
                        .setProbe(ProbeResult.newBuilder().setPeerHostId("hostA")))), now, T0.plusNanos(now)));
            }
            if (out.records().stream().anyMatch(JournalRecord::hasFailoverStarted)) {
                break;
            }
        }
        assertThat(core.leases().state("hostA")).isEqualTo(HostState.LOST);
        return outputs;
    }

    /** hostB's store answers the failover's MaterialiseRestorePoint of {@code started}: full, a permanent failure. */
    CoreOutput materialiseFails(CoordinatorCore core, CoreOutput started, long nowNanos) {
        String materialiseId = started.commands().stream().filter(c -> c.envelope().hasMaterialiseRestorePoint())
                .findFirst().orElseThrow().envelope().getMaterialiseRestorePoint().getHeader().getCommandId();
        return keep(core.onEnvelope("hostB", from("hostB", Envelope.newBuilder().setCommandResult(CommandResult
                .newBuilder().setCommandId(materialiseId).setOutcome(CommandOutcome.COMMAND_OUTCOME_FAILED)
                .setFailure(Failure.newBuilder().setErrorClass(ErrorClass.ERROR_CLASS_PERMANENT).setCode("no_space")
                        .setMessage("datastore /srv/lifeboat on hostB is full")))), nowNanos,
                T0.plusNanos(nowNanos)));
    }

    /** {@code host} renews its lease at {@code nowNanos}, reporting {@code running} as the guests it runs. */
    CoreOutput renew(CoordinatorCore core, String host, long nowNanos, String... running) {
        return keep(core.onEnvelope(host, from(host, Envelope.newBuilder().setLeaseRenew(LeaseRenew.newBuilder()
                .setHostId(host).setRenewalNumber(nowNanos / S).addAllRunningGuestIds(List.of(running)))), nowNanos,
                T0.plusNanos(nowNanos)));
    }
}
