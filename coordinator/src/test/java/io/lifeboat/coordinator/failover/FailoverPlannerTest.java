package io.lifeboat.coordinator.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.lifeboat.coordinator.compat.CompatibilityEngine;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.GuestRecovery;
import io.lifeboat.coordinator.state.Timestamps;
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
import io.lifeboat.protocol.v1.Failure;
import io.lifeboat.protocol.v1.GuestBitness;
import io.lifeboat.protocol.v1.GuestProtected;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.GuestState;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HostFactsRecorded;
import io.lifeboat.protocol.v1.HypervisorKind;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.MaterialiseResult;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import io.lifeboat.protocol.v1.PlanEntry;
import io.lifeboat.protocol.v1.RecoveryPlanDefined;
import io.lifeboat.protocol.v1.RecoveryStep;
import io.lifeboat.protocol.v1.RestorePointRecorded;
import io.lifeboat.protocol.v1.StepStatus;
import io.lifeboat.protocol.v1.VirtualizationExtension;
import io.lifeboat.protocol.v1.VmdkCreateType;

class FailoverPlannerTest {

    private static final long GIB = 1L << 30;
    private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");

    private final FailoverPlanner planner = new FailoverPlanner("c1", new CompatibilityEngine(),
            FailoverPlanner.Settings.defaults());

    static HostFacts kvm(String hostId, VirtualizationExtension ext) {
        return HostFacts.newBuilder().setHostId(hostId).setHypervisorKind(HypervisorKind.HYPERVISOR_KIND_LIBVIRT_KVM)
                .setHypervisorVersion("9.0.0").setVirtualizationExtension(ext).setCpu64BitCapable(true).setCpuCount(8)
                .setMemoryBytes(32 * GIB).setMemoryFreeBytes(24 * GIB).setDatastoreFreeBytes(500 * GIB).build();
    }

    static GuestSpec guest(String id, String mac, VmdkCreateType createType) {
        return GuestSpec.newBuilder().setGuestId(id).setName(id).setBitness(GuestBitness.GUEST_BITNESS_64)
                .setVcpus(2).setMemoryBytes(2 * GIB).setVmwareHardwareVersion(7)
                .addDisks(DiskSpec.newBuilder().setPath("/vms/" + id + "/" + id + ".vmdk")
                        .setFormat(DiskFormat.DISK_FORMAT_VMDK).setVmdkCreateType(createType)
                        .setCapacityBytes(8 * GIB).setBus(DiskBus.DISK_BUS_SCSI)
                        .setAdapter(DiskAdapter.DISK_ADAPTER_LSILOGIC).setTarget("sda"))
                .addNics(NicSpec.newBuilder().setMacAddress(mac).setModel(NicModel.NIC_MODEL_VMXNET)
                        .setNetwork("VM Network"))
                .build();
    }

    static JournalRecord point(String guestId, String stamp, boolean verified) {
        return JournalRecord.newBuilder().setRestorePointRecorded(RestorePointRecorded.newBuilder()
                .setGuestId(guestId).setPointId(guestId + "/" + stamp).setStoreHostId("hostS")
                .setSnapshotTime(Timestamps.of(Instant.parse(stamp.substring(0, 4) + "-" + stamp.substring(4, 6) + "-"
                        + stamp.substring(6, 11) + ":" + stamp.substring(11, 13) + ":" + stamp.substring(13, 15) + "Z")))
                .setVerified(verified)).build();
    }

