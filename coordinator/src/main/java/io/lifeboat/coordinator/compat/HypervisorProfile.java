package io.lifeboat.coordinator.compat;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import io.lifeboat.protocol.v1.DiskAdapter;
import io.lifeboat.protocol.v1.DiskBus;
import io.lifeboat.protocol.v1.HypervisorKind;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.VmdkCreateType;

/**
 * What one hypervisor product can run: disk subformats, SCSI adapters, NIC models, buses, and for VMware products
 * the highest virtual hardware version per product version.
 */
final class HypervisorProfile {

    static final Set<VmdkCreateType> HOSTED_VMDK = EnumSet.of(VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE,
            VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_FLAT, VmdkCreateType.VMDK_CREATE_TYPE_TWO_GB_MAX_EXTENT_SPARSE,
            VmdkCreateType.VMDK_CREATE_TYPE_TWO_GB_MAX_EXTENT_FLAT);

    private HypervisorProfile() {
    }

    static boolean isVmware(HypervisorKind kind) {
        return kind == HypervisorKind.HYPERVISOR_KIND_VMWARE_SERVER || kind == HypervisorKind.HYPERVISOR_KIND_VMWARE_ESXI
                || kind == HypervisorKind.HYPERVISOR_KIND_VMWARE_WORKSTATION;
    }

    static boolean isQemu(HypervisorKind kind) {
        return kind == HypervisorKind.HYPERVISOR_KIND_LIBVIRT_QEMU || kind == HypervisorKind.HYPERVISOR_KIND_LIBVIRT_KVM;
    }

    /** Product name for messages. */
    static String name(HypervisorKind kind) {
        return switch (kind) {
            case HYPERVISOR_KIND_LIBVIRT_QEMU -> "QEMU (TCG)";
            case HYPERVISOR_KIND_LIBVIRT_KVM -> "KVM";
            case HYPERVISOR_KIND_LIBVIRT_XEN -> "Xen";
            case HYPERVISOR_KIND_VMWARE_SERVER -> "VMware Server";
            case HYPERVISOR_KIND_VMWARE_ESXI -> "VMware ESXi";
            case HYPERVISOR_KIND_VMWARE_WORKSTATION -> "VMware Workstation";
            default -> "unknown hypervisor";
        };
    }

    /** Whether the hypervisor needs VT-x/AMD-V for every fully virtualised guest (KVM, Xen HVM). */
    static boolean needsExtensionsForAnyGuest(HypervisorKind kind) {
        return kind == HypervisorKind.HYPERVISOR_KIND_LIBVIRT_KVM || kind == HypervisorKind.HYPERVISOR_KIND_LIBVIRT_XEN;
    }

    /** VMDK subformats the hypervisor runs in place. */
    static Set<VmdkCreateType> runnableVmdk(HypervisorKind kind) {
        return switch (kind) {
            // qemu's block/vmdk.c writes hosted sparse and flat extents and ESX flat ("vmfs"); streamOptimized only
            // sequentially, and vmfsSparse (COWD) redo logs are not a base disk to run.
            case HYPERVISOR_KIND_LIBVIRT_QEMU, HYPERVISOR_KIND_LIBVIRT_KVM -> {
                Set<VmdkCreateType> set = EnumSet.copyOf(HOSTED_VMDK);
                set.add(VmdkCreateType.VMDK_CREATE_TYPE_VMFS);
                yield set;
            }
            // Xen's tap:vmdk (blktap) reads one hosted sparse extent or one flat extent: no split files, no
            // compressed grains, no ESX formats.
            case HYPERVISOR_KIND_LIBVIRT_XEN -> EnumSet.of(VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE,
                    VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_FLAT);
            // Hosted products run hosted sparse and flat disks.
            case HYPERVISOR_KIND_VMWARE_SERVER, HYPERVISOR_KIND_VMWARE_WORKSTATION -> EnumSet.copyOf(HOSTED_VMDK);
            // ESXi runs VMFS flat disks only (hosted sparse must be converted, e.g. vmkfstools -i).
            case HYPERVISOR_KIND_VMWARE_ESXI -> EnumSet.of(VmdkCreateType.VMDK_CREATE_TYPE_VMFS);
            default -> EnumSet.noneOf(VmdkCreateType.class);
        };
    }

