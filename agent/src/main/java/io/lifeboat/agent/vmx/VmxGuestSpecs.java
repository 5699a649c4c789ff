package io.lifeboat.agent.vmx;

import io.lifeboat.protocol.v1.DiskAdapter;
import io.lifeboat.protocol.v1.DiskBus;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.Firmware;
import io.lifeboat.protocol.v1.GuestBitness;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** Converts between {@code .vmx} files and lifeboat.v1 {@link GuestSpec}s. */
public final class VmxGuestSpecs {
  private static final long MIB = 1024L * 1024L;
  private static final Pattern DEVICE = Pattern.compile("(scsi|ide|sata|nvme)([0-9]{1,2}):([0-9]{1,2})");

  private VmxGuestSpecs() {}

  /**
   * Reads a guest spec from a {@code .vmx}; disk paths are resolved inside the VM folder (hostile names refused).
   * Power state, capacities and VMDK subformats are not in the {@code .vmx}: the driver fills them in.
   *
   * @param vmx the parsed file
   * @param vmxPath where the file lives on its host (its folder is the VM folder)
   * @return the spec
   * @throws VmxFormatException when a value is malformed or a disk lies outside the VM folder
   */
  public static GuestSpec toGuestSpec(VmxFile vmx, Path vmxPath) {
    Path folder = vmxPath.toAbsolutePath().normalize().getParent();
    GuestSpec.Builder spec = GuestSpec.newBuilder().setConfigPath(vmxPath.toString());
    vmx.displayName().ifPresent(spec::setName);
    vmx.uuidBios().ifPresent(spec::setHypervisorUuid);
    String guestOs = vmx.guestOs().orElse("");
    spec.setGuestOs(guestOs);
    if (!guestOs.isEmpty()) {
      spec.setBitness(guestOs.toLowerCase(Locale.ROOT).contains("64") ? GuestBitness.GUEST_BITNESS_64
          : GuestBitness.GUEST_BITNESS_32);
    }
    spec.setFirmware(vmx.get("firmware").map(f -> f.equalsIgnoreCase("efi")).orElse(false)
        ? Firmware.FIRMWARE_UEFI : Firmware.FIRMWARE_BIOS);
    spec.setVcpus(vmx.numvcpus().orElse(1));
    vmx.memsizeMib().ifPresent(m -> spec.setMemoryBytes(m * MIB));
    vmx.virtualHwVersion().ifPresent(spec::setVmwareHardwareVersion);
    for (String device : vmx.diskDevices()) {
      String fileName = vmx.diskFileName(device).orElseThrow();
      Path path = vmx.resolveDisk(folder, device, fileName);
      var m = DEVICE.matcher(device);
      if (!m.matches()) {
        continue;
      }
      DiskSpec.Builder disk = DiskSpec.newBuilder().setPath(path.toString()).setTarget(device);
      String lowerName = fileName.toLowerCase(Locale.ROOT);
      disk.setFormat(lowerName.endsWith(".vmdk") ? DiskFormat.DISK_FORMAT_VMDK : DiskFormat.DISK_FORMAT_RAW);
      switch (m.group(1)) {
        case "scsi" -> {
          disk.setBus(DiskBus.DISK_BUS_SCSI);
          disk.setAdapter(adapterOf(vmx.scsiVirtualDev(Integer.parseInt(m.group(2))).orElse("buslogic")));
        }
        case "ide" -> disk.setBus(DiskBus.DISK_BUS_IDE).setAdapter(DiskAdapter.DISK_ADAPTER_IDE);
        case "sata" -> disk.setBus(DiskBus.DISK_BUS_SATA).setAdapter(DiskAdapter.DISK_ADAPTER_AHCI);
        default -> disk.setBus(DiskBus.DISK_BUS_UNSPECIFIED);
      }
      spec.addDisks(disk);
    }
    for (int n : vmx.ethernetIndexes()) {
      NicSpec.Builder nic = NicSpec.newBuilder();
      vmx.ethernetMac(n).ifPresent(nic::setMacAddress);
      nic.setModel(nicModelOf(vmx.ethernetVirtualDev(n).orElse("vlance")));
      String network = vmx.get("ethernet" + n + ".networkName")
          .or(() -> vmx.get("ethernet" + n + ".connectionType")).orElse("");
      nic.setNetwork(network);
      spec.addNics(nic);
    }
    return spec.build();
  }

