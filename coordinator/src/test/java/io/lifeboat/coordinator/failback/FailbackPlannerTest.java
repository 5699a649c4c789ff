package io.lifeboat.coordinator.failback;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;

import org.junit.jupiter.api.Test;

import io.lifeboat.coordinator.compat.CompatibilityEngine;
import io.lifeboat.coordinator.failover.Decision;
import io.lifeboat.coordinator.failover.OutboundCommand;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.BackupResult;
import io.lifeboat.protocol.v1.BootCheck;
import io.lifeboat.protocol.v1.BootCheckKind;
import io.lifeboat.protocol.v1.BootResult;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.DiskAdapter;
import io.lifeboat.protocol.v1.DiskBus;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.EpochStarted;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.FailbackPhase;
import io.lifeboat.protocol.v1.FailbackProgress;
import io.lifeboat.protocol.v1.FailoverStarted;
import io.lifeboat.protocol.v1.Failure;
import io.lifeboat.protocol.v1.GuestBitness;
import io.lifeboat.protocol.v1.GuestFailedOver;
import io.lifeboat.protocol.v1.GuestProtected;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.GuestState;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HostFactsRecorded;
import io.lifeboat.protocol.v1.HostHealth;
import io.lifeboat.protocol.v1.HostStateChanged;
import io.lifeboat.protocol.v1.HypervisorKind;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.MaterialiseResult;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import io.lifeboat.protocol.v1.PlanEntry;
import io.lifeboat.protocol.v1.RecoveryPlanDefined;
import io.lifeboat.protocol.v1.RecoveryStep;
import io.lifeboat.protocol.v1.RecoveryStepChanged;
import io.lifeboat.protocol.v1.RestorePointRecorded;
import io.lifeboat.protocol.v1.StepStatus;
import io.lifeboat.protocol.v1.StopMode;
import io.lifeboat.protocol.v1.VirtualizationExtension;
import io.lifeboat.protocol.v1.VmdkCreateType;

class FailbackPlannerTest {

    private static final long GIB = 1L << 30;
    private static final Instant T0 = Instant.parse("2026-11-30T12:00:00Z");
    private static final String POINT = "dc/20261130T093000Z";

    private final FailbackPlanner planner = new FailbackPlanner("c1", new CompatibilityEngine(),
            Map.of("hostP", "10.0.0.1:7400", "hostS", "10.0.0.2:7400"), FailbackPlanner.Settings.defaults());

    static HostFacts kvm(String hostId) {
        return HostFacts.newBuilder().setHostId(hostId).setHypervisorKind(HypervisorKind.HYPERVISOR_KIND_LIBVIRT_KVM)
                .setHypervisorVersion("9.0.0")
                .setVirtualizationExtension(VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X)
                .setCpu64BitCapable(true).setCpuCount(8).setMemoryBytes(32 * GIB).setMemoryFreeBytes(24 * GIB)
                .setDatastoreFreeBytes(500 * GIB).build();
    }

    static GuestSpec dc() {
        return GuestSpec.newBuilder().setGuestId("dc").setName("dc").setBitness(GuestBitness.GUEST_BITNESS_64)
                .setVcpus(2).setMemoryBytes(2 * GIB).setVmwareHardwareVersion(7)
                .addDisks(DiskSpec.newBuilder().setPath("/vms/dc/dc.vmdk").setFormat(DiskFormat.DISK_FORMAT_VMDK)
                        .setVmdkCreateType(VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE)
                        .setCapacityBytes(8 * GIB).setBus(DiskBus.DISK_BUS_SCSI)
                        .setAdapter(DiskAdapter.DISK_ADAPTER_LSILOGIC).setTarget("sda"))
                .addNics(NicSpec.newBuilder().setMacAddress("00:50:56:00:00:01").setModel(NicModel.NIC_MODEL_VMXNET)
                        .setNetwork("VM Network"))
                .build();
    }

