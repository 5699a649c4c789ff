package io.lifeboat.coordinator.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.lifeboat.coordinator.health.LeaseTimers;
import io.lifeboat.coordinator.health.VoterPlacement;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.BootCheck;
import io.lifeboat.protocol.v1.BootCheckKind;
import io.lifeboat.protocol.v1.DiskAdapter;
import io.lifeboat.protocol.v1.DiskBus;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.FencingCapability;
import io.lifeboat.protocol.v1.GuestBitness;
import io.lifeboat.protocol.v1.GuestProtected;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HostFactsRecorded;
import io.lifeboat.protocol.v1.HypervisorKind;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import io.lifeboat.protocol.v1.PlanEntry;
import io.lifeboat.protocol.v1.RecoveryPlanDefined;
import io.lifeboat.protocol.v1.RestorePointRecorded;
import io.lifeboat.protocol.v1.VirtualizationExtension;
import io.lifeboat.protocol.v1.VmdkCreateType;

/**
 * A simulated two-host site (hostP runs guests g1 and g2, hostS is their standby, coordinator c1 on a third box)
 * on one fake clock, with the invariants checked after every event: I1 (at most one running production copy of each
 * guest), I3 (no agent executes a command with an epoch older than one it was shown), I4 (every failover command an
 * agent executes was journaled first).
 */
final class SimWorld {

    static final long MS = 1_000_000L;
    static final long S = 1_000 * MS;
    static final List<String> GUESTS = List.of("g1", "g2");

    final long seed;
    final SimScheduler scheduler = new SimScheduler();
    final Random random;
    final SimNetwork network;
    final Map<String, SimHost> hosts = new HashMap<>();
    final SimAgent agentP;
    final SimAgent agentS;
    final SimCoordinator coordinator;
    final List<String> violations = new ArrayList<>();
    final List<String> timeline = new ArrayList<>();
    private final Map<String, Long> maxEpochDelivered = new HashMap<>();

    SimWorld(long seed, SimOptions options, double loss, double duplication, long maxDelayNanos) {
        this.seed = seed;
        this.random = new Random(seed);
        this.network = new SimNetwork(scheduler, new Random(seed * 31 + 7), loss, duplication, maxDelayNanos);
        LeaseTimers timers = LeaseTimers.defaults();
        hosts.put("hostP", new SimHost("hostP", scheduler));
        hosts.put("hostS", new SimHost("hostS", scheduler));
        agentP = new SimAgent("hostP", List.of("hostS", "c1"), "c1", scheduler, network, this, timers, options);
        agentS = new SimAgent("hostS", List.of("hostP", "c1"), "c1", scheduler, network, this, timers, options);
        coordinator = new SimCoordinator("c1", List.of("hostP", "hostS"),
                new VoterPlacement(Map.of("hostP", "boxP", "hostS", "boxS", "c1", "nas")), scheduler, network, timers);
        coordinator.seed(site());
        for (String g : GUESTS) {
            hosts.get("hostP").start(g);
        }
        agentP.bootWithLease();
        agentS.bootWithLease();
        coordinator.start();
    }

    /** Random-fault world: the seed decides the network and the fault schedule. */
    static SimWorld randomFaults(long seed, SimOptions options) {
        Random r = new Random(seed ^ 0x5DEECE66DL);
        SimWorld w = new SimWorld(seed, options, r.nextDouble() * 0.2, r.nextDouble() * 0.1,
                (1 + r.nextInt(200)) * MS);
        w.scheduleRandomFaults(r);
        return w;
    }

    SimHost host(String hostId) {
        return hosts.get(hostId);
    }

    SimAgent agent(String hostId) {
        return hostId.equals("hostP") ? agentP : agentS;
    }

