package io.lifeboat.agent.drill;

import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.protocol.v1.Datastore;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HypervisorKind;
import io.lifeboat.protocol.v1.VmdkCreateType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The copy-on-write disk a drill copy runs from on a kind of hypervisor: a qcow2 overlay for libvirt, a VMDK child
 * disk (monolithicSparse with {@code parentCID} and a relative {@code parentFileNameHint}) for VMware, whose hosts
 * run VMDK only. Either is made by {@code qemu-img create -b base-<i>.vmdk -F vmdk} next to its read-only base.
 */
public enum DrillOverlay {
  /** {@code overlay-<i>.qcow2}, backing file named by its absolute path. */
  QCOW2("qcow2", DiskFormat.DISK_FORMAT_QCOW2, VmdkCreateType.VMDK_CREATE_TYPE_UNSPECIFIED),
  /** {@code overlay-<i>.vmdk}, parent named relative to the drill directory, as VMware resolves it. */
  VMDK_CHILD("vmdk", DiskFormat.DISK_FORMAT_VMDK, VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE);

  /** The VMDK adapter types qemu-img writes. */
  private static final Set<String> QEMU_ADAPTER_TYPES = Set.of("ide", "buslogic", "lsilogic", "legacyESX");

  private final String qemuFormat;
  private final DiskFormat diskFormat;
  private final VmdkCreateType createType;

  DrillOverlay(String qemuFormat, DiskFormat diskFormat, VmdkCreateType createType) {
    this.qemuFormat = qemuFormat;
    this.diskFormat = diskFormat;
    this.createType = createType;
  }

  /** @return the format as qemu-img names it, which is also the overlay's file extension */
  public String qemuFormat() {
    return qemuFormat;
  }

  /** @return the format the drill copy's disk spec gives */
  public DiskFormat diskFormat() {
    return diskFormat;
  }

  /** @return the VMDK subformat the disk spec gives, unspecified for qcow2 */
  public VmdkCreateType createType() {
    return createType;
  }

  /**
   * The overlay of disk {@code index} in a drill directory.
   *
   * @param drillDir the drill directory
   * @param index the disk index
   * @return {@code overlay-<index>.qcow2|.vmdk}
   */
  public Path overlayPath(Path drillDir, int index) {
    return drillDir.resolve("overlay-" + index + "." + qemuFormat);
  }

  /**
   * How the overlay names its base: its absolute path for qcow2; for a VMDK child the file name, which VMware (and
   * qemu) resolve in the child's own directory, so that the datastore path of the pair does not matter.
   *
   * @param base the base, in the same directory as the overlay
   * @return the backing file name to write into the overlay
   */
  public String backingName(Path base) {
    return this == VMDK_CHILD ? base.getFileName().toString() : base.toString();
  }

  /**
   * The qemu-img {@code -o} options of the overlay: none for qcow2; for a VMDK child its base's adapter type, as far
   * as qemu-img writes one (SAS and paravirtual SCSI become lsilogic, the nearest it knows; none known becomes ide).
   *
   * @param baseAdapterType the base's {@code ddb.adapterType}, or null
   * @return the options, or empty
   */
  public String createOptions(String baseAdapterType) {
    if (this == QCOW2) {
      return "";
    }
    String adapter = baseAdapterType == null ? "ide"
        : QEMU_ADAPTER_TYPES.contains(baseAdapterType) ? baseAdapterType : "lsilogic";
    return "adapter_type=" + adapter;
  }

  /**
   * Chooses the overlay for the host, or refuses a drill that cannot run there.
   *
   * @param facts the host's facts
   * @param drillDir the drill's directory as the agent writes it
   * @param where the drill, agent and host, for messages
   * @return QCOW2 on libvirt; VMDK_CHILD on a VMware host whose datastore holds the drill directory
   * @throws HypervisorException ({@code drill_unsupported}, permanent) on a VMware host reached over SSH (the agent's
   *     files are not the host's), or when the drill directory lies in none of the host's datastores
   */
  public static DrillOverlay forHost(HostFacts facts, Path drillDir, String where) {
    HypervisorKind kind = facts.getHypervisorKind();
    if (kind != HypervisorKind.HYPERVISOR_KIND_VMWARE_SERVER && kind != HypervisorKind.HYPERVISOR_KIND_VMWARE_ESXI
        && kind != HypervisorKind.HYPERVISOR_KIND_VMWARE_WORKSTATION) {
      return QCOW2;
    }
    String host = "VMware host " + (facts.getHostname().isEmpty() ? "(unnamed)" : facts.getHostname());
    if (facts.getAgentless()) {
      throw HypervisorException.permanent("drill_unsupported", where + ": " + host + " is driven agentless over"
          + " SSH, and drills write their disks on the agent's own file system, which the host does not see;"
          + " run the agent on the host to drill there");
    }
    List<String> datastores = new ArrayList<>();
    Path dir = drillDir.toAbsolutePath().normalize();
    for (Datastore d : facts.getDatastoresList()) {
      if (d.getPath().startsWith("/")) {
        datastores.add(d.getName() + "=" + d.getPath());
        if (dir.startsWith(Path.of(d.getPath()).normalize())) {
          return VMDK_CHILD;
        }
      }
    }
    throw HypervisorException.permanent("drill_unsupported", where + ": the drill directory " + dir + " lies in"
        + " none of the datastores of " + host + " " + datastores + "; set the agent's first store.guestDirs"
        + " inside one");
  }
}