  /**
   * Writes a guest spec into a {@code .vmx}: a new file when {@code base} is null, else the keys Lifeboat owns are
   * updated and every other key kept. Disk paths must lie inside {@code vmFolder}; they are written relative to it.
   * uuid.action is set to "keep" so that VMware keeps the identity and generated MACs after the move.
   *
   * @param spec the guest
   * @param vmFolder the folder the {@code .vmx} will live in
   * @param base an existing file to update, or null
   * @return the file
   * @throws VmxFormatException when a name is hostile or a disk lies outside the folder
   */
  public static VmxFile toVmx(GuestSpec spec, Path vmFolder, VmxFile base) {
    Path folder = vmFolder.toAbsolutePath().normalize();
    VmxFile vmx = base != null ? base : VmxFile.empty(folder.resolve(fileStem(spec.getName()) + ".vmx").toString());
    if (vmx.get("config.version").isEmpty()) {
      vmx.set("config.version", "8");
    }
    vmx.set("virtualHW.version", Integer.toString(spec.getVmwareHardwareVersion() > 0
        ? spec.getVmwareHardwareVersion() : 4));
    vmx.displayName(spec.getName());
    if (!spec.getGuestOs().isEmpty()) {
      vmx.set("guestOS", spec.getGuestOs());
    }
    if (spec.getMemoryBytes() > 0) {
      vmx.set("memsize", Long.toString(Math.max(4, spec.getMemoryBytes() / MIB)));
    }
    vmx.set("numvcpus", Integer.toString(Math.max(1, spec.getVcpus())));
    if (spec.getFirmware() == Firmware.FIRMWARE_UEFI) {
      vmx.set("firmware", "efi");
    }
    if (!spec.getHypervisorUuid().isEmpty()) {
      vmx.uuidBios(spec.getHypervisorUuid());
    }
    vmx.set("uuid.action", "keep");
    // Boot evidence: a guest Lifeboat registers logs its first serial port to a file in its own folder.
    if (vmx.get("serial0.present").isEmpty()) {
      vmx.set("serial0.present", "TRUE");
      vmx.set("serial0.fileType", "file");
      vmx.set("serial0.fileName", fileStem(spec.getName()) + "-serial0.log");
    }
    Map<Integer, DiskAdapter> scsi = new TreeMap<>();
    int nextScsi = 0;
    int nextIde = 0;
    for (DiskSpec disk : spec.getDisksList()) {
      String device = deviceFor(disk, nextScsi, nextIde);
      var m = DEVICE.matcher(device);
      if (!m.matches()) {
        throw new VmxFormatException(vmx.source() + ": disk target \"" + VmxFile.printable(device)
            + "\" is not a VMware device like scsi0:0");
      }
      if (m.group(1).equals("scsi")) {
        scsi.put(Integer.parseInt(m.group(2)), disk.getAdapter());
        nextScsi = Math.max(nextScsi, Integer.parseInt(m.group(3)) + 1);
      } else if (m.group(1).equals("ide")) {
        nextIde = Math.max(nextIde, 2 * Integer.parseInt(m.group(2)) + Integer.parseInt(m.group(3)) + 1);
      }
      Path path = Path.of(disk.getPath());
      Path resolved = vmx.resolveDisk(folder, device, disk.getPath());
      String relative = path.isAbsolute() ? folder.relativize(resolved).toString() : disk.getPath();
      vmx.set(device + ".present", "TRUE");
      vmx.diskFileName(device, relative);
    }
    scsi.forEach((n, adapter) -> {
      vmx.set("scsi" + n + ".present", "TRUE");
      vmx.set("scsi" + n + ".virtualDev", virtualDevOf(adapter));
    });
    for (int n = 0; n < spec.getNicsCount(); n++) {
      NicSpec nic = spec.getNics(n);
      vmx.set("ethernet" + n + ".present", "TRUE");
      vmx.set("ethernet" + n + ".virtualDev", virtualDevOf(nic.getModel()));
      if (!nic.getMacAddress().isEmpty()) {
        vmx.ethernetMac(n, nic.getMacAddress());
      }
      if (!nic.getNetwork().isEmpty()) {
        vmx.set("ethernet" + n + ".networkName", nic.getNetwork());
      }
    }
    return vmx;
  }