    /** Journal of a two-host office: dc (group 0, serial marker) before mail (group 1, 5 s delay), web not in plan. */
    static List<JournalRecord> office(VirtualizationExtension standbyExt) {
        List<JournalRecord> journal = new ArrayList<>();
        journal.add(JournalRecord.newBuilder().setEpochStarted(EpochStarted.newBuilder().setEpoch(1).setNodeId("c1"))
                .build());
        journal.add(JournalRecord.newBuilder().setHostFactsRecorded(HostFactsRecorded.newBuilder()
                .setFacts(kvm("hostP", VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X))).build());
        journal.add(JournalRecord.newBuilder().setHostFactsRecorded(HostFactsRecorded.newBuilder()
                .setFacts(kvm("hostS", standbyExt))).build());
        journal.add(JournalRecord.newBuilder().setRecoveryPlanDefined(RecoveryPlanDefined.newBuilder()
                .setName("office").setTargetHostId("hostS").setDestinationDir("/srv/lifeboat")
                .putNetworkMap("VM Network", "br0")
                .addEntries(PlanEntry.newBuilder().setGuestId("mail").setPriorityGroup(1)
                        .setStartDelay(Timestamps.of(Duration.ofSeconds(5)))
                        .setBootCheck(BootCheck.newBuilder().setKind(BootCheckKind.BOOT_CHECK_KIND_RUNNING_STATE)))
                .addEntries(PlanEntry.newBuilder().setGuestId("dc").setPriorityGroup(0)
                        .setBootCheck(BootCheck.newBuilder().setKind(BootCheckKind.BOOT_CHECK_KIND_SERIAL_MARKER)
                                .setSerialMarker("login:").setTimeout(Timestamps.of(Duration.ofSeconds(60))))))
                .build());
        for (GuestSpec g : List.of(guest("dc", "00:50:56:00:00:01", VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE),
                guest("mail", "00:0c:29:aa:bb:cc", VmdkCreateType.VMDK_CREATE_TYPE_STREAM_OPTIMIZED),
                guest("web", "00:50:56:00:00:03", VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE))) {
            journal.add(JournalRecord.newBuilder().setGuestProtected(GuestProtected.newBuilder().setSpec(g)
                    .setPrimaryHostId("hostP").setStandbyHostId("hostS").setPlan("office")).build());
        }
        journal.add(point("dc", "20261130T093000Z", true));
        journal.add(point("dc", "20261130T094500Z", true));
        journal.add(point("dc", "20261130T095500Z", false));
        journal.add(point("mail", "20261130T095000Z", true));
        journal.add(point("web", "20261130T095000Z", true));
        return journal;
    }

    static CoordinatorState replay(List<JournalRecord> journal) {
        CoordinatorState state = new CoordinatorState();
        journal.forEach(state::apply);
        return state;
    }

    /** A standby agent that runs each command id once and answers every command successfully. */
    static final class FakeStandby {
        final Map<String, Integer> runs = new HashMap<>();
        final List<Envelope> executed = new ArrayList<>();
        final Set<String> running = new HashSet<>();

        CommandResult run(Envelope command) {
            String id;
            CommandResult.Builder result = CommandResult.newBuilder().setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
            switch (command.getPayloadCase()) {
                case MATERIALISE_RESTORE_POINT -> {
                    id = command.getMaterialiseRestorePoint().getHeader().getCommandId();
                    result.setMaterialise(MaterialiseResult.newBuilder().setBytesWritten(8 * GIB)
                            .addDisks(DiskSpec.newBuilder().setPath(command.getMaterialiseRestorePoint()
                                    .getDestinationDir() + "/disk0.qcow2").setFormat(DiskFormat.DISK_FORMAT_QCOW2)));
                }
                case REGISTER_GUEST -> id = command.getRegisterGuest().getHeader().getCommandId();
                case START_GUEST -> {
                    id = command.getStartGuest().getHeader().getCommandId();
                    if (runs.getOrDefault(id, 0) == 0) {
                        running.add(command.getStartGuest().getGuestId());
                    }
                    result.setBoot(BootResult.newBuilder().setBootVerified(true));
                }
                default -> throw new AssertionError("unexpected command " + command.getPayloadCase());
            }
            if (runs.merge(id, 1, Integer::sum) == 1) {
                executed.add(command);
            }
            return result.setCommandId(id).build();
        }
    }

    /** Journals each decision, then delivers its commands and feeds the results back, until nothing is left. */
    private Instant drive(List<JournalRecord> journal, FakeStandby standby, Decision first, Instant start) {
        List<OutboundCommand> pending = new ArrayList<>();
        CoordinatorState live = replay(journal);
        journal.addAll(first.records());
        first.records().forEach(live::apply);
        pending.addAll(first.commands());
        Instant now = start;
        for (int rounds = 0; rounds < 200; rounds++) {
            Decision next;
            if (pending.isEmpty()) {
                now = now.plusSeconds(1);
                next = planner.plan(live, new PlannerInput.Tick(now));
                if (next.isEmpty() && live.operations().stream().allMatch(op -> op.finished()
                        && op.guests().values().stream().allMatch(r -> r.status() != StepStatus.STEP_STATUS_STARTED))) {
                    return now;
                }
            } else {
                OutboundCommand command = pending.remove(0);
                assertThat(command.hostId()).isEqualTo("hostS");
                now = now.plusSeconds(2);
                CommandResult result = standby.run(command.envelope());
                next = planner.plan(live, new PlannerInput.CommandFinished(result, now));
            }
            journal.addAll(next.records());
            next.records().forEach(live::apply);
            pending.addAll(next.commands());
        }
        throw new AssertionError("failover did not settle; last records: "
                + journal.subList(Math.max(0, journal.size() - 4), journal.size()));
    }

