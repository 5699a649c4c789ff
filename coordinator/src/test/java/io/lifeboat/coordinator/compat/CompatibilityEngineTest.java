package io.lifeboat.coordinator.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.lifeboat.protocol.v1.DiskAdapter;
import io.lifeboat.protocol.v1.DiskBus;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.FencingCapability;
import io.lifeboat.protocol.v1.GuestBitness;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HypervisorKind;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import io.lifeboat.protocol.v1.VirtualizationExtension;
import io.lifeboat.protocol.v1.VmdkCreateType;

class CompatibilityEngineTest {

    private static final long GIB = 1L << 30;
    private static final HypervisorKind KVM = HypervisorKind.HYPERVISOR_KIND_LIBVIRT_KVM;
    private static final HypervisorKind QEMU = HypervisorKind.HYPERVISOR_KIND_LIBVIRT_QEMU;
    private static final HypervisorKind XEN = HypervisorKind.HYPERVISOR_KIND_LIBVIRT_XEN;
    private static final HypervisorKind SERVER = HypervisorKind.HYPERVISOR_KIND_VMWARE_SERVER;
    private static final HypervisorKind ESXI = HypervisorKind.HYPERVISOR_KIND_VMWARE_ESXI;
    private static final HypervisorKind WORKSTATION = HypervisorKind.HYPERVISOR_KIND_VMWARE_WORKSTATION;
    private static final VirtualizationExtension NONE = VirtualizationExtension.VIRTUALIZATION_EXTENSION_NONE;
    private static final VirtualizationExtension VTX = VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X;
    private static final VirtualizationExtension AMDV = VirtualizationExtension.VIRTUALIZATION_EXTENSION_AMD_V;

    private final CompatibilityEngine engine = new CompatibilityEngine();

    private static String defaultVersion(HypervisorKind kind) {
        return switch (kind) {
            case HYPERVISOR_KIND_VMWARE_SERVER -> "2.0.2";
            case HYPERVISOR_KIND_VMWARE_ESXI -> "6.7.0";
            case HYPERVISOR_KIND_VMWARE_WORKSTATION -> "17.5.0";
            default -> "9.0.0";
        };
    }

    static HostFacts host(HypervisorKind kind, String version, VirtualizationExtension ext) {
        return HostFacts.newBuilder().setHostId("hostS").setHypervisorKind(kind).setHypervisorVersion(version)
                .setVirtualizationExtension(ext).setCpu64BitCapable(true).setCpuCount(4)
                .setMemoryBytes(16 * GIB).setMemoryFreeBytes(12 * GIB).setDatastoreFreeBytes(200 * GIB)
                .setFencingCapability(FencingCapability.FENCING_CAPABILITY_SELF_FENCE).build();
    }

    static HostFacts host(HypervisorKind kind, VirtualizationExtension ext) {
        return host(kind, defaultVersion(kind), ext);
    }

    static DiskSpec disk(DiskFormat format, VmdkCreateType createType, DiskBus bus, DiskAdapter adapter) {
        return DiskSpec.newBuilder().setPath("/vmfs/volumes/ds1/mail/mail.vmdk").setFormat(format)
                .setVmdkCreateType(createType).setCapacityBytes(8 * GIB).setBus(bus).setAdapter(adapter)
                .setTarget("hda").build();
    }

    static NicSpec nic(String mac, NicModel model, String network) {
        return NicSpec.newBuilder().setMacAddress(mac).setModel(model).setNetwork(network).build();
    }

    /** A 32-bit VMware Server guest that runs everywhere as it is, except where a rule says otherwise. */
    static GuestSpec.Builder guest() {
        return GuestSpec.newBuilder().setGuestId("7f1c8d2e-0000-4000-8000-000000000001").setName("mail")
                .setBitness(GuestBitness.GUEST_BITNESS_32).setVcpus(1).setMemoryBytes(GIB)
                .setVmwareHardwareVersion(4)
                .addDisks(disk(DiskFormat.DISK_FORMAT_VMDK, VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE,
                        DiskBus.DISK_BUS_IDE, DiskAdapter.DISK_ADAPTER_IDE))
                .addNics(nic("00:50:56:01:02:03", NicModel.NIC_MODEL_E1000, "VM Network"));
    }