    static JournalRecord health(String hostId, HostHealth to) {
        return JournalRecord.newBuilder().setHostStateChanged(HostStateChanged.newBuilder().setHostId(hostId)
                .setTo(to).setReason("test")).build();
    }

    /** Journal of guest dc, failed over from hostP to hostS from POINT, with hostP UP again. */
    static List<JournalRecord> failedOver() {
        List<JournalRecord> j = new ArrayList<>();
        j.add(JournalRecord.newBuilder().setEpochStarted(EpochStarted.newBuilder().setEpoch(1).setNodeId("c1"))
                .build());
        j.add(JournalRecord.newBuilder().setHostFactsRecorded(HostFactsRecorded.newBuilder().setFacts(kvm("hostP")))
                .build());
        j.add(JournalRecord.newBuilder().setHostFactsRecorded(HostFactsRecorded.newBuilder().setFacts(kvm("hostS")))
                .build());
        j.add(JournalRecord.newBuilder().setRecoveryPlanDefined(RecoveryPlanDefined.newBuilder().setName("office")
                .setTargetHostId("hostS").addEntries(PlanEntry.newBuilder().setGuestId("dc")
                        .setBootCheck(BootCheck.newBuilder().setKind(BootCheckKind.BOOT_CHECK_KIND_SERIAL_MARKER)
                                .setSerialMarker("login:").setTimeout(Timestamps.of(Duration.ofSeconds(60))))))
                .build());
        j.add(JournalRecord.newBuilder().setGuestProtected(GuestProtected.newBuilder().setSpec(dc())
                .setPrimaryHostId("hostP").setStandbyHostId("hostS").setPlan("office")).build());
        j.add(JournalRecord.newBuilder().setRestorePointRecorded(RestorePointRecorded.newBuilder().setGuestId("dc")
                .setPointId(POINT).setStoreHostId("hostS").setVerified(true)
                .setSnapshotTime(Timestamps.of(Instant.parse("2026-11-30T09:30:00Z")))).build());
        j.add(health("hostP", HostHealth.HOST_HEALTH_LOST));
        j.add(JournalRecord.newBuilder().setFailoverStarted(FailoverStarted.newBuilder().setOperationId("failover-1")
                .setLostHostId("hostP").setDeclaredAt(Timestamps.of(T0.minusSeconds(3600))).addGuestIds("dc")).build());
        j.add(JournalRecord.newBuilder().setRecoveryStepChanged(RecoveryStepChanged.newBuilder()
                .setOperationId("failover-1").setGuestId("dc").setStep(RecoveryStep.RECOVERY_STEP_SELECT_POINT)
                .setStatus(StepStatus.STEP_STATUS_COMPLETED).setAttempt(1).setPointId(POINT)).build());
        j.add(JournalRecord.newBuilder().setGuestFailedOver(GuestFailedOver.newBuilder().setOperationId("failover-1")
                .setGuestId("dc").setTargetHostId("hostS").setPointId(POINT)
                .setAt(Timestamps.of(T0.minusSeconds(3590)))).build());
        j.add(health("hostP", HostHealth.HOST_HEALTH_UP));
        return j;
    }

    static CoordinatorState replay(List<JournalRecord> journal) {
        CoordinatorState state = new CoordinatorState();
        journal.forEach(state::apply);
        return state;
    }

    /** One executed command: where, what, and how many copies of dc ran on each host right before it. */
    record Executed(String hostId, Envelope command) {
        Envelope.PayloadCase kind() {
            return command.getPayloadCase();
        }
    }

    /** Two fake agents (hostP, hostS): each command id runs once, dc's running copies are tracked per host. */
    static final class FakeHosts {
        final Map<String, Integer> runs = new HashMap<>();
        final List<Executed> executed = new ArrayList<>();
        final Set<String> runningOn = new HashSet<>(Set.of("hostS"));
        final Set<String> registeredOn = new HashSet<>(Set.of("hostS"));
        BiPredicate<String, Envelope> fail = (h, c) -> false;
        boolean bootVerified = true;
        int maxRunning;