    private static List<JournalRecord> site() {
        List<JournalRecord> records = new ArrayList<>();
        for (String h : List.of("hostP", "hostS")) {
            records.add(JournalRecord.newBuilder().setHostFactsRecorded(HostFactsRecorded.newBuilder().setFacts(
                    HostFacts.newBuilder().setHostId(h).setHypervisorKind(HypervisorKind.HYPERVISOR_KIND_LIBVIRT_KVM)
                            .setHypervisorVersion("9.0.0").setCpu64BitCapable(true).setCpuCount(8)
                            .setVirtualizationExtension(VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X)
                            .setMemoryBytes(32L << 30).setMemoryFreeBytes(24L << 30).setDatastoreFreeBytes(500L << 30)
                            .setFencingCapability(FencingCapability.FENCING_CAPABILITY_SELF_FENCE))).build());
        }
        RecoveryPlanDefined.Builder plan = RecoveryPlanDefined.newBuilder().setName("office").setTargetHostId("hostS")
                .setDestinationDir("/srv/lifeboat").putNetworkMap("lan", "lan");
        for (int i = 0; i < GUESTS.size(); i++) {
            plan.addEntries(PlanEntry.newBuilder().setGuestId(GUESTS.get(i)).setPriorityGroup(i)
                    .setStartDelay(Timestamps.of(Duration.ofSeconds(i)))
                    .setBootCheck(BootCheck.newBuilder().setKind(BootCheckKind.BOOT_CHECK_KIND_SERIAL_MARKER)
                            .setSerialMarker("lifeboat-boot-ok").setTimeout(Timestamps.of(Duration.ofSeconds(20)))));
        }
        records.add(JournalRecord.newBuilder().setRecoveryPlanDefined(plan).build());
        for (int i = 0; i < GUESTS.size(); i++) {
            String g = GUESTS.get(i);
            GuestSpec spec = GuestSpec.newBuilder().setGuestId(g).setName(g).setBitness(GuestBitness.GUEST_BITNESS_32)
                    .setVcpus(1).setMemoryBytes(1L << 30)
                    .addDisks(DiskSpec.newBuilder().setPath("/vms/" + g + "/" + g + ".vmdk")
                            .setFormat(DiskFormat.DISK_FORMAT_VMDK)
                            .setVmdkCreateType(VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE)
                            .setCapacityBytes(1L << 30).setBus(DiskBus.DISK_BUS_IDE)
                            .setAdapter(DiskAdapter.DISK_ADAPTER_IDE))
                    .addNics(NicSpec.newBuilder().setMacAddress(String.format("00:50:56:00:00:%02x", i + 1))
                            .setModel(NicModel.NIC_MODEL_E1000).setNetwork("lan"))
                    .build();
            records.add(JournalRecord.newBuilder().setGuestProtected(GuestProtected.newBuilder().setSpec(spec)
                    .setPrimaryHostId("hostP").setStandbyHostId("hostS").setPlan("office")).build());
            records.add(JournalRecord.newBuilder().setRestorePointRecorded(RestorePointRecorded.newBuilder()
                    .setGuestId(g).setPointId(g + "/20261130T095500Z").setStoreHostId("hostS")
                    .setSnapshotTime(Timestamps.of(Instant.parse("2026-11-30T09:55:00Z"))).setVerified(true)).build());
        }
        return records;
    }