    static PlacementTarget target(HostFacts facts) {
        return new PlacementTarget(facts, Map.of("VM Network", "VM Network", "br0", "br0"), "/srv/lifeboat/mail");
    }

    static Stream<Arguments> cpuRules() {
        return Stream.of(
                Arguments.of(GuestBitness.GUEST_BITNESS_64, SERVER, NONE, "64-bit guest needs VT-x or AMD-V"),
                Arguments.of(GuestBitness.GUEST_BITNESS_64, WORKSTATION, NONE, "64-bit guest needs VT-x or AMD-V"),
                Arguments.of(GuestBitness.GUEST_BITNESS_64, QEMU, NONE, "64-bit guest needs VT-x or AMD-V"),
                Arguments.of(GuestBitness.GUEST_BITNESS_64, KVM, NONE, "64-bit guest needs VT-x or AMD-V"),
                Arguments.of(GuestBitness.GUEST_BITNESS_64, XEN, NONE, "64-bit guest needs VT-x or AMD-V"),
                Arguments.of(GuestBitness.GUEST_BITNESS_64, KVM, VTX, null),
                Arguments.of(GuestBitness.GUEST_BITNESS_64, SERVER, AMDV, null),
                Arguments.of(GuestBitness.GUEST_BITNESS_32, SERVER, NONE, null),
                Arguments.of(GuestBitness.GUEST_BITNESS_32, QEMU, NONE, null),
                Arguments.of(GuestBitness.GUEST_BITNESS_32, KVM, NONE, "KVM needs VT-x or AMD-V for any"),
                Arguments.of(GuestBitness.GUEST_BITNESS_32, XEN, NONE, "Xen needs VT-x or AMD-V for any"),
                Arguments.of(GuestBitness.GUEST_BITNESS_UNSPECIFIED, SERVER, NONE, "word size unknown"),
                Arguments.of(GuestBitness.GUEST_BITNESS_UNSPECIFIED, KVM, VTX, null));
    }

    @ParameterizedTest(name = "{0} guest on {1} with {2}: {3}")
    @MethodSource("cpuRules")
    void cpuExtensionsAndWordSize(GuestBitness bitness, HypervisorKind kind, VirtualizationExtension ext,
                                  String refusal) {
        CompatibilityVerdict verdict = engine.judge(guest().setBitness(bitness).build(), target(host(kind, ext)));
        if (refusal == null) {
            assertThat(verdict.compatibility()).isNotEqualTo(Compatibility.REFUSE);
        } else {
            assertThat(verdict.compatibility()).isEqualTo(Compatibility.REFUSE);
            assertThat(verdict.refusals()).anySatisfy(r -> assertThat(r)
                    .startsWith("guest mail on host hostS").contains(refusal));
        }
    }

    static Stream<Arguments> hardwareVersions() {
        return Stream.of(
                Arguments.of(SERVER, "2.0.2", 7, null),
                Arguments.of(SERVER, "2.0.2", 8, "virtual hardware version 8 is above 7, the highest VMware Server 2.0.2 runs"),
                Arguments.of(SERVER, "1.0.10", 7, "is above 4"),
                Arguments.of(ESXI, "6.7.0", 14, null),
                Arguments.of(ESXI, "6.7.0", 15, "is above 14"),
                Arguments.of(ESXI, "5.5", 10, null),
                Arguments.of(ESXI, "5.5", 11, "is above 10"),
                Arguments.of(ESXI, "8.0.2", 20, null),
                Arguments.of(WORKSTATION, "7.1.4", 7, null),
                Arguments.of(WORKSTATION, "7.1.4", 8, "is above 7"),
                Arguments.of(WORKSTATION, "17.5.0", 21, "is above 20"),
                Arguments.of(ESXI, "banana", 4, "cannot tell the highest virtual hardware version"),
                Arguments.of(KVM, "9.0.0", 21, null));
    }

    @ParameterizedTest(name = "hardware version {2} on {0} {1}: {3}")
    @MethodSource("hardwareVersions")
    void vmwareHardwareVersionPerProduct(HypervisorKind kind, String version, int hw, String refusal) {
        GuestSpec g = guest().setVmwareHardwareVersion(hw).build();
        CompatibilityVerdict verdict = engine.judge(g, target(host(kind, version, VTX)));
        if (refusal == null) {
            assertThat(verdict.refusals()).isEmpty();
        } else {
            assertThat(verdict.refusals()).anySatisfy(r -> assertThat(r).contains(refusal));
        }
    }