        CommandResult run(String hostId, Envelope command) {
            CommandResult.Builder result = CommandResult.newBuilder()
                    .setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
            String id = switch (command.getPayloadCase()) {
                case BACKUP_GUEST -> command.getBackupGuest().getHeader().getCommandId();
                case REVERSE_REPLICATE -> command.getReverseReplicate().getHeader().getCommandId();
                case STOP_GUEST -> command.getStopGuest().getHeader().getCommandId();
                case MATERIALISE_RESTORE_POINT -> command.getMaterialiseRestorePoint().getHeader().getCommandId();
                case REGISTER_GUEST -> command.getRegisterGuest().getHeader().getCommandId();
                case START_GUEST -> command.getStartGuest().getHeader().getCommandId();
                case UNREGISTER_GUEST -> command.getUnregisterGuest().getHeader().getCommandId();
                default -> throw new AssertionError("unexpected command " + command.getPayloadCase());
            };
            result.setCommandId(id);
            if (fail.test(hostId, command)) {
                return result.setOutcome(CommandOutcome.COMMAND_OUTCOME_FAILED).setFailure(Failure.newBuilder()
                        .setErrorClass(ErrorClass.ERROR_CLASS_PERMANENT).setCode("injected")
                        .setMessage("injected failure of " + command.getPayloadCase() + " on " + hostId)).build();
            }
            boolean first = runs.merge(id, 1, Integer::sum) == 1;
            if (first) {
                executed.add(new Executed(hostId, command));
            }
            switch (command.getPayloadCase()) {
                case BACKUP_GUEST -> result.setBackup(BackupResult.newBuilder().setPointId("dc/20261130T120000Z"));
                case REVERSE_REPLICATE -> result.setBackup(BackupResult.newBuilder().setPointId(
                        command.getReverseReplicate().getFinalDelta() ? "dc/20261130T121000Z" : "dc/20261130T120500Z"));
                case STOP_GUEST -> runningOn.remove(hostId);
                case MATERIALISE_RESTORE_POINT -> result.setMaterialise(MaterialiseResult.newBuilder()
                        .addDisks(DiskSpec.newBuilder().setPath("/var/lib/lifeboat/guests/dc/disk0.vmdk")
                                .setFormat(DiskFormat.DISK_FORMAT_VMDK)
                                .setVmdkCreateType(VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE)));
                case REGISTER_GUEST -> registeredOn.add(hostId);
                case START_GUEST -> {
                    runningOn.add(hostId);
                    maxRunning = Math.max(maxRunning, runningOn.size());
                    result.setBoot(BootResult.newBuilder().setBootVerified(bootVerified));
                }
                case UNREGISTER_GUEST -> registeredOn.remove(hostId);
                default -> {
                }
            }
            return result.build();
        }

        List<String> trace() {
            return executed.stream().map(e -> e.kind() + "@" + e.hostId()).toList();
        }
    }

    /** The journal, the live state and the clock of one driven failback. */
    final class Driver {
        final List<JournalRecord> journal;
        CoordinatorState live;
        final List<OutboundCommand> pending = new ArrayList<>();
        final FakeHosts hosts = new FakeHosts();
        Instant now = T0;

        Driver(List<JournalRecord> journal) {
            this.journal = new ArrayList<>(journal);
            this.live = replay(journal);
        }

        void take(Decision d) {
            journal.addAll(d.records());
            d.records().forEach(live::apply);
            pending.addAll(d.commands());
        }

        void start() {
            take(planner.plan(live, new FailbackInput.Start("dc", "admin", Set.of(), now)));
        }

        /** Delivers one pending command and feeds its result back. */
        void step() {
            OutboundCommand c = pending.remove(0);
            now = now.plusSeconds(2);
            take(planner.plan(live, new FailbackInput.CommandFinished(hosts.run(c.hostId(), c.envelope()), now)));
        }

        void tick() {
            now = now.plusSeconds(1);
            take(planner.plan(live, new FailbackInput.Tick(now)));
        }