    @Test
    void guestsFailOverInPlanOrderWithPinnedPointsSameMacsAndAchievedRpoRto() {
        List<JournalRecord> journal = new ArrayList<>(office(VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X));
        Decision first = planner.plan(replay(journal), new PlannerInput.RecoveryDue("hostP", T0));
        assertThat(first.records().get(0).getFailoverStarted().getGuestIdsList()).containsExactly("dc", "mail", "web");
        assertThat(first.commands()).singleElement().satisfies(c -> {
            assertThat(c.envelope().getMaterialiseRestorePoint().getPointId()).isEqualTo("dc/20261130T094500Z");
            assertThat(c.envelope().getEpoch()).isEqualTo(1);
            assertThat(c.envelope().getMaterialiseRestorePoint().getHeader().getEpoch()).isEqualTo(1);
        });
        FakeStandby standby = new FakeStandby();
        drive(journal, standby, first, T0);

        CoordinatorState end = replay(journal);
        assertThat(end.guests().values()).allSatisfy(g -> {
            assertThat(g.state()).isEqualTo(GuestState.GUEST_STATE_FAILED_OVER);
            assertThat(g.ownerHostId()).isEqualTo("hostS");
        });
        List<String> order = standby.executed.stream().map(e -> e.getPayloadCase() + " " + switch (e.getPayloadCase()) {
            case MATERIALISE_RESTORE_POINT -> e.getMaterialiseRestorePoint().getGuestId();
            case REGISTER_GUEST -> e.getRegisterGuest().getSpec().getGuestId()
                    + (e.getRegisterGuest().getTransient() ? " transient" : " persistent");
            case START_GUEST -> e.getStartGuest().getGuestId();
            default -> "?";
        }).toList();
        assertThat(order).containsExactly(
                "MATERIALISE_RESTORE_POINT dc", "REGISTER_GUEST dc transient", "START_GUEST dc",
                "REGISTER_GUEST dc persistent", "MATERIALISE_RESTORE_POINT mail", "REGISTER_GUEST mail transient",
                "START_GUEST mail", "REGISTER_GUEST mail persistent",
                // web is in no plan entry: it goes last, after mail.
                "MATERIALISE_RESTORE_POINT web", "REGISTER_GUEST web transient", "START_GUEST web",
                "REGISTER_GUEST web persistent");
        Envelope registerMail = standby.executed.stream().filter(e -> e.hasRegisterGuest()
                && e.getRegisterGuest().getSpec().getGuestId().equals("mail")).findFirst().orElseThrow();
        assertThat(registerMail.getRegisterGuest().getSpec().getNics(0).getMacAddress()).isEqualTo("00:0c:29:aa:bb:cc");
        assertThat(registerMail.getRegisterGuest().getSpec().getNics(0).getModel()).isEqualTo(NicModel.NIC_MODEL_E1000);
        assertThat(registerMail.getRegisterGuest().getSpec().getNics(0).getNetwork()).isEqualTo("br0");
        assertThat(registerMail.getRegisterGuest().getDisableAutostart()).isTrue();
        Envelope startDc = standby.executed.stream().filter(Envelope::hasStartGuest).findFirst().orElseThrow();
        assertThat(startDc.getStartGuest().getBootMarker()).isEqualTo("login:");

        var dcFailedOver = journal.stream().filter(JournalRecord::hasGuestFailedOver).map(JournalRecord::getGuestFailedOver)
                .filter(f -> f.getGuestId().equals("dc")).findFirst().orElseThrow();
        assertThat(Timestamps.duration(dcFailedOver.getRpo())).isEqualTo(Duration.ofMinutes(15));
        assertThat(Timestamps.duration(dcFailedOver.getRto())).isEqualTo(Duration.ofSeconds(6));
        // mail (group 1) starts only after dc is verified plus its 5 s start delay.
        Instant dcVerified = Timestamps.instant(dcFailedOver.getAt());
        Instant mailPinned = journal.stream().filter(JournalRecord::hasRecoveryStepChanged)
                .map(JournalRecord::getRecoveryStepChanged)
                .filter(s -> s.getGuestId().equals("mail") && s.getStep() == RecoveryStep.RECOVERY_STEP_SELECT_POINT)
                .map(s -> Timestamps.instant(s.getAt())).findFirst().orElseThrow();
        assertThat(Duration.between(dcVerified, mailPinned)).isGreaterThanOrEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aCoordinatorCrashAfterAnyRecordResumesWithTheSameCommandsAndRunsEachOnce() {
        List<JournalRecord> reference = new ArrayList<>(office(VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X));
        int base = reference.size();
        drive(reference, new FakeStandby(), planner.plan(replay(reference), new PlannerInput.RecoveryDue("hostP", T0)), T0);
        int total = reference.size();
        for (int cut = base; cut <= total; cut++) {
            List<JournalRecord> journal = new ArrayList<>(reference.subList(0, cut));
            FakeStandby standby = new FakeStandby();
            // Everything in the journal prefix was sent before the crash: the standby ran those commands.
            journal.stream().filter(r -> r.hasRecoveryStepChanged() && r.getRecoveryStepChanged().hasCommand())
                    .forEach(r -> standby.run(r.getRecoveryStepChanged().getCommand()));
            journal.add(JournalRecord.newBuilder().setEpochStarted(EpochStarted.newBuilder().setEpoch(2)
                    .setNodeId("c1")).build());
            Instant restart = T0.plusSeconds(600);
            Decision resumed = planner.plan(replay(journal), new PlannerInput.Resumed(restart));
            assertThat(resumed.commands()).allSatisfy(c -> assertThat(c.envelope().getEpoch()).isEqualTo(2));
            if (cut == base) {
                resumed = planner.plan(replay(journal), new PlannerInput.RecoveryDue("hostP", restart));
            }
            drive(journal, standby, resumed, restart);
            CoordinatorState end = replay(journal);
            assertThat(end.guests().values()).as("crash after record %d", cut)
                    .allSatisfy(g -> assertThat(g.state()).isEqualTo(GuestState.GUEST_STATE_FAILED_OVER));
            assertThat(standby.runs.values()).as("crash after record %d", cut).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(2));
            assertThat(standby.executed.stream().filter(Envelope::hasStartGuest).map(e -> e.getStartGuest().getGuestId()))
                    .as("crash after record %d", cut).doesNotHaveDuplicates();
            assertThat(end.operations()).hasSize(1);
        }
    }