    static Stream<Arguments> diskFormats() {
        String src = "/srv/lifeboat/mail/mail.vmdk";
        return Stream.of(
                Arguments.of(KVM, DiskFormat.DISK_FORMAT_VMDK, VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE, List.of()),
                Arguments.of(KVM, DiskFormat.DISK_FORMAT_VMDK, VmdkCreateType.VMDK_CREATE_TYPE_TWO_GB_MAX_EXTENT_SPARSE, List.of()),
                Arguments.of(KVM, DiskFormat.DISK_FORMAT_RAW, VmdkCreateType.VMDK_CREATE_TYPE_UNSPECIFIED, List.of()),
                Arguments.of(KVM, DiskFormat.DISK_FORMAT_VMDK, VmdkCreateType.VMDK_CREATE_TYPE_STREAM_OPTIMIZED,
                        List.of(List.of("qemu-img", "convert", "-f", "vmdk", "-O", "qcow2", "-o", "compat=1.1", src,
                                "/srv/lifeboat/mail/mail-converted.qcow2"))),
                Arguments.of(QEMU, DiskFormat.DISK_FORMAT_VMDK, VmdkCreateType.VMDK_CREATE_TYPE_VMFS_SPARSE,
                        List.of(List.of("qemu-img", "convert", "-f", "vmdk", "-O", "qcow2", "-o", "compat=1.1", src,
                                "/srv/lifeboat/mail/mail-converted.qcow2"))),
                Arguments.of(ESXI, DiskFormat.DISK_FORMAT_VMDK, VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE,
                        List.of(List.of("qemu-img", "convert", "-f", "vmdk", "-O", "vmdk", "-o",
                                        "subformat=monolithicFlat,adapter_type=ide", src,
                                        "/srv/lifeboat/mail/mail-converted.vmdk"),
                                List.of("sed", "-i", "s/^createType=.*/createType=\"vmfs\"/",
                                        "/srv/lifeboat/mail/mail-converted.vmdk"))),
                Arguments.of(ESXI, DiskFormat.DISK_FORMAT_VMDK, VmdkCreateType.VMDK_CREATE_TYPE_VMFS, List.of()),
                Arguments.of(SERVER, DiskFormat.DISK_FORMAT_VMDK, VmdkCreateType.VMDK_CREATE_TYPE_TWO_GB_MAX_EXTENT_SPARSE, List.of()),
                Arguments.of(SERVER, DiskFormat.DISK_FORMAT_VMDK, VmdkCreateType.VMDK_CREATE_TYPE_STREAM_OPTIMIZED,
                        List.of(List.of("qemu-img", "convert", "-f", "vmdk", "-O", "vmdk", "-o",
                                "subformat=monolithicSparse,adapter_type=ide", src,
                                "/srv/lifeboat/mail/mail-converted.vmdk"))),
                Arguments.of(SERVER, DiskFormat.DISK_FORMAT_RAW, VmdkCreateType.VMDK_CREATE_TYPE_UNSPECIFIED,
                        List.of(List.of("qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o",
                                "subformat=monolithicSparse,adapter_type=ide", src,
                                "/srv/lifeboat/mail/mail-converted.vmdk"))),
                Arguments.of(XEN, DiskFormat.DISK_FORMAT_VMDK, VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE, List.of()),
                Arguments.of(XEN, DiskFormat.DISK_FORMAT_VMDK, VmdkCreateType.VMDK_CREATE_TYPE_TWO_GB_MAX_EXTENT_SPARSE,
                        List.of(List.of("qemu-img", "convert", "-f", "vmdk", "-O", "raw", src,
                                "/srv/lifeboat/mail/mail-converted.raw"))),
                Arguments.of(XEN, DiskFormat.DISK_FORMAT_QCOW2, VmdkCreateType.VMDK_CREATE_TYPE_UNSPECIFIED,
                        List.of(List.of("qemu-img", "convert", "-f", "qcow2", "-O", "raw", src,
                                "/srv/lifeboat/mail/mail-converted.raw"))));
    }