        FailbackProgress progress() {
            return live.failbacks().get(live.failbacks().size() - 1);
        }

        /** Runs until the failback is terminal. */
        FailbackProgress settle() {
            for (int i = 0; i < 100 && !FailbackPlanner.terminal(progress()); i++) {
                if (pending.isEmpty()) {
                    tick();
                } else {
                    step();
                }
            }
            assertThat(FailbackPlanner.terminal(progress())).as("failback settled: %s", progress()).isTrue();
            return progress();
        }

        void health(String hostId, HostHealth to) {
            JournalRecord r = FailbackPlannerTest.health(hostId, to);
            journal.add(r);
            live.apply(r);
        }
    }

    @Test
    void happyPathRunsEveryPhaseInOrderAndLeavesTheGuestProtectedOnThePrimary() {
        Driver d = new Driver(failedOver());
        d.start();
        FailbackProgress done = d.settle();

        assertThat(d.hosts.trace()).containsExactly("BACKUP_GUEST@hostP", "REVERSE_REPLICATE@hostS",
                "STOP_GUEST@hostS", "REVERSE_REPLICATE@hostS", "MATERIALISE_RESTORE_POINT@hostP",
                "REGISTER_GUEST@hostP", "START_GUEST@hostP", "UNREGISTER_GUEST@hostS");
        List<Executed> ex = d.hosts.executed;
        assertThat(ex.get(0).command().getBackupGuest().getTarget().getHostId()).isEqualTo("hostP");
        assertThat(ex.get(1).command().getReverseReplicate().getFinalDelta()).isFalse();
        assertThat(ex.get(1).command().getReverseReplicate().getSincePointId()).isEqualTo(POINT);
        assertThat(ex.get(1).command().getReverseReplicate().getTarget().getAddress()).isEqualTo("10.0.0.1:7400");
        assertThat(ex.get(2).command().getStopGuest().getMode()).isEqualTo(StopMode.STOP_MODE_GRACEFUL);
        assertThat(ex.get(3).command().getReverseReplicate().getFinalDelta()).isTrue();
        assertThat(ex.get(4).command().getMaterialiseRestorePoint().getPointId()).isEqualTo("dc/20261130T121000Z");
        assertThat(ex.get(5).command().getRegisterGuest().getTransient()).isFalse();
        assertThat(ex.get(5).command().getRegisterGuest().getDisableAutostart()).isTrue();
        assertThat(ex.get(5).command().getRegisterGuest().getSpec().getNics(0).getMacAddress())
                .isEqualTo("00:50:56:00:00:01");
        assertThat(ex.get(6).command().getStartGuest().getBootMarker()).isEqualTo("login:");
        assertThat(ex.get(7).command().getUnregisterGuest().getDeleteDisks()).isTrue();

        assertThat(done.getPhase()).isEqualTo(FailbackPhase.FAILBACK_PHASE_DONE);
        assertThat(done.getKeptPointId()).isEqualTo("dc/20261130T120000Z");
        // Stop confirmed at +6 s, final delta +8, materialise +10, register +12, boot verified +14: 8 s down.
        assertThat(Timestamps.duration(done.getDowntime())).isEqualTo(Duration.ofSeconds(8));
        assertThat(d.live.guest("dc").orElseThrow().state()).isEqualTo(GuestState.GUEST_STATE_PROTECTED);
        assertThat(d.live.guest("dc").orElseThrow().ownerHostId()).isEqualTo("hostP");
        assertThat(d.hosts.runningOn).containsExactly("hostP");
        assertThat(d.hosts.registeredOn).containsExactly("hostP");
        assertThat(d.hosts.maxRunning).isEqualTo(1);
        // The state of every record on the way names FAILING_BACK until the end.
        assertThat(d.journal.stream().filter(JournalRecord::hasFailbackProgress).map(r -> r.getFailbackProgress())
                .filter(p -> !FailbackPlanner.terminal(p)).map(FailbackProgress::getGuestState))
                .containsOnly(GuestState.GUEST_STATE_FAILING_BACK);
    }