    @Test
    void noVerifiedPointAbandonsTheGuestAndTheNextGroupGoesOn() {
        List<JournalRecord> journal = new ArrayList<>(office(VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X));
        journal.removeIf(r -> r.hasRestorePointRecorded() && r.getRestorePointRecorded().getGuestId().equals("dc"));
        Decision first = planner.plan(replay(journal), new PlannerInput.RecoveryDue("hostP", T0));
        assertThat(first.records()).anySatisfy(r -> assertThat(r.getGuestRecoveryAbandoned().getFailure().getMessage())
                .isEqualTo("guest dc: no verified restore point on host hostS"));
        assertThat(first.commands()).isEmpty();
        Decision later = planner.plan(replay(concat(journal, first.records())), new PlannerInput.Tick(T0.plusSeconds(5)));
        assertThat(later.commands()).extracting(c -> c.envelope().getMaterialiseRestorePoint().getGuestId())
                .containsExactly("mail");
    }

    @Test
    void aRefusedVerdictAbandonsWithTheEnginesReason() {
        List<JournalRecord> journal = new ArrayList<>(office(VirtualizationExtension.VIRTUALIZATION_EXTENSION_NONE));
        Decision first = planner.plan(replay(journal), new PlannerInput.RecoveryDue("hostP", T0));
        assertThat(first.records()).anySatisfy(r -> assertThat(r.getGuestRecoveryAbandoned().getFailure().getMessage())
                .contains("guest dc on host hostS (KVM): 64-bit guest needs VT-x or AMD-V"));
    }