    @ParameterizedTest(name = "{1}/{2} on {0}")
    @MethodSource("diskFormats")
    void diskSubformatsConvertWithExactCommands(HypervisorKind kind, DiskFormat format, VmdkCreateType createType,
                                                List<List<String>> commands) {
        GuestSpec g = guest().setDisks(0, disk(format, createType, DiskBus.DISK_BUS_IDE, DiskAdapter.DISK_ADAPTER_IDE))
                .build();
        CompatibilityVerdict verdict = engine.judge(g, target(host(kind, VTX)));
        assertThat(verdict.refusals()).isEmpty();
        if (commands.isEmpty()) {
            assertThat(verdict.diskConversions()).isEmpty();
            assertThat(verdict.targetSpec().getDisks(0).getPath()).isEqualTo("/srv/lifeboat/mail/mail.vmdk");
        } else {
            assertThat(verdict.compatibility()).isEqualTo(Compatibility.CONVERT);
            DiskConversion conversion = verdict.diskConversions().get(0);
            assertThat(conversion.commands()).isEqualTo(commands);
            assertThat(verdict.targetSpec().getDisks(0).getPath()).isEqualTo(conversion.targetPath());
            assertThat(verdict.targetSpec().getDisks(0).getFormat()).isEqualTo(conversion.targetFormat());
        }
    }

    static Stream<Arguments> nicModels() {
        return Stream.of(
                Arguments.of(KVM, 4, NicModel.NIC_MODEL_VMXNET, NicModel.NIC_MODEL_E1000),
                Arguments.of(KVM, 4, NicModel.NIC_MODEL_VMXNET2, NicModel.NIC_MODEL_E1000),
                Arguments.of(KVM, 7, NicModel.NIC_MODEL_VMXNET3, NicModel.NIC_MODEL_VMXNET3),
                Arguments.of(KVM, 4, NicModel.NIC_MODEL_PCNET, NicModel.NIC_MODEL_PCNET),
                Arguments.of(XEN, 4, NicModel.NIC_MODEL_VMXNET3, NicModel.NIC_MODEL_E1000),
                Arguments.of(SERVER, 4, NicModel.NIC_MODEL_VIRTIO, NicModel.NIC_MODEL_E1000),
                Arguments.of(SERVER, 4, NicModel.NIC_MODEL_VMXNET3, NicModel.NIC_MODEL_E1000),
                Arguments.of(SERVER, 7, NicModel.NIC_MODEL_VMXNET3, NicModel.NIC_MODEL_VMXNET3),
                Arguments.of(SERVER, 4, NicModel.NIC_MODEL_RTL8139, NicModel.NIC_MODEL_E1000),
                Arguments.of(ESXI, 7, NicModel.NIC_MODEL_E1000E, NicModel.NIC_MODEL_E1000));
    }

    @ParameterizedTest(name = "{2} on {0} (hw {1}) → {3}")
    @MethodSource("nicModels")
    void nicModelsTheTargetLacksAreReplaced(HypervisorKind kind, int hw, NicModel model, NicModel expected) {
        GuestSpec g = guest().setVmwareHardwareVersion(hw).setNics(0, nic("00:50:56:01:02:03", model, "VM Network"))
                .build();
        CompatibilityVerdict verdict = engine.judge(g, target(host(kind, VTX)));
        assertThat(verdict.refusals()).isEmpty();
        assertThat(verdict.targetSpec().getNics(0).getModel()).isEqualTo(expected);
        assertThat(verdict.compatibility()).isEqualTo(model == expected ? Compatibility.OK : Compatibility.CONVERT);
    }

    static Stream<Arguments> scsiAdapters() {
        return Stream.of(
                Arguments.of(KVM, 4, DiskAdapter.DISK_ADAPTER_BUSLOGIC, DiskBus.DISK_BUS_SCSI, DiskAdapter.DISK_ADAPTER_LSILOGIC),
                Arguments.of(KVM, 4, DiskAdapter.DISK_ADAPTER_LSILOGIC, DiskBus.DISK_BUS_SCSI, DiskAdapter.DISK_ADAPTER_LSILOGIC),
                Arguments.of(KVM, 7, DiskAdapter.DISK_ADAPTER_PVSCSI, DiskBus.DISK_BUS_SCSI, DiskAdapter.DISK_ADAPTER_PVSCSI),
                Arguments.of(SERVER, 7, DiskAdapter.DISK_ADAPTER_PVSCSI, DiskBus.DISK_BUS_SCSI, DiskAdapter.DISK_ADAPTER_LSILOGIC),
                Arguments.of(SERVER, 4, DiskAdapter.DISK_ADAPTER_BUSLOGIC, DiskBus.DISK_BUS_SCSI, DiskAdapter.DISK_ADAPTER_BUSLOGIC),
                Arguments.of(ESXI, 7, DiskAdapter.DISK_ADAPTER_PVSCSI, DiskBus.DISK_BUS_SCSI, DiskAdapter.DISK_ADAPTER_PVSCSI),
                Arguments.of(SERVER, 7, DiskAdapter.DISK_ADAPTER_VIRTIO_SCSI, DiskBus.DISK_BUS_SCSI, DiskAdapter.DISK_ADAPTER_LSILOGIC),
                Arguments.of(XEN, 4, DiskAdapter.DISK_ADAPTER_LSILOGIC, DiskBus.DISK_BUS_IDE, DiskAdapter.DISK_ADAPTER_IDE));
    }