    /** SCSI adapters the hypervisor emulates (for VMware, at hardware version {@code hw}). */
    static Set<DiskAdapter> scsiAdapters(HypervisorKind kind, int hw) {
        return switch (kind) {
            // QEMU has LSI 53C895A, LSI SAS1068, VMware PVSCSI and virtio-scsi, but no BusLogic.
            case HYPERVISOR_KIND_LIBVIRT_QEMU, HYPERVISOR_KIND_LIBVIRT_KVM -> EnumSet.of(DiskAdapter.DISK_ADAPTER_LSILOGIC,
                    DiskAdapter.DISK_ADAPTER_LSILOGIC_SAS, DiskAdapter.DISK_ADAPTER_PVSCSI,
                    DiskAdapter.DISK_ADAPTER_VIRTIO_SCSI);
            // libxl emulates no SCSI controller for HVM guests.
            case HYPERVISOR_KIND_LIBVIRT_XEN -> EnumSet.noneOf(DiskAdapter.class);
            case HYPERVISOR_KIND_VMWARE_SERVER, HYPERVISOR_KIND_VMWARE_WORKSTATION -> {
                Set<DiskAdapter> set = EnumSet.of(DiskAdapter.DISK_ADAPTER_BUSLOGIC, DiskAdapter.DISK_ADAPTER_LSILOGIC);
                if (hw >= 7) {
                    set.add(DiskAdapter.DISK_ADAPTER_LSILOGIC_SAS);
                }
                yield set;
            }
            case HYPERVISOR_KIND_VMWARE_ESXI -> {
                Set<DiskAdapter> set = EnumSet.of(DiskAdapter.DISK_ADAPTER_BUSLOGIC, DiskAdapter.DISK_ADAPTER_LSILOGIC);
                if (hw >= 7) {
                    set.add(DiskAdapter.DISK_ADAPTER_LSILOGIC_SAS);
                    set.add(DiskAdapter.DISK_ADAPTER_PVSCSI);
                }
                yield set;
            }
            default -> EnumSet.noneOf(DiskAdapter.class);
        };
    }

    /** Disk buses the hypervisor offers. */
    static Set<DiskBus> buses(HypervisorKind kind, int hw) {
        return switch (kind) {
            case HYPERVISOR_KIND_LIBVIRT_QEMU, HYPERVISOR_KIND_LIBVIRT_KVM -> EnumSet.of(DiskBus.DISK_BUS_IDE,
                    DiskBus.DISK_BUS_SCSI, DiskBus.DISK_BUS_SATA, DiskBus.DISK_BUS_VIRTIO);
            case HYPERVISOR_KIND_LIBVIRT_XEN -> EnumSet.of(DiskBus.DISK_BUS_IDE, DiskBus.DISK_BUS_XEN);
            case HYPERVISOR_KIND_VMWARE_SERVER, HYPERVISOR_KIND_VMWARE_WORKSTATION, HYPERVISOR_KIND_VMWARE_ESXI -> {
                Set<DiskBus> set = EnumSet.of(DiskBus.DISK_BUS_IDE, DiskBus.DISK_BUS_SCSI);
                if (hw >= 10) {
                    set.add(DiskBus.DISK_BUS_SATA);
                }
                yield set;
            }
            default -> EnumSet.noneOf(DiskBus.class);
        };
    }