    @Test
    void aRefusedGuestWithoutAnyPointIsAbandonedWithTheRefusalNotTheMissingPoint() {
        List<JournalRecord> journal = new ArrayList<>(office(VirtualizationExtension.VIRTUALIZATION_EXTENSION_NONE));
        journal.removeIf(JournalRecord::hasRestorePointRecorded);
        Decision first = planner.plan(replay(journal), new PlannerInput.RecoveryDue("hostP", T0));
        assertThat(first.records()).filteredOn(JournalRecord::hasGuestRecoveryAbandoned)
                .filteredOn(r -> r.getGuestRecoveryAbandoned().getGuestId().equals("dc")).singleElement()
                .satisfies(r -> assertThat(r.getGuestRecoveryAbandoned().getFailure().getCode()).isEqualTo("refused"));
    }

    @Test
    void retriableFailuresAndTimeoutsRetryWithNewCommandIdsThenGiveUp() {
        List<JournalRecord> journal = new ArrayList<>(office(VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X));
        Decision d = planner.plan(replay(journal), new PlannerInput.RecoveryDue("hostP", T0));
        journal.addAll(d.records());
        String firstId = d.commands().get(0).envelope().getMaterialiseRestorePoint().getHeader().getCommandId();
        CommandResult busy = CommandResult.newBuilder().setCommandId(firstId)
                .setOutcome(CommandOutcome.COMMAND_OUTCOME_FAILED).setFailure(Failure.newBuilder()
                        .setErrorClass(ErrorClass.ERROR_CLASS_RETRIABLE).setCode("store_busy").setMessage("busy"))
                .build();
        d = planner.plan(replay(journal), new PlannerInput.CommandFinished(busy, T0.plusSeconds(1)));
        journal.addAll(d.records());
        String secondId = d.commands().get(0).envelope().getMaterialiseRestorePoint().getHeader().getCommandId();
        assertThat(secondId).isNotEqualTo(firstId);
        // The stale result of the first attempt changes nothing.
        assertThat(planner.plan(replay(journal), new PlannerInput.CommandFinished(busy, T0.plusSeconds(2))).isEmpty())
                .isTrue();
        // No result within timeout + grace: attempt 3.
        d = planner.plan(replay(journal), new PlannerInput.Tick(T0.plusSeconds(31 * 60 + 2)));
        journal.addAll(d.records());
        assertThat(d.commands()).hasSize(1);
        GuestRecovery dc = replay(journal).operations().get(0).guests().get("dc");
        assertThat(dc.attempt()).isEqualTo(3);
        d = planner.plan(replay(journal), new PlannerInput.Tick(T0.plusSeconds(2 * 31 * 60 + 4)));
        assertThat(d.records()).anySatisfy(r -> assertThat(r.getGuestRecoveryAbandoned().getFailure().getCode())
                .isEqualTo("timed_out"));
    }

    @Test
    void aSecondRecoveryDueForTheSameHostStartsNothing() {
        List<JournalRecord> journal = new ArrayList<>(office(VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X));
        journal.addAll(planner.plan(replay(journal), new PlannerInput.RecoveryDue("hostP", T0)).records());
        assertThat(planner.plan(replay(journal), new PlannerInput.RecoveryDue("hostP", T0.plusSeconds(1))).isEmpty())
                .isTrue();
    }

    @Test
    void snapshotRebuildsTheSameState() {
        List<JournalRecord> journal = new ArrayList<>(office(VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X));
        Decision d = planner.plan(replay(journal), new PlannerInput.RecoveryDue("hostP", T0));
        journal.addAll(d.records());
        CoordinatorState state = replay(journal);
        CoordinatorState rebuilt = replay(state.toSnapshot().getRecordsList());
        assertThat(rebuilt.epoch()).isEqualTo(state.epoch());
        assertThat(rebuilt.guests()).isEqualTo(state.guests());
        assertThat(rebuilt.operations()).isEqualTo(state.operations());
        assertThat(rebuilt.points("dc")).isEqualTo(state.points("dc"));
        assertThat(planner.plan(rebuilt, new PlannerInput.Resumed(T0)).commands())
                .isEqualTo(planner.plan(state, new PlannerInput.Resumed(T0)).commands());
    }

    private static List<JournalRecord> concat(List<JournalRecord> a, List<JournalRecord> b) {
        List<JournalRecord> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