  /**
   * Derives a file stem (for {@code <stem>.vmx}, {@code <stem>.nvram}) from a display name, refusing names that
   * could escape a folder or that carry control characters.
   *
   * @param name the display name
   * @return the stem
   * @throws VmxFormatException when the name is empty, ".", "..", or holds '/', '\\' or control characters
   */
  public static String fileStem(String name) {
    if (name.isEmpty() || name.equals(".") || name.equals("..") || name.length() > 200) {
      throw new VmxFormatException("guest name \"" + VmxFile.printable(name) + "\" cannot name a file");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '/' || c == '\\') {
        throw new VmxFormatException("guest name \"" + VmxFile.printable(name)
            + "\" has '/', '\\' or a control character and cannot name a file");
      }
    }
    return name;
  }

  private static String deviceFor(DiskSpec disk, int nextScsi, int nextIde) {
    String target = disk.getTarget().toLowerCase(Locale.ROOT);
    if (DEVICE.matcher(target).matches()) {
      return target;
    }
    if (disk.getBus() == DiskBus.DISK_BUS_IDE) {
      return "ide" + (nextIde / 2) + ":" + (nextIde % 2);
    }
    return "scsi0:" + (nextScsi == 7 ? 8 : nextScsi);
  }

  static DiskAdapter adapterOf(String virtualDev) {
    return switch (virtualDev.toLowerCase(Locale.ROOT)) {
      case "buslogic" -> DiskAdapter.DISK_ADAPTER_BUSLOGIC;
      case "lsilogic" -> DiskAdapter.DISK_ADAPTER_LSILOGIC;
      case "lsisas1068" -> DiskAdapter.DISK_ADAPTER_LSILOGIC_SAS;
      case "pvscsi" -> DiskAdapter.DISK_ADAPTER_PVSCSI;
      default -> DiskAdapter.DISK_ADAPTER_UNSPECIFIED;
    };
  }

  static String virtualDevOf(DiskAdapter adapter) {
    return switch (adapter) {
      case DISK_ADAPTER_LSILOGIC -> "lsilogic";
      case DISK_ADAPTER_LSILOGIC_SAS -> "lsisas1068";
      case DISK_ADAPTER_PVSCSI -> "pvscsi";
      default -> "buslogic";
    };
  }

  static NicModel nicModelOf(String virtualDev) {
    return switch (virtualDev.toLowerCase(Locale.ROOT)) {
      case "e1000" -> NicModel.NIC_MODEL_E1000;
      case "e1000e" -> NicModel.NIC_MODEL_E1000E;
      case "vlance" -> NicModel.NIC_MODEL_PCNET;
      case "vmxnet" -> NicModel.NIC_MODEL_VMXNET;
      case "vmxnet2" -> NicModel.NIC_MODEL_VMXNET2;
      case "vmxnet3" -> NicModel.NIC_MODEL_VMXNET3;
      default -> NicModel.NIC_MODEL_UNSPECIFIED;
    };
  }

  static String virtualDevOf(NicModel model) {
    return switch (model) {
      case NIC_MODEL_E1000 -> "e1000";
      case NIC_MODEL_E1000E -> "e1000e";
      case NIC_MODEL_VMXNET -> "vmxnet";
      case NIC_MODEL_VMXNET2 -> "vmxnet2";
      case NIC_MODEL_VMXNET3 -> "vmxnet3";
      case NIC_MODEL_PCNET -> "vlance";
      default -> "e1000";
    };
  }
}