    @Test
    void aGuestOnUserModeNetworkingGoesHomeOnIt() {
        // libvirt reads <interface type='user'> back as the unnamed network; the guest was protected with it.
        List<JournalRecord> journal = new ArrayList<>(failedOver());
        journal.replaceAll(r -> r.hasGuestProtected() ? r.toBuilder().setGuestProtected(r.getGuestProtected()
                .toBuilder().setSpec(dc().toBuilder().setNics(0, dc().getNics(0).toBuilder().setNetwork(""))))
                .build() : r);
        assertThat(planner.check(replay(journal), "dc", Set.of())).isEmpty();

        Driver d = new Driver(journal);
        d.start();
        assertThat(d.settle().getPhase()).isEqualTo(FailbackPhase.FAILBACK_PHASE_DONE);
        Envelope register = d.hosts.executed.stream().map(Executed::command).filter(Envelope::hasRegisterGuest)
                .findFirst().orElseThrow();
        assertThat(register.getRegisterGuest().getSpec().getNics(0).getNetwork()).isEqualTo("user");
    }

    @Test
    void preconditionsRefuseWithTheUnmetOne() {
        CoordinatorState state = replay(failedOver());
        assertThat(planner.check(state, "dc", Set.of())).isEmpty();
        assertThat(planner.check(state, "nope", Set.of()).orElseThrow().code()).isEqualTo("unknown_guest");
        assertThat(planner.check(state, "dc", Set.of("dc")).orElseThrow().message())
                .isEqualTo("guest dc: a copy runs on primary host hostP; stop it there first");

        List<JournalRecord> down = failedOver();
        down.add(health("hostP", HostHealth.HOST_HEALTH_SUSPECTED));
        assertThat(planner.check(replay(down), "dc", Set.of()).orElseThrow().message())
                .isEqualTo("guest dc: primary host hostP is SUSPECTED, not UP");

        List<JournalRecord> protectedOnly = failedOver().subList(0, 6);
        assertThat(planner.check(replay(protectedOnly), "dc", Set.of()).orElseThrow().code())
                .isEqualTo("not_failed_over");

        FailbackPlanner noStore = new FailbackPlanner("c1", new CompatibilityEngine(), Map.of(),
                FailbackPlanner.Settings.defaults());
        assertThat(noStore.check(state, "dc", Set.of()).orElseThrow().code()).isEqualTo("no_primary_store");

        List<JournalRecord> oldPrimary = failedOver();
        oldPrimary.add(JournalRecord.newBuilder().setHostFactsRecorded(HostFactsRecorded.newBuilder()
                .setFacts(kvm("hostP").toBuilder().setCpu64BitCapable(false)
                        .setVirtualizationExtension(VirtualizationExtension.VIRTUALIZATION_EXTENSION_NONE)
                        .setHypervisorKind(HypervisorKind.HYPERVISOR_KIND_VMWARE_SERVER))).build());
        assertThat(planner.check(replay(oldPrimary), "dc", Set.of()).orElseThrow().code()).isEqualTo("incompatible");

        Driver running = new Driver(failedOver());
        running.start();
        assertThat(planner.check(running.live, "dc", Set.of()).orElseThrow().code()).isEqualTo("failback_running");
        assertThat(planner.plan(running.live, new FailbackInput.Start("dc", "admin", Set.of(), T0)).isEmpty())
                .isTrue();

        assertThat(planner.plan(state, new FailbackInput.Start("dc", "admin", Set.of("dc"), T0)).isEmpty()).isTrue();
        assertThat(planner.check(state, "dc", Set.of())).isEmpty();
    }