    @ParameterizedTest(name = "SCSI {2} on {0} (hw {1}) → {3} {4}")
    @MethodSource("scsiAdapters")
    void scsiAdaptersTheTargetLacksAreReplaced(HypervisorKind kind, int hw, DiskAdapter adapter, DiskBus bus,
                                               DiskAdapter expected) {
        DiskSpec scsi = disk(DiskFormat.DISK_FORMAT_VMDK, kind == ESXI ? VmdkCreateType.VMDK_CREATE_TYPE_VMFS
                : VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE, DiskBus.DISK_BUS_SCSI, adapter);
        GuestSpec g = guest().setVmwareHardwareVersion(hw).setDisks(0, scsi).build();
        CompatibilityVerdict verdict = engine.judge(g, target(host(kind, VTX)));
        assertThat(verdict.refusals()).isEmpty();
        assertThat(verdict.targetSpec().getDisks(0).getBus()).isEqualTo(bus);
        assertThat(verdict.targetSpec().getDisks(0).getAdapter()).isEqualTo(expected);
        assertThat(verdict.compatibility())
                .isEqualTo(adapter == expected ? Compatibility.OK : Compatibility.CONVERT);
    }

    static Stream<Arguments> macs() {
        return Stream.of(
                Arguments.of(SERVER, "00:50:56:01:02:03", Compatibility.OK, null),
                Arguments.of(SERVER, "00:50:56:3F:FF:FF", Compatibility.OK, null),
                Arguments.of(SERVER, "00:0c:29:aa:bb:cc", Compatibility.CONVERT, "generated MAC 00:0c:29:aa:bb:cc copied as a static address"),
                Arguments.of(ESXI, "00:50:56:80:00:01", Compatibility.CONVERT, "generated MAC 00:50:56:80:00:01 copied as a static address"),
                Arguments.of(SERVER, "52:54:00:12:34:56", Compatibility.REFUSE, "MAC address 52:54:00:12:34:56 is outside VMware's ranges"),
                Arguments.of(KVM, "52:54:00:12:34:56", Compatibility.OK, null),
                Arguments.of(KVM, "00:0c:29:aa:bb:cc", Compatibility.OK, null),
                Arguments.of(KVM, "00:50:56:zz:00:01", Compatibility.REFUSE, "is malformed"),
                Arguments.of(KVM, "01:00:5e:00:00:01", Compatibility.REFUSE, "is a multicast address"));
    }

    @ParameterizedTest(name = "MAC {1} on {0}: {2}")
    @MethodSource("macs")
    void macAddressesAreKeptAndVmwareRangesEnforced(HypervisorKind kind, String mac, Compatibility expected,
                                                    String message) {
        DiskSpec d = disk(DiskFormat.DISK_FORMAT_VMDK, kind == ESXI ? VmdkCreateType.VMDK_CREATE_TYPE_VMFS
                : VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE, DiskBus.DISK_BUS_IDE, DiskAdapter.DISK_ADAPTER_IDE);
        GuestSpec g = guest().setDisks(0, d).setNics(0, nic(mac, NicModel.NIC_MODEL_E1000, "VM Network")).build();
        CompatibilityVerdict verdict = engine.judge(g, target(host(kind, VTX)));
        assertThat(verdict.compatibility()).isEqualTo(expected);
        if (expected != Compatibility.REFUSE) {
            assertThat(verdict.targetSpec().getNics(0).getMacAddress()).isEqualTo(mac.toLowerCase());
        }
        if (message != null) {
            assertThat(expected == Compatibility.REFUSE ? verdict.refusals() : verdict.deviceChanges())
                    .anySatisfy(line -> assertThat(line).contains(message));
        }
    }