    /** NIC models the hypervisor emulates (for VMware, at hardware version {@code hw}). */
    static Set<NicModel> nicModels(HypervisorKind kind, int hw) {
        return switch (kind) {
            // QEMU: e1000, e1000e, rtl8139, pcnet, virtio-net and vmxnet3; no vmxnet/vmxnet2.
            case HYPERVISOR_KIND_LIBVIRT_QEMU, HYPERVISOR_KIND_LIBVIRT_KVM -> EnumSet.of(NicModel.NIC_MODEL_E1000,
                    NicModel.NIC_MODEL_E1000E, NicModel.NIC_MODEL_RTL8139, NicModel.NIC_MODEL_PCNET,
                    NicModel.NIC_MODEL_VIRTIO, NicModel.NIC_MODEL_VMXNET3);
            case HYPERVISOR_KIND_LIBVIRT_XEN -> EnumSet.of(NicModel.NIC_MODEL_E1000, NicModel.NIC_MODEL_RTL8139,
                    NicModel.NIC_MODEL_XEN_NETFRONT);
            case HYPERVISOR_KIND_VMWARE_SERVER, HYPERVISOR_KIND_VMWARE_WORKSTATION, HYPERVISOR_KIND_VMWARE_ESXI -> {
                Set<NicModel> set = EnumSet.of(NicModel.NIC_MODEL_PCNET, NicModel.NIC_MODEL_E1000,
                        NicModel.NIC_MODEL_VMXNET, NicModel.NIC_MODEL_VMXNET2);
                if (hw >= 7) {
                    set.add(NicModel.NIC_MODEL_VMXNET3);
                }
                if (hw >= 8) {
                    set.add(NicModel.NIC_MODEL_E1000E);
                }
                yield set;
            }
            default -> EnumSet.noneOf(NicModel.class);
        };
    }

    /**
     * Highest virtual hardware version a VMware product version runs, from VMware's compatibility tables:
     * Server 1.x → 4, Server 2.x → 7; ESX(i) 3.x → 4, 4.x → 7, 5.0 → 8, 5.1 → 9, 5.5 → 10, 6.0 → 11, 6.5 → 13,
     * 6.7 → 14, 7.0 → 17, 8.0 → 20; Workstation 5 → 4, 6.0 → 6, 6.5/7 → 7, 8 → 8, 9 → 9, 10 → 10, 11 → 11,
     * 12 → 12, 14 → 14, 15 → 16, 16 → 18, 17 → 20. Empty when the version cannot be read.
     */
    static Optional<Integer> maxHardwareVersion(HypervisorKind kind, String version) {
        int[] parts = parseVersion(version);
        if (parts == null) {
            return Optional.empty();
        }
        int major = parts[0];
        int minor = parts[1];
        return switch (kind) {
            case HYPERVISOR_KIND_VMWARE_SERVER -> major == 1 ? Optional.of(4) : major == 2 ? Optional.of(7)
                    : Optional.empty();
            case HYPERVISOR_KIND_VMWARE_ESXI -> switch (major) {
                case 3 -> Optional.of(4);
                case 4 -> Optional.of(7);
                case 5 -> Optional.of(minor == 0 ? 8 : minor == 1 ? 9 : 10);
                case 6 -> Optional.of(minor == 0 ? 11 : minor == 5 ? 13 : 14);
                case 7 -> Optional.of(17);
                case 8 -> Optional.of(20);
                default -> major > 8 ? Optional.of(20) : Optional.empty();
            };
            case HYPERVISOR_KIND_VMWARE_WORKSTATION -> switch (major) {
                case 5 -> Optional.of(4);
                case 6 -> Optional.of(minor >= 5 ? 7 : 6);
                case 7 -> Optional.of(7);
                case 8, 9, 10, 11, 12, 14 -> Optional.of(major);
                case 15 -> Optional.of(16);
                case 16 -> Optional.of(18);
                case 17 -> Optional.of(20);
                default -> major > 17 ? Optional.of(20) : Optional.empty();
            };
            default -> Optional.empty();
        };
    }

    private static int[] parseVersion(String version) {
        if (version == null) {
            return null;
        }
        String[] parts = version.trim().toLowerCase(Locale.ROOT).split("[.\\s-]");
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 ? Integer.parseInt(parts[1].replaceAll("\\D.*", "")) : 0;
            return new int[] {major, minor};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