    @Test
    void thePrimaryDyingBeforeTheSwitchoverRollsBackWithTheGuestStillRunningOnTheStandby() {
        Driver d = new Driver(failedOver());
        d.start();
        d.step(); // keep the primary's state
        d.health("hostP", HostHealth.HOST_HEALTH_SUSPECTED);
        d.tick();
        FailbackProgress end = d.progress();
        assertThat(end.getPhase()).isEqualTo(FailbackPhase.FAILBACK_PHASE_ROLLED_BACK);
        assertThat(end.getFailure().getCode()).isEqualTo("primary_not_up");
        assertThat(d.live.guest("dc").orElseThrow().state()).isEqualTo(GuestState.GUEST_STATE_FAILED_OVER);
        assertThat(d.live.guest("dc").orElseThrow().ownerHostId()).isEqualTo("hostS");
        assertThat(d.hosts.runningOn).containsExactly("hostS");
        assertThat(d.hosts.trace()).doesNotContain("STOP_GUEST@hostS", "START_GUEST@hostP");
    }

    @Test
    void thePrimaryDyingAfterItsStartWaitsForItsFenceBeforeStartingTheStandbyAgain() {
        Driver d = new Driver(failedOver());
        d.start();
        while (d.progress().getPhase() != FailbackPhase.FAILBACK_PHASE_START) {
            d.step();
        }
        d.pending.clear(); // the StartGuest reached hostP, whose result never comes back: hostP died
        d.hosts.runningOn.add("hostP");
        d.health("hostP", HostHealth.HOST_HEALTH_SUSPECTED);
        d.tick();
        assertThat(d.progress().getPhase()).isEqualTo(FailbackPhase.FAILBACK_PHASE_ROLLBACK_STOP_PRIMARY);
        assertThat(d.pending).isEmpty();
        d.tick();
        assertThat(d.pending).isEmpty();
        // The primary's agent fenced itself when its lease ran out; the coordinator declares it LOST.
        d.hosts.runningOn.remove("hostP");
        d.health("hostP", HostHealth.HOST_HEALTH_LOST);
        d.tick();
        assertThat(d.pending).singleElement().satisfies(c -> {
            assertThat(c.hostId()).isEqualTo("hostS");
            assertThat(c.envelope().hasStartGuest()).isTrue();
        });
        FailbackProgress end = d.settle();
        assertThat(end.getPhase()).isEqualTo(FailbackPhase.FAILBACK_PHASE_ROLLED_BACK);
        assertThat(d.hosts.runningOn).containsExactly("hostS");
        assertThat(d.live.guest("dc").orElseThrow().ownerHostId()).isEqualTo("hostS");
        assertThat(d.live.guest("dc").orElseThrow().state()).isEqualTo(GuestState.GUEST_STATE_FAILED_OVER);
    }

    @Test
    void aFailedMaterialiseRestartsTheGuestOnTheStandby() {
        Driver d = new Driver(failedOver());
        d.hosts.fail = (h, c) -> c.hasMaterialiseRestorePoint();
        d.start();
        FailbackProgress end = d.settle();
        assertThat(end.getPhase()).isEqualTo(FailbackPhase.FAILBACK_PHASE_ROLLED_BACK);
        assertThat(end.getFailure().getMessage()).isEqualTo("injected failure of MATERIALISE_RESTORE_POINT on hostP");
        assertThat(d.hosts.trace()).endsWith("STOP_GUEST@hostS", "REVERSE_REPLICATE@hostS", "START_GUEST@hostS");
        assertThat(d.hosts.runningOn).containsExactly("hostS");
        assertThat(d.live.guest("dc").orElseThrow().state()).isEqualTo(GuestState.GUEST_STATE_FAILED_OVER);
    }