    /** The seed picks which faults happen and when, over the first 60 simulated seconds. */
    private void scheduleRandomFaults(Random r) {
        if (r.nextBoolean()) {
            long at = (5 + r.nextInt(25)) * S;
            at(at, "kill hostP", agentP::killHost);
            if (r.nextBoolean()) {
                at(at + (10 + r.nextInt(30)) * S, "restart hostP", () -> {
                    host("hostP").powerOn();
                    agentP.bootHost();
                });
            }
        }
        int partitions = r.nextInt(3);
        for (int i = 0; i < partitions; i++) {
            long at = (2 + r.nextInt(40)) * S;
            long length = (1 + r.nextInt(30)) * S;
            int kind = r.nextInt(4);
            List<String[]> links = switch (kind) {
                case 0 -> List.of(new String[] {"hostP", "hostS"}, new String[] {"hostP", "c1"});
                case 1 -> List.<String[]>of(new String[] {"hostP", "c1"});
                case 2 -> List.<String[]>of(new String[] {"hostP", "hostS"});
                default -> List.of(new String[] {"hostS", "hostP"}, new String[] {"hostS", "c1"});
            };
            String what = switch (kind) {
                case 0 -> "isolate hostP";
                case 1 -> "cut hostP-c1";
                case 2 -> "cut hostP-hostS";
                default -> "isolate hostS";
            };
            at(at, what + " for " + length / S + " s", () -> links.forEach(l -> network.cut(l[0], l[1])));
            at(at + length, "heal " + what, () -> links.forEach(l -> network.heal(l[0], l[1])));
        }
        int agentRestarts = r.nextInt(3);
        for (int i = 0; i < agentRestarts; i++) {
            SimAgent agent = r.nextBoolean() ? agentP : agentS;
            long at = (2 + r.nextInt(50)) * S;
            long down = (500 + r.nextInt(3500)) * MS;
            at(at, "stop agent " + agent.hostId, () -> {
                if (host(agent.hostId).alive()) {
                    agent.stopProcess();
                }
            });
            at(at + down, "start agent " + agent.hostId, () -> {
                if (host(agent.hostId).alive()) {
                    agent.startProcess();
                }
            });
        }
        int coordinatorRestarts = r.nextInt(3);
        for (int i = 0; i < coordinatorRestarts; i++) {
            long at = (2 + r.nextInt(50)) * S + i * 15 * S;
            long down = (1 + r.nextInt(10)) * S;
            at(at, "crash coordinator", coordinator::crash);
            at(at + down, "restart coordinator (replay journal)", coordinator::start);
        }
    }

    void at(long atNanos, String what, Runnable action) {
        scheduler.schedule(atNanos - scheduler.nowNanos(), () -> {
            timeline.add(String.format("%7.3f s %s", scheduler.nowNanos() / 1e9, what));
            action.run();
        });
    }

    /** Runs until {@code endNanos}, checking I1 after every event; returns this. */
    SimWorld runUntil(long endNanos) {
        scheduler.runUntil(endNanos, this::checkI1);
        return this;
    }

    private void checkI1() {
        for (String g : GUESTS) {
            List<String> on = hosts.values().stream().filter(h -> h.alive() && h.running().contains(g))
                    .map(h -> h.hostId).sorted().toList();
            if (on.size() > 1) {
                violation("I1: guest " + g + " runs on " + on);
            }
        }
    }

    void commandExecuted(String hostId, Envelope e) {
        long shown = maxEpochDelivered.getOrDefault(hostId, 0L);
        timeline.add(String.format("%7.3f s %s executes %s of epoch %d (shown %d)", scheduler.nowNanos() / 1e9,
                hostId, e.getPayloadCase(), e.getEpoch(), shown));
        if (e.getEpoch() < shown) {
            violation("I3: " + hostId + " executed " + e.getPayloadCase() + " " + commandId(e) + " of epoch "
                    + e.getEpoch() + " after being shown epoch " + shown);
        }
        if (!e.hasProbePeerHost() && !coordinator.journalHasCommand(commandId(e))) {
            violation("I4: " + hostId + " executed " + e.getPayloadCase() + " " + commandId(e)
                    + " that is not in the coordinator's journal");
        }
    }

    /** Notes every coordinator envelope an agent process received (the epochs it has been shown). */
    void shown(String hostId, Envelope e) {
        maxEpochDelivered.merge(hostId, e.getEpoch(), Math::max);
    }

    private void violation(String what) {
        if (violations.size() < 20) {
            violations.add(String.format("seed %d at %.3f s: %s", seed, scheduler.nowNanos() / 1e9, what));
        }
    }

    CoordinatorState journalState() {
        return coordinator.replayed();
    }

    static String commandId(Envelope e) {
        return switch (e.getPayloadCase()) {
            case MATERIALISE_RESTORE_POINT -> e.getMaterialiseRestorePoint().getHeader().getCommandId();
            case REGISTER_GUEST -> e.getRegisterGuest().getHeader().getCommandId();
            case START_GUEST -> e.getStartGuest().getHeader().getCommandId();
            case PROBE_PEER_HOST -> e.getProbePeerHost().getHeader().getCommandId();
            default -> throw new IllegalArgumentException("not a command: " + e.getPayloadCase());
        };
    }

    String report() {
        return "seed " + seed + "\nviolations: " + violations + "\ntimeline:\n  " + String.join("\n  ", timeline);
    }
}
