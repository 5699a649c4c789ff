package io.lifeboat.coordinator.compat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import io.lifeboat.protocol.v1.DiskAdapter;
import io.lifeboat.protocol.v1.DiskBus;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.Firmware;
import io.lifeboat.protocol.v1.GuestBitness;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HypervisorKind;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import io.lifeboat.protocol.v1.VirtualizationExtension;
import io.lifeboat.protocol.v1.VmdkCreateType;

/**
 * Judges a guest against a target host and its place in a recovery plan: OK, CONVERT (with the exact commands the
 * target's agent runs and the definition changes) or REFUSE (with every reason). Pure and deterministic.
 */
public final class CompatibilityEngine {

    private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");
    private static final Pattern SAFE_FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+ -]{0,200}");
    /** Prefixes (OUIs) VMware assigns: static manual range and generated ranges. */
    private static final Set<String> VMWARE_OUIS = Set.of("00:50:56", "00:0c:29", "00:05:69", "00:1c:14");

    private final double vcpuOvercommit;

    /** Creates an engine that allows {@code vcpuOvercommit} vCPUs per logical CPU when it checks capacity. */
    public CompatibilityEngine(double vcpuOvercommit) {
        if (!(vcpuOvercommit >= 1.0)) {
            throw new IllegalArgumentException("vCPU overcommit must be at least 1.0, got " + vcpuOvercommit);
        }
        this.vcpuOvercommit = vcpuOvercommit;
    }

    /** Creates an engine with a vCPU overcommit of 4 per logical CPU. */
    public CompatibilityEngine() {
        this(4.0);
    }

    /** Judges one guest against one placement target. */
    public CompatibilityVerdict judge(GuestSpec guest, PlacementTarget target) {
        HostFacts host = target.facts();
        HypervisorKind kind = host.getHypervisorKind();
        String where = "guest " + label(guest) + " on host " + host.getHostId() + " (" + HypervisorProfile.name(kind)
                + ")";
        List<String> refusals = new ArrayList<>();
        List<String> changes = new ArrayList<>();
        List<DiskConversion> conversions = new ArrayList<>();
        GuestSpec.Builder spec = guest.toBuilder().clearDisks().clearNics();

        if (kind == HypervisorKind.HYPERVISOR_KIND_UNSPECIFIED || kind == HypervisorKind.UNRECOGNIZED) {
            refusals.add(where + ": the host's hypervisor is unknown");
        }
        judgeCpu(guest, host, kind, where, refusals);
        int hw = judgeHardwareVersion(guest, host, kind, where, refusals, changes, spec);
        if (guest.getFirmware() == Firmware.FIRMWARE_UEFI && kind == HypervisorKind.HYPERVISOR_KIND_VMWARE_SERVER) {
            refusals.add(where + ": UEFI firmware, VMware Server boots BIOS guests only");
        }
        for (int i = 0; i < guest.getDisksCount(); i++) {
            spec.addDisks(judgeDisk(i, guest.getDisks(i), kind, hw, target.destinationDir(), where, refusals, changes,
                    conversions));
        }
        for (int i = 0; i < guest.getNicsCount(); i++) {
            spec.addNics(judgeNic(i, guest.getNics(i), kind, hw, target, where, refusals, changes));
        }
        Compatibility answer = !refusals.isEmpty() ? Compatibility.REFUSE
                : conversions.isEmpty() && changes.isEmpty() ? Compatibility.OK : Compatibility.CONVERT;
        return new CompatibilityVerdict(guest.getGuestId(), host.getHostId(), answer, refusals, conversions, changes,
                spec.build());
    }

    private static void judgeCpu(GuestSpec guest, HostFacts host, HypervisorKind kind, String where,
                                 List<String> refusals) {
        boolean extensions = host.getVirtualizationExtension() == VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X
                || host.getVirtualizationExtension() == VirtualizationExtension.VIRTUALIZATION_EXTENSION_AMD_V;
        if (guest.getBitness() == GuestBitness.GUEST_BITNESS_64) {
            if (!extensions) {
                refusals.add(where + ": 64-bit guest needs VT-x or AMD-V and the host CPU has none (VMware Server "
                        + "runs only 32-bit guests there; KVM and Xen HVM need the extensions)");
            } else if (!host.getCpu64BitCapable()) {
                refusals.add(where + ": 64-bit guest and the host CPU is not 64-bit capable");
            }
        } else if (guest.getBitness() != GuestBitness.GUEST_BITNESS_32 && !extensions) {
            refusals.add(where + ": guest word size unknown and the host has no VT-x/AMD-V, so a 64-bit guest "
                    + "cannot be ruled out");
        }
        if (!extensions && HypervisorProfile.needsExtensionsForAnyGuest(kind)) {
            refusals.add(where + ": " + HypervisorProfile.name(kind) + " needs VT-x or AMD-V for any fully "
                    + "virtualised guest and the host CPU has none");
        }
    }

    private static int judgeHardwareVersion(GuestSpec guest, HostFacts host, HypervisorKind kind, String where,
                                            List<String> refusals, List<String> changes, GuestSpec.Builder spec) {
        if (!HypervisorProfile.isVmware(kind)) {
            return 0;
        }
        Optional<Integer> max = HypervisorProfile.maxHardwareVersion(kind, host.getHypervisorVersion());
        if (max.isEmpty()) {
            refusals.add(where + ": cannot tell the highest virtual hardware version of "
                    + HypervisorProfile.name(kind) + " version '" + host.getHypervisorVersion() + "'");
            return 0;
        }
        int hw = guest.getVmwareHardwareVersion();
        if (hw > max.get()) {
            refusals.add(where + ": virtual hardware version " + hw + " is above " + max.get() + ", the highest "
                    + HypervisorProfile.name(kind) + " " + host.getHypervisorVersion() + " runs");
            return hw;
        }
        if (hw == 0) {
            int chosen = Math.min(max.get(), 7);
            changes.add("virtual hardware version set to " + chosen + " (the guest comes from a non-VMware host)");
            spec.setVmwareHardwareVersion(chosen);
            return chosen;
        }
        return hw;
    }

    private static DiskSpec judgeDisk(int index, DiskSpec disk, HypervisorKind kind, int hw, String destinationDir,
                                      String where, List<String> refusals, List<String> changes,
                                      List<DiskConversion> conversions) {
        String disk0 = "disk " + index + " (" + disk.getTarget() + ")";
        String fileName = fileName(disk.getPath());
        if (!SAFE_FILE_NAME.matcher(fileName).matches() || fileName.contains("..")) {
            refusals.add(where + ": " + disk0 + " file name '" + printable(fileName) + "' is not a safe file name");
            return disk;
        }
        DiskSpec.Builder out = disk.toBuilder();
        String source = join(destinationDir, fileName);
        out.setPath(source);
        Optional<String> why = formatProblem(disk, kind);
        if (why.isPresent()) {
            DiskFormat format;
            VmdkCreateType createType;
            if (HypervisorProfile.isQemu(kind)) {
                format = DiskFormat.DISK_FORMAT_QCOW2;
                createType = VmdkCreateType.VMDK_CREATE_TYPE_UNSPECIFIED;
            } else if (kind == HypervisorKind.HYPERVISOR_KIND_LIBVIRT_XEN) {
                format = DiskFormat.DISK_FORMAT_RAW;
                createType = VmdkCreateType.VMDK_CREATE_TYPE_UNSPECIFIED;
            } else if (kind == HypervisorKind.HYPERVISOR_KIND_VMWARE_ESXI) {
                format = DiskFormat.DISK_FORMAT_VMDK;
                createType = VmdkCreateType.VMDK_CREATE_TYPE_VMFS;
            } else {
                format = DiskFormat.DISK_FORMAT_VMDK;
                createType = VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE;
            }
            String stem = fileName.contains(".") ? fileName.substring(0, fileName.lastIndexOf('.')) : fileName;
            String targetPath = join(destinationDir, stem + "-converted." + extension(format));
            conversions.add(new DiskConversion(index, source, targetPath, format, createType,
                    commands(disk, source, targetPath, format, createType), disk0 + ": " + why.get()));
            out.setPath(targetPath).setFormat(format).setVmdkCreateType(createType);
        }
        Set<DiskBus> buses = HypervisorProfile.buses(kind, hw);
        if (!buses.isEmpty() && !buses.contains(disk.getBus())) {
            DiskBus bus = buses.contains(DiskBus.DISK_BUS_SCSI) ? DiskBus.DISK_BUS_SCSI : DiskBus.DISK_BUS_IDE;
            changes.add(disk0 + ": bus " + shortName(disk.getBus()) + " → " + shortName(bus) + " (not offered by "
                    + HypervisorProfile.name(kind) + ")");
            out.setBus(bus).setAdapter(bus == DiskBus.DISK_BUS_SCSI ? DiskAdapter.DISK_ADAPTER_LSILOGIC
                    : DiskAdapter.DISK_ADAPTER_IDE);
        } else if (disk.getBus() == DiskBus.DISK_BUS_SCSI) {
            Set<DiskAdapter> adapters = HypervisorProfile.scsiAdapters(kind, hw);
            if (!adapters.contains(disk.getAdapter())) {
                changes.add(disk0 + ": SCSI adapter " + shortName(disk.getAdapter()) + " → lsilogic (not emulated by "
                        + HypervisorProfile.name(kind) + "; the guest needs its LSI Logic driver)");
                out.setAdapter(DiskAdapter.DISK_ADAPTER_LSILOGIC);
            }
        }
        return out.build();
    }

    /** Why a disk's format cannot run on the hypervisor as is, or empty when it can. */
    private static Optional<String> formatProblem(DiskSpec disk, HypervisorKind kind) {
        DiskFormat format = disk.getFormat();
        VmdkCreateType createType = disk.getVmdkCreateType();
        if (format == DiskFormat.DISK_FORMAT_VMDK) {
            if (createType == VmdkCreateType.VMDK_CREATE_TYPE_STREAM_OPTIMIZED) {
                return Optional.of("streamOptimized VMDK is a transfer format no hypervisor runs in place");
            }
            if (!HypervisorProfile.runnableVmdk(kind).contains(createType)) {
                return Optional.of("VMDK subformat " + shortName(createType) + " does not run on "
                        + HypervisorProfile.name(kind)
                        + (kind == HypervisorKind.HYPERVISOR_KIND_LIBVIRT_XEN ? " (tap:vmdk reads single-extent "
                        + "monolithicSparse and monolithicFlat only)" : ""));
            }
            return Optional.empty();
        }
        if (format == DiskFormat.DISK_FORMAT_RAW) {
            return HypervisorProfile.isVmware(kind) ? Optional.of("raw images do not run on "
                    + HypervisorProfile.name(kind)) : Optional.empty();
        }
        if (format == DiskFormat.DISK_FORMAT_QCOW2) {
            return HypervisorProfile.isQemu(kind) ? Optional.empty()
                    : Optional.of("qcow2 does not run on " + HypervisorProfile.name(kind));
        }
        return Optional.of("disk format unknown");
    }

    private static List<List<String>> commands(DiskSpec disk, String source, String target, DiskFormat format,
                                               VmdkCreateType createType) {
        String sourceFormat = switch (disk.getFormat()) {
            case DISK_FORMAT_VMDK -> "vmdk";
            case DISK_FORMAT_QCOW2 -> "qcow2";
            default -> "raw";
        };
        List<String> convert = new ArrayList<>(List.of("qemu-img", "convert", "-f", sourceFormat, "-O"));
        List<List<String>> commands = new ArrayList<>();
        switch (format) {
            case DISK_FORMAT_QCOW2 -> convert.addAll(List.of("qcow2", "-o", "compat=1.1"));
            case DISK_FORMAT_RAW -> convert.add("raw");
            default -> {
                String adapter = disk.getBus() == DiskBus.DISK_BUS_IDE ? "ide" : "lsilogic";
                String subformat = createType == VmdkCreateType.VMDK_CREATE_TYPE_VMFS ? "monolithicFlat"
                        : "monolithicSparse";
                convert.addAll(List.of("vmdk", "-o", "subformat=" + subformat + ",adapter_type=" + adapter));
            }
        }
        convert.add(source);
        convert.add(target);
        commands.add(convert);
        if (createType == VmdkCreateType.VMDK_CREATE_TYPE_VMFS) {
            // qemu-img writes a monolithicFlat descriptor; ESXi runs the same flat extent when it is typed "vmfs".
            commands.add(List.of("sed", "-i", "s/^createType=.*/createType=\"vmfs\"/", target));
        }
        return commands;
    }

    private static NicSpec judgeNic(int index, NicSpec nic, HypervisorKind kind, int hw, PlacementTarget target,
                                    String where, List<String> refusals, List<String> changes) {
        String nic0 = "NIC " + index;
        NicSpec.Builder out = nic.toBuilder();
        String mac = nic.getMacAddress().toLowerCase(Locale.ROOT);
        out.setMacAddress(mac);
        if (!MAC.matcher(mac).matches()) {
            refusals.add(where + ": " + nic0 + " MAC address '" + printable(nic.getMacAddress()) + "' is malformed");
        } else if ((Integer.parseInt(mac.substring(0, 2), 16) & 1) != 0) {
            refusals.add(where + ": " + nic0 + " MAC address " + mac + " is a multicast address");
        } else if (HypervisorProfile.isVmware(kind)) {
            String oui = mac.substring(0, 8);
            if (!VMWARE_OUIS.contains(oui)) {
                refusals.add(where + ": " + nic0 + " MAC address " + mac + " is outside VMware's ranges "
                        + "(00:50:56, 00:0c:29, 00:05:69, 00:1c:14), which VMware refuses");
            } else if (!isStaticVmwareMac(mac)) {
                changes.add(nic0 + ": generated MAC " + mac + " copied as a static address");
            }
        }
        Set<NicModel> models = HypervisorProfile.nicModels(kind, hw);
        if (!models.isEmpty() && !models.contains(nic.getModel())) {
            NicModel replacement = NicModel.NIC_MODEL_E1000;
            changes.add(nic0 + ": model " + shortName(nic.getModel()) + " → " + shortName(replacement)
                    + " (not emulated by " + HypervisorProfile.name(kind) + ")");
            out.setModel(replacement);
        }
        String mapped = target.networkMap().get(nic.getNetwork());
        if (mapped == null || mapped.isBlank()) {
            refusals.add(where + ": " + nic0 + " network '" + printable(nic.getNetwork())
                    + "' has no mapping to a network on host " + target.facts().getHostId() + " in the plan");
        } else {
            if (!mapped.equals(nic.getNetwork())) {
                changes.add(nic0 + ": network '" + nic.getNetwork() + "' → '" + mapped + "'");
            }
            out.setNetwork(mapped);
        }
        return out.build();
    }

    /** Whether a MAC lies in VMware's static (manually assigned) range 00:50:56:00:00:00–00:50:56:3f:ff:ff. */
    static boolean isStaticVmwareMac(String mac) {
        return mac.startsWith("00:50:56:") && Integer.parseInt(mac.substring(9, 11), 16) <= 0x3f;
    }

    /**
     * Checks that a target has the memory, vCPUs and datastore space for every guest a plan places on it at once.
     */
    public CapacityVerdict judgeCapacity(HostFacts target, List<GuestSpec> guests) {
        long memory = 0;
        long vcpus = 0;
        long disk = 0;
        List<String> shortfalls = new ArrayList<>();
        for (GuestSpec guest : guests) {
            memory = Math.addExact(memory, guest.getMemoryBytes());
            vcpus += guest.getVcpus();
            for (DiskSpec d : guest.getDisksList()) {
                disk = Math.addExact(disk, d.getCapacityBytes());
            }
            if (guest.getVcpus() > target.getCpuCount()) {
                shortfalls.add("guest " + label(guest) + " has " + guest.getVcpus() + " vCPUs, host "
                        + target.getHostId() + " has " + target.getCpuCount() + " logical CPUs");
            }
        }
        long vcpusAvailable = (long) Math.floor(target.getCpuCount() * vcpuOvercommit);
        String plan = " for the " + guests.size() + " guest(s) the plan places on host " + target.getHostId();
        if (Long.compareUnsigned(memory, target.getMemoryFreeBytes()) > 0) {
            shortfalls.add("memory: " + memory + " bytes needed" + plan + ", " + target.getMemoryFreeBytes()
                    + " bytes free");
        }
        if (vcpus > vcpusAvailable) {
            shortfalls.add("vCPUs: " + vcpus + " needed" + plan + ", " + vcpusAvailable + " available ("
                    + target.getCpuCount() + " logical CPUs × " + vcpuOvercommit + ")");
        }
        if (Long.compareUnsigned(disk, target.getDatastoreFreeBytes()) > 0) {
            shortfalls.add("datastore: " + disk + " bytes needed" + plan + ", " + target.getDatastoreFreeBytes()
                    + " bytes free");
        }
        return new CapacityVerdict(target.getHostId(), guests.stream().map(GuestSpec::getGuestId).toList(), memory,
                target.getMemoryFreeBytes(), vcpus, vcpusAvailable, disk, target.getDatastoreFreeBytes(), shortfalls);
    }

    private static String label(GuestSpec guest) {
        return guest.getName().isEmpty() ? guest.getGuestId() : printable(guest.getName());
    }

    private static String fileName(String path) {
        int slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        return path.substring(slash + 1);
    }

    private static String join(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    private static String extension(DiskFormat format) {
        return switch (format) {
            case DISK_FORMAT_QCOW2 -> "qcow2";
            case DISK_FORMAT_RAW -> "raw";
            default -> "vmdk";
        };
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        s.codePoints().limit(120).forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    private static String shortName(Enum<?> value) {
        String name = value.name();
        int cut = name.indexOf('_', name.indexOf('_') + 1);
        String tail = cut >= 0 ? name.substring(cut + 1) : name;
        if (value instanceof VmdkCreateType) {
            return switch ((VmdkCreateType) value) {
                case VMDK_CREATE_TYPE_MONOLITHIC_SPARSE -> "monolithicSparse";
                case VMDK_CREATE_TYPE_MONOLITHIC_FLAT -> "monolithicFlat";
                case VMDK_CREATE_TYPE_TWO_GB_MAX_EXTENT_SPARSE -> "twoGbMaxExtentSparse";
                case VMDK_CREATE_TYPE_TWO_GB_MAX_EXTENT_FLAT -> "twoGbMaxExtentFlat";
                case VMDK_CREATE_TYPE_STREAM_OPTIMIZED -> "streamOptimized";
                case VMDK_CREATE_TYPE_VMFS -> "vmfs";
                case VMDK_CREATE_TYPE_VMFS_SPARSE -> "vmfsSparse";
                default -> "unknown";
            };
        }
        if (value instanceof DiskAdapter || value instanceof NicModel || value instanceof DiskBus) {
            return tail.toLowerCase(Locale.ROOT).replace("_", "");
        }
        return tail.toLowerCase(Locale.ROOT);
    }
}