    @Test
    void anUnverifiedBootStopsAndUnregistersThePrimaryCopyBeforeTheStandbyStartsAgain() {
        Driver d = new Driver(failedOver());
        d.hosts.bootVerified = false;
        d.start();
        FailbackProgress end = d.settle();
        assertThat(end.getPhase()).isEqualTo(FailbackPhase.FAILBACK_PHASE_ROLLED_BACK);
        assertThat(end.getFailure().getCode()).isEqualTo("boot_not_verified");
        assertThat(d.hosts.trace()).endsWith("START_GUEST@hostP", "STOP_GUEST@hostP", "UNREGISTER_GUEST@hostP",
                "START_GUEST@hostS");
        assertThat(d.hosts.executed.get(d.hosts.executed.size() - 3).command().getStopGuest().getMode())
                .isEqualTo(StopMode.STOP_MODE_HARD);
        assertThat(d.hosts.runningOn).containsExactly("hostS");
        assertThat(d.hosts.registeredOn).containsExactly("hostS");
        assertThat(d.hosts.maxRunning).isEqualTo(1);
    }

    @Test
    void aCoordinatorRestartAfterAnyRecordResumesWithTheSameCommandsAndRunsEachOnce() {
        Driver reference = new Driver(failedOver());
        reference.start();
        reference.settle();
        int base = failedOver().size();
        for (int cut = base + 1; cut <= reference.journal.size(); cut++) {
            // A new coordinator replays the journal up to the cut, starts epoch 2 and resends what is outstanding.
            List<JournalRecord> journal = new ArrayList<>(reference.journal.subList(0, cut));
            journal.add(JournalRecord.newBuilder().setEpochStarted(EpochStarted.newBuilder().setEpoch(2)
                    .setNodeId("c1")).build());
            Driver d = new Driver(journal);
            // The agents already ran what the reference run sent before the cut.
            for (Executed e : reference.hosts.executed) {
                if (sentBefore(reference.journal.subList(0, cut), e.command())) {
                    d.hosts.run(e.hostId(), e.command());
                }
            }
            d.take(planner.plan(d.live, new FailbackInput.Resumed(d.now)));
            FailbackProgress end = d.settle();
            assertThat(end.getPhase()).as("cut %d", cut).isEqualTo(FailbackPhase.FAILBACK_PHASE_DONE);
            assertThat(d.hosts.trace()).as("cut %d", cut).isEqualTo(reference.hosts.trace());
            assertThat(d.hosts.runs.values()).as("cut %d", cut).allMatch(n -> n <= 2);
            assertThat(d.hosts.maxRunning).as("cut %d", cut).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void neverAStartOnThePrimaryBeforeTheStandbysStopIsConfirmed() {
        Driver d = new Driver(failedOver());
        d.hosts.fail = (h, c) -> c.hasStopGuest() && h.equals("hostS");
        d.start();
        FailbackProgress end = d.settle();
        assertThat(end.getPhase()).isEqualTo(FailbackPhase.FAILBACK_PHASE_ROLLED_BACK);
        assertThat(d.hosts.trace()).doesNotContain("START_GUEST@hostP", "REGISTER_GUEST@hostP");
        // In every journaled record, a StartGuest bound for the primary comes after a confirmed standby stop.
        for (JournalRecord r : d.journal) {
            if (r.hasFailbackProgress() && r.getFailbackProgress().hasCommand()
                    && r.getFailbackProgress().getCommand().hasStartGuest()
                    && r.getFailbackProgress().getCommandHostId().equals("hostP")) {
                assertThat(r.getFailbackProgress().hasStandbyStoppedAt()).isTrue();
            }
        }
    }

    @Test
    void snapshotRebuildsTheSameFailbackState() {
        Driver d = new Driver(failedOver());
        d.start();
        d.step();
        d.step();
        CoordinatorState fromSnapshot = new CoordinatorState();
        d.live.toSnapshot().getRecordsList().forEach(fromSnapshot::apply);
        assertThat(fromSnapshot.failbacks()).isEqualTo(d.live.failbacks());
        assertThat(fromSnapshot.guest("dc")).isEqualTo(d.live.guest("dc"));
    }

    private static boolean sentBefore(List<JournalRecord> journal, Envelope command) {
        return journal.stream().filter(JournalRecord::hasFailbackProgress)
                .anyMatch(r -> r.getFailbackProgress().getCommand().equals(command));
    }
}