    @Test
    void unmappedNetworkIsRefusedByName() {
        GuestSpec g = guest().addNics(nic("00:50:56:01:02:04", NicModel.NIC_MODEL_E1000, "DMZ")).build();
        CompatibilityVerdict verdict = engine.judge(g, target(host(KVM, VTX)));
        assertThat(verdict.compatibility()).isEqualTo(Compatibility.REFUSE);
        assertThat(verdict.refusals()).containsExactly("guest mail on host hostS (KVM): NIC 1 network 'DMZ' has no "
                + "mapping to a network on host hostS in the plan");
    }

    @Test
    void mappedNetworkIsRenamedInTheTargetSpec() {
        PlacementTarget t = new PlacementTarget(host(KVM, VTX), Map.of("VM Network", "br0"), "/srv/lifeboat/mail");
        CompatibilityVerdict verdict = engine.judge(guest().build(), t);
        assertThat(verdict.compatibility()).isEqualTo(Compatibility.CONVERT);
        assertThat(verdict.targetSpec().getNics(0).getNetwork()).isEqualTo("br0");
        assertThat(verdict.deviceChanges()).containsExactly("NIC 0: network 'VM Network' → 'br0'");
    }

    @Test
    void hostileDiskFileNamesAreRefused() {
        for (String path : List.of("/vmfs/..", "/a/b/disk\n.vmdk", "/a/b/", "C:\\vms\\.hidden")) {
            DiskSpec d = guest().getDisks(0).toBuilder().setPath(path).build();
            CompatibilityVerdict verdict = engine.judge(guest().setDisks(0, d).build(), target(host(KVM, VTX)));
            assertThat(verdict.compatibility()).as(path).isEqualTo(Compatibility.REFUSE);
            assertThat(verdict.refusals()).as(path).anySatisfy(r -> assertThat(r).contains("is not a safe file name"));
        }
    }

    @Test
    void everyRefusalIsReportedNotOnlyTheFirst() {
        GuestSpec g = guest().setBitness(GuestBitness.GUEST_BITNESS_64).setVmwareHardwareVersion(8)
                .setNics(0, nic("52:54:00:12:34:56", NicModel.NIC_MODEL_E1000, "Lab")).build();
        CompatibilityVerdict verdict = engine.judge(g, target(host(SERVER, NONE)));
        assertThat(verdict.refusals()).hasSize(4);
        assertThat(verdict.summary()).startsWith("REFUSE: guest mail on host hostS (VMware Server): 64-bit guest");
    }

    @Test
    void capacityIsJudgedForEveryGuestThePlanPlacesOnTheTarget() {
        HostFacts standby = host(KVM, VTX);
        GuestSpec mail = guest().setVcpus(2).setMemoryBytes(4 * GIB).build();
        GuestSpec terminal = guest().setGuestId("ts").setName("ts").setVcpus(4).setMemoryBytes(6 * GIB).build();
        assertThat(engine.judgeCapacity(standby, List.of(mail, terminal)).fits()).isTrue();

        GuestSpec web = guest().setGuestId("web").setName("web").setVcpus(12).setMemoryBytes(4 * GIB)
                .setDisks(0, guest().getDisks(0).toBuilder().setCapacityBytes(190 * GIB)).build();
        CapacityVerdict verdict = engine.judgeCapacity(standby, List.of(mail, terminal, web));
        assertThat(verdict.fits()).isFalse();
        assertThat(verdict.memoryNeededBytes()).isEqualTo(14 * GIB);
        assertThat(verdict.shortfalls()).containsExactly(
                "guest web has 12 vCPUs, host hostS has 4 logical CPUs",
                "memory: " + 14 * GIB + " bytes needed for the 3 guest(s) the plan places on host hostS, "
                        + 12 * GIB + " bytes free",
                "vCPUs: 18 needed for the 3 guest(s) the plan places on host hostS, 16 available "
                        + "(4 logical CPUs × 4.0)",
                "datastore: " + 206 * GIB + " bytes needed for the 3 guest(s) the plan places on host hostS, "
                        + 200 * GIB + " bytes free");
    }
}
