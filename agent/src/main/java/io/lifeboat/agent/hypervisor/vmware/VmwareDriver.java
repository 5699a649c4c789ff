package io.lifeboat.agent.hypervisor.vmware;

import com.vmware.vim25.AutoStartPowerInfo;
import com.vmware.vim25.AutoStartWaitHeartbeatSetting;
import com.vmware.vim25.HostAutoStartManagerConfig;
import com.vmware.vim25.HostCpuIdInfo;
import com.vmware.vim25.ManagedObjectNotFound;
import com.vmware.vim25.ManagedObjectReference;
import com.vmware.vim25.ParaVirtualSCSIController;
import com.vmware.vim25.TaskInfo;
import com.vmware.vim25.VirtualBusLogicController;
import com.vmware.vim25.VirtualDevice;
import com.vmware.vim25.VirtualDeviceFileBackingInfo;
import com.vmware.vim25.VirtualDisk;
import com.vmware.vim25.VirtualE1000;
import com.vmware.vim25.VirtualE1000e;
import com.vmware.vim25.VirtualEthernetCard;
import com.vmware.vim25.VirtualEthernetCardNetworkBackingInfo;
import com.vmware.vim25.VirtualIDEController;
import com.vmware.vim25.VirtualLsiLogicController;
import com.vmware.vim25.VirtualLsiLogicSASController;
import com.vmware.vim25.VirtualMachinePowerState;
import com.vmware.vim25.VirtualMachineSnapshotTree;
import com.vmware.vim25.VirtualPCNet32;
import com.vmware.vim25.VirtualSCSIController;
import com.vmware.vim25.VirtualVmxnet;
import com.vmware.vim25.VirtualVmxnet2;
import com.vmware.vim25.VirtualVmxnet3;
import com.vmware.vim25.mo.ComputeResource;
import com.vmware.vim25.mo.Datacenter;
import com.vmware.vim25.mo.Datastore;
import com.vmware.vim25.mo.HostAutoStartManager;
import com.vmware.vim25.mo.HostSystem;
import com.vmware.vim25.mo.InventoryNavigator;
import com.vmware.vim25.mo.ManagedEntity;
import com.vmware.vim25.mo.ServiceInstance;
import com.vmware.vim25.mo.Task;
import com.vmware.vim25.mo.VirtualMachine;
import com.vmware.vim25.mo.VirtualMachineSnapshot;
import io.lifeboat.agent.hypervisor.BackupSnapshot;
import io.lifeboat.agent.hypervisor.BootEvidence;
import io.lifeboat.agent.hypervisor.FrozenDisk;
import io.lifeboat.agent.hypervisor.GuestRef;
import io.lifeboat.agent.hypervisor.HypervisorDriver;
import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.agent.hypervisor.Registration;
import io.lifeboat.agent.hypervisor.vmware.remote.RemoteFileSystem;
import io.lifeboat.agent.hypervisor.vmware.remote.SftpRemoteFiles;
import io.lifeboat.agent.vmx.VmxFile;
import io.lifeboat.agent.vmx.VmxGuestSpecs;
import io.lifeboat.protocol.v1.CpuVendor;
import io.lifeboat.protocol.v1.DiskAdapter;
import io.lifeboat.protocol.v1.DiskBus;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.GuestBitness;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HypervisorKind;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import io.lifeboat.protocol.v1.PowerState;
import io.lifeboat.protocol.v1.VirtualizationExtension;
import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.DiskImages;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@link HypervisorDriver} for VMware hosts through the VI API with vijava 5.1: VMware Server 2 (the old host
 * without VT-x, often agentless) and ESXi. Inventory is read by narrow property paths only (vijava fails on fields
 * it does not know); backups use CreateSnapshot_Task / RemoveSnapshot_Task; failover uses RegisterVM_Task and
 * PowerOn. Datastore files are read over SFTP ({@link SftpRemoteFiles}) or locally when the agent runs on the host.
 * Every blocking call runs on the worker pool {@code lifeboat-vmware-<host>}; fence has a pool of its own.
 */
public final class VmwareDriver implements HypervisorDriver {
  static final String[] VM_PATHS = {"name", "config.files.vmPathName", "config.version", "config.guestId",
      "runtime.powerState", "config.hardware.device", "config.uuid", "config.hardware.numCPU",
      "config.hardware.memoryMB"};
  private static final DateTimeFormatter SNAPSHOT_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final VmwareSettings settings;
  private final ServiceInstance si;
  private final DatastorePaths datastores;
  private final SftpRemoteFiles sftp;
  private final FileSystem files;
  private final WorkerExecutor worker;
  private final WorkerExecutor fenceWorker;
  /** Guests registered TRANSIENT: VMware has no transient VMs, so they are unregistered when stopped or fenced. */
  private final java.util.Set<String> transientUuids = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private VmwareDriver(Vertx vertx, VmwareSettings settings, ServiceInstance si, SftpRemoteFiles sftp) {
    this.settings = settings;
    this.si = si;
    this.sftp = sftp;
    this.datastores = new DatastorePaths(settings.datastoreDirs());
    this.files = sftp == null ? FileSystems.getDefault() : RemoteFileSystem.over(sftp);
    String host = settings.sdkUrl().getHost();
    this.worker = vertx.createSharedWorkerExecutor("lifeboat-vmware-" + host, Math.max(1, settings.workers()));
    this.fenceWorker = vertx.createSharedWorkerExecutor("lifeboat-vmware-fence-" + host, 1);
  }

  /**
   * Logs in to the VI API (and SSH when configured), on a worker thread.
   *
   * @param vertx Vert.x
   * @param settings where and how
   * @return the connected driver
   */
  public static Future<VmwareDriver> connect(Vertx vertx, VmwareSettings settings) {
    return vertx.executeBlocking(() -> {
      ServiceInstance si;
      try {
        si = new ServiceInstance(settings.sdkUrl(), settings.user(), settings.password(),
            settings.ignoreCertificates());
      } catch (Exception e) {
        throw VmwareErrors.classify(settings.sdkUrl().toString(), "log in as " + settings.user(), e);
      }
      SftpRemoteFiles sftp = null;
      if (settings.ssh() != null) {
        try {
          sftp = SftpRemoteFiles.connect(settings.ssh());
        } catch (IOException e) {
          si.getServerConnection().logout();
          throw VmwareErrors.classify(settings.ssh().target(), "connect over SSH", e);
        }
      }
      return new VmwareDriver(vertx, settings, si, sftp);
    }, false);
  }

  @Override
  public String endpoint() {
    return settings.sdkUrl().toString();
  }

  private <T> Future<T> blocking(String action, Callable<T> work) {
    return worker.executeBlocking(() -> {
      try {
        return work.call();
      } catch (Exception e) {
        throw VmwareErrors.classify(endpoint(), action, e);
      }
    }, false);
  }

  // ---- facts and inventory ----

  @Override
  public Future<HostFacts> hostFacts() {
    return blocking("read host facts", () -> {
      HostSystem host = host();
      Hashtable<?, ?> p = host.getPropertiesByPaths(new String[] {"hardware.cpuFeature",
          "summary.hardware.cpuModel", "summary.hardware.numCpuThreads", "summary.hardware.memorySize",
          "summary.quickStats.overallMemoryUsage"});
      var about = si.getAboutInfo();
      HostFacts.Builder f = HostFacts.newBuilder().setHostname(settings.sdkUrl().getHost())
          .setHypervisorKind(about.getFullName() != null && about.getFullName().contains("Server")
              ? HypervisorKind.HYPERVISOR_KIND_VMWARE_SERVER : HypervisorKind.HYPERVISOR_KIND_VMWARE_ESXI)
          .setHypervisorVersion(String.valueOf(about.getVersion()))
          .setFencingCapability(settings.fencing())
          .setAgentless(settings.ssh() != null);
      String model = String.valueOf(p.get("summary.hardware.cpuModel"));
      f.setCpuModel(model);
      f.setCpuVendor(model.contains("Intel") ? CpuVendor.CPU_VENDOR_INTEL
          : model.contains("AMD") ? CpuVendor.CPU_VENDOR_AMD : CpuVendor.CPU_VENDOR_OTHER);
      HostCpuIdInfo[] cpuid = (HostCpuIdInfo[]) p.get("hardware.cpuFeature");
      boolean vtx = cpuidBit(cpuid, 1, "ecx", 5);
      boolean amdv = cpuidBit(cpuid, 0x80000001, "ecx", 2);
      f.setVirtualizationExtension(vtx ? VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X
          : amdv ? VirtualizationExtension.VIRTUALIZATION_EXTENSION_AMD_V
          : VirtualizationExtension.VIRTUALIZATION_EXTENSION_NONE);
      f.setCpu64BitCapable(cpuidBit(cpuid, 0x80000001, "edx", 29));
      if (p.get("summary.hardware.numCpuThreads") instanceof Number n) {
        f.setCpuCount(n.intValue());
      }
      if (p.get("summary.hardware.memorySize") instanceof Number n) {
        f.setMemoryBytes(n.longValue());
        if (p.get("summary.quickStats.overallMemoryUsage") instanceof Number used) {
          f.setMemoryFreeBytes(Math.max(0, n.longValue() - used.longValue() * 1024 * 1024));
        }
      }
      long free = 0;
      for (Datastore ds : host.getDatastores()) {
        Hashtable<?, ?> d = ds.getPropertiesByPaths(new String[] {"summary.name", "summary.capacity",
            "summary.freeSpace"});
        String name = String.valueOf(d.get("summary.name"));
        long cap = d.get("summary.capacity") instanceof Number n ? n.longValue() : 0;
        long fr = d.get("summary.freeSpace") instanceof Number n ? n.longValue() : 0;
        free += fr;
        f.addDatastores(io.lifeboat.protocol.v1.Datastore.newBuilder().setName(name)
            .setPath(datastores.dirs().getOrDefault(name, "")).setCapacityBytes(cap).setFreeBytes(fr));
      }
      return f.setDatastoreFreeBytes(free).build();
    });
  }

  /** Bit {@code n} of a CPUID register as the VI API writes it: 32 digits, bit 31 first, with colons. */
  static boolean cpuidBit(HostCpuIdInfo[] features, int level, String register, int n) {
    if (features == null) {
      return false;
    }
    for (HostCpuIdInfo leaf : features) {
      if (leaf.getLevel() != level) {
        continue;
      }
      String value = switch (register) {
        case "eax" -> leaf.getEax();
        case "ebx" -> leaf.getEbx();
        case "ecx" -> leaf.getEcx();
        default -> leaf.getEdx();
      };
      String bits = value == null ? "" : value.replace(":", "");
      return bits.length() == 32 && bits.charAt(31 - n) == '1';
    }
    return false;
  }

  @Override
  public Future<List<GuestSpec>> inventory() {
    return blocking("list guests", () -> {
      List<GuestSpec> out = new ArrayList<>();
      for (ManagedEntity e : vms()) {
        out.add(toSpec(e.getPropertiesByPaths(VM_PATHS)));
      }
      return out;
    });
  }

  @Override
  public Future<GuestSpec> guest(GuestRef guest) {
    return blocking("read guest " + guest, () -> toSpec(find(guest).props));
  }

  private ManagedEntity[] vms() throws Exception {
    ManagedEntity[] found = new InventoryNavigator(si.getRootFolder()).searchManagedEntities("VirtualMachine");
    return found == null ? new ManagedEntity[0] : found;
  }

  private HostSystem host() throws Exception {
    ManagedEntity[] hosts = new InventoryNavigator(si.getRootFolder()).searchManagedEntities("HostSystem");
    if (hosts == null || hosts.length == 0) {
      throw HypervisorException.permanent("no_host", endpoint() + ": the VI API lists no host");
    }
    return (HostSystem) hosts[0];
  }

  /** A VM with the properties read to find it. */
  private record Found(VirtualMachine vm, Hashtable<?, ?> props) {}

  private Found find(GuestRef ref) throws Exception {
    for (ManagedEntity e : vms()) {
      Hashtable<?, ?> p = e.getPropertiesByPaths(VM_PATHS);
      GuestSpec spec = GuestSpec.newBuilder().setName(String.valueOf(p.get("name")))
          .setHypervisorUuid(p.get("config.uuid") == null ? "" : p.get("config.uuid").toString()).build();
      if (ref.matches(spec)) {
        return new Found((VirtualMachine) e, p);
      }
    }
    throw HypervisorException.permanent("no_such_guest", endpoint() + ": no guest " + ref);
  }

  private GuestSpec toSpec(Hashtable<?, ?> p) {
    return toSpec(p, datastores);
  }

  /** Maps the narrow VM properties of {@link #VM_PATHS} to a guest spec, disk paths translated to host paths. */
  static GuestSpec toSpec(Hashtable<?, ?> p, DatastorePaths datastores) {
    GuestSpec.Builder g = GuestSpec.newBuilder().setName(String.valueOf(p.get("name")));
    if (p.get("config.uuid") != null) {
      g.setHypervisorUuid(p.get("config.uuid").toString());
    }
    String guestId = p.get("config.guestId") == null ? "" : p.get("config.guestId").toString();
    g.setGuestOs(guestId);
    if (!guestId.isEmpty()) {
      g.setBitness(guestId.toLowerCase(Locale.ROOT).contains("64") ? GuestBitness.GUEST_BITNESS_64
          : GuestBitness.GUEST_BITNESS_32);
    }
    g.setVmwareHardwareVersion(hardwareVersion(String.valueOf(p.get("config.version"))));
    if (p.get("config.hardware.numCPU") instanceof Number n) {
      g.setVcpus(n.intValue());
    }
    if (p.get("config.hardware.memoryMB") instanceof Number n) {
      g.setMemoryBytes(n.longValue() * 1024 * 1024);
    }
    g.setPowerState(powerState(p.get("runtime.powerState")));
    if (p.get("config.files.vmPathName") != null) {
      g.setConfigPath(hostPathOrSame(datastores, p.get("config.files.vmPathName").toString()));
    }
    VirtualDevice[] devices = p.get("config.hardware.device") instanceof VirtualDevice[] d ? d : new VirtualDevice[0];
    Map<Integer, VirtualDevice> byKey = new HashMap<>();
    for (VirtualDevice d : devices) {
      byKey.put(d.getKey(), d);
    }
    for (VirtualDevice d : devices) {
      if (d instanceof VirtualDisk disk) {
        g.addDisks(toDisk(disk, byKey.get(disk.getControllerKey()), datastores));
      } else if (d instanceof VirtualEthernetCard nic) {
        NicSpec.Builder n = NicSpec.newBuilder().setModel(nicModel(nic));
        if (nic.getMacAddress() != null) {
          n.setMacAddress(nic.getMacAddress().toLowerCase(Locale.ROOT));
        }
        if (nic.getBacking() instanceof VirtualEthernetCardNetworkBackingInfo b && b.getDeviceName() != null) {
          n.setNetwork(b.getDeviceName());
        }
        g.addNics(n);
      }
    }
    return g.build();
  }

  private static DiskSpec toDisk(VirtualDisk disk, VirtualDevice controller, DatastorePaths datastores) {
    DiskSpec.Builder d = DiskSpec.newBuilder().setFormat(DiskFormat.DISK_FORMAT_VMDK)
        .setCapacityBytes(disk.getCapacityInKB() * 1024L);
    if (disk.getBacking() instanceof VirtualDeviceFileBackingInfo b && b.getFileName() != null) {
      d.setPath(hostPathOrSame(datastores, b.getFileName()));
    }
    int unit = disk.getUnitNumber() == null ? 0 : disk.getUnitNumber();
    if (controller instanceof VirtualSCSIController scsi) {
      d.setBus(DiskBus.DISK_BUS_SCSI).setTarget("scsi" + scsi.getBusNumber() + ":" + unit);
      d.setAdapter(controller instanceof VirtualLsiLogicSASController ? DiskAdapter.DISK_ADAPTER_LSILOGIC_SAS
          : controller instanceof VirtualLsiLogicController ? DiskAdapter.DISK_ADAPTER_LSILOGIC
          : controller instanceof VirtualBusLogicController ? DiskAdapter.DISK_ADAPTER_BUSLOGIC
          : controller instanceof ParaVirtualSCSIController ? DiskAdapter.DISK_ADAPTER_PVSCSI
          : DiskAdapter.DISK_ADAPTER_UNSPECIFIED);
    } else if (controller instanceof VirtualIDEController ide) {
      d.setBus(DiskBus.DISK_BUS_IDE).setAdapter(DiskAdapter.DISK_ADAPTER_IDE)
          .setTarget("ide" + ide.getBusNumber() + ":" + unit);
    }
    return d.build();
  }

  private String hostPathOrSame(String datastorePath) {
    return hostPathOrSame(datastores, datastorePath);
  }

  private static String hostPathOrSame(DatastorePaths datastores, String datastorePath) {
    try {
      return datastores.toHostPath(datastorePath);
    } catch (HypervisorException unmapped) {
      return datastorePath;
    }
  }

  static int hardwareVersion(String configVersion) {
    if (configVersion != null && configVersion.startsWith("vmx-")) {
      try {
        return Integer.parseInt(configVersion.substring(4));
      } catch (NumberFormatException ignored) {
        return 0;
      }
    }
    return 0;
  }

  static PowerState powerState(Object state) {
    if (state == VirtualMachinePowerState.poweredOn) {
      return PowerState.POWER_STATE_RUNNING;
    }
    if (state == VirtualMachinePowerState.poweredOff) {
      return PowerState.POWER_STATE_OFF;
    }
    if (state == VirtualMachinePowerState.suspended) {
      return PowerState.POWER_STATE_SUSPENDED;
    }
    return PowerState.POWER_STATE_UNSPECIFIED;
  }

  static NicModel nicModel(VirtualEthernetCard nic) {
    if (nic instanceof VirtualE1000e) {
      return NicModel.NIC_MODEL_E1000E;
    }
    if (nic instanceof VirtualE1000) {
      return NicModel.NIC_MODEL_E1000;
    }
    if (nic instanceof VirtualPCNet32) {
      return NicModel.NIC_MODEL_PCNET;
    }
    if (nic instanceof VirtualVmxnet3) {
      return NicModel.NIC_MODEL_VMXNET3;
    }
    if (nic instanceof VirtualVmxnet2) {
      return NicModel.NIC_MODEL_VMXNET2;
    }
    if (nic instanceof VirtualVmxnet) {
      return NicModel.NIC_MODEL_VMXNET;
    }
    return NicModel.NIC_MODEL_UNSPECIFIED;
  }

  // ---- backup snapshots ----

  @Override
  public Future<BackupSnapshot> snapshotForBackup(GuestRef guest) {
    return blocking("snapshot " + guest + " for backup", () -> {
      Found f = find(guest);
      GuestSpec before = toSpec(f.props);
      Instant now = Instant.now();
      String id = BackupSnapshot.ID_PREFIX + SNAPSHOT_TIME.format(now);
      waitFor(f.vm.createSnapshot_Task(id, "Lifeboat backup cycle; removed when the cycle ends", false, false),
          "create snapshot " + id + " of " + guest);
      GuestSpec after = toSpec(f.vm.getPropertiesByPaths(VM_PATHS));
      List<FrozenDisk> disks = new ArrayList<>();
      for (int i = 0; i < before.getDisksCount(); i++) {
        DiskSpec base = before.getDisks(i);
        String overlay = i < after.getDisksCount() ? after.getDisks(i).getPath() : "";
        disks.add(new FrozenDisk(base, base.getPath(), overlay.equals(base.getPath()) ? "" : overlay));
      }
      return new BackupSnapshot(guest, id, now, before.getPowerState() == PowerState.POWER_STATE_RUNNING, disks);
    });
  }

  @Override
  public Future<DiskImage> openFrozenBase(BackupSnapshot snapshot, int diskIndex) {
    return blocking("open frozen disk " + diskIndex + " of " + snapshot.guest(), () -> {
      if (diskIndex < 0 || diskIndex >= snapshot.disks().size()) {
        throw HypervisorException.permanent("no_such_disk", endpoint() + ": snapshot " + snapshot.snapshotId()
            + " of " + snapshot.guest() + " has no disk " + diskIndex);
      }
      String path = snapshot.disks().get(diskIndex).basePath();
      if (!path.startsWith("/")) {
        throw HypervisorException.permanent("unknown_datastore", endpoint() + ": disk " + path
            + " is on a datastore with no configured directory");
      }
      return DiskImages.open(files.getPath(path));
    });
  }

  @Override
  public Future<Void> releaseSnapshot(BackupSnapshot snapshot) {
    return blocking("release snapshot " + snapshot.snapshotId() + " of " + snapshot.guest(), () -> {
      Found f;
      try {
        f = find(snapshot.guest());
      } catch (HypervisorException gone) {
        if (gone.code().equals("no_such_guest")) {
          return null;
        }
        throw gone;
      }
      for (VirtualMachineSnapshotTree t : snapshotTrees(f.vm)) {
        if (t.getName().equals(snapshot.snapshotId())) {
          remove(t);
        }
      }
      return null;
    });
  }

  @Override
  public Future<List<String>> releaseStaleSnapshots(GuestRef guest) {
    return blocking("release stale snapshots of " + guest, () -> {
      Found f = find(guest);
      List<String> released = new ArrayList<>();
      for (VirtualMachineSnapshotTree t : snapshotTrees(f.vm)) {
        if (t.getName() != null && t.getName().startsWith(BackupSnapshot.ID_PREFIX)) {
          remove(t);
          released.add(t.getName());
        }
      }
      return released;
    });
  }

  private List<VirtualMachineSnapshotTree> snapshotTrees(VirtualMachine vm) throws Exception {
    Object roots = vm.getPropertiesByPaths(new String[] {"snapshot.rootSnapshotList"}).get("snapshot.rootSnapshotList");
    List<VirtualMachineSnapshotTree> all = new ArrayList<>();
    if (roots instanceof VirtualMachineSnapshotTree[] r) {
      collect(r, all);
    }
    return all;
  }

  private static void collect(VirtualMachineSnapshotTree[] trees, List<VirtualMachineSnapshotTree> out) {
    for (VirtualMachineSnapshotTree t : trees) {
      out.add(t);
      if (t.getChildSnapshotList() != null) {
        collect(t.getChildSnapshotList(), out);
      }
    }
  }

  private void remove(VirtualMachineSnapshotTree t) throws Exception {
    ManagedObjectReference ref = t.getSnapshot();
    waitFor(new VirtualMachineSnapshot(si.getServerConnection(), ref).removeSnapshot_Task(false),
        "remove snapshot " + t.getName());
  }

  // ---- registration and power ----

  @Override
  public Future<GuestSpec> register(GuestSpec spec, Registration registration) {
    return blocking("register " + spec.getName(), () -> {
      String stem = VmxGuestSpecs.fileStem(spec.getName());
      if (spec.getDisksCount() == 0) {
        throw HypervisorException.permanent("invalid_request", endpoint() + ": guest " + spec.getName()
            + " has no disk to register");
      }
      Path folder = Path.of(spec.getDisks(0).getPath()).toAbsolutePath().normalize().getParent();
      VmxFile vmx = VmxGuestSpecs.toVmx(spec, folder, null);
      if (spec.getNicsCount() == 0) {
        // Said explicitly, as VMware writes it for a VM without a network adapter (a drill copy, DESIGN.md I1).
        vmx.set("ethernet0.present", "FALSE");
      }
      String vmxHostPath = folder.resolve(stem + ".vmx").toString();
      String dsPath = datastores.toDatastorePath(vmxHostPath).orElseThrow(() -> HypervisorException.permanent(
          "unknown_datastore", endpoint() + ": folder " + folder + " is in no configured datastore"));
      writeHostFile(vmxHostPath, vmx.toBytes());
      writeHostFile(folder.resolve(stem + ".nvram").toString(), new byte[0]);
      Datacenter dc = (Datacenter) new InventoryNavigator(si.getRootFolder()).searchManagedEntities("Datacenter")[0];
      HostSystem host = host();
      ComputeResource compute = (ComputeResource) host.getParent();
      TaskInfo info = waitFor(dc.getVmFolder().registerVM_Task(dsPath, stem, false, compute.getResourcePool(), host),
          "register " + dsPath);
      VirtualMachine vm = new VirtualMachine(si.getServerConnection(), (ManagedObjectReference) info.getResult());
      GuestSpec registered = toSpec(vm.getPropertiesByPaths(VM_PATHS)).toBuilder().setGuestId(spec.getGuestId())
          .build();
      if (registration == Registration.TRANSIENT) {
        transientUuids.add(registered.getHypervisorUuid());
      }
      return registered;
    });
  }

  private void writeHostFile(String hostPath, byte[] content) throws IOException {
    if (sftp != null) {
      sftp.put(hostPath, content, 0640);
    } else {
      io.lifeboat.agent.fence.AtomicFiles.write(Path.of(hostPath), content);
    }
  }

  @Override
  public Future<Void> persist(GuestRef guest) {
    return blocking("persist " + guest, () -> {
      Found f = find(guest);
      transientUuids.remove(String.valueOf(f.props.get("config.uuid")));
      return null; // RegisterVM is persistent already; it just stops being unregistered at stop.
    });
  }

  @Override
  public Future<Void> disableAutostart(GuestRef guest) {
    return blocking("disable autostart of " + guest, () -> {
      ManagedObjectReference vm = find(guest).vm.getMOR();
      // ESXi and VMware Server 2 both expose HostAutoStartManager with the same AutoStartPowerInfo semantics.
      // Narrow paths: HostSystem.getHostAutoStartManager() reads all of configManager, whose newer fields
      // (vFlashManager, ...) vijava 5.1 cannot parse.
      Object ref = host().getPropertiesByPaths(new String[] {"configManager.autoStartManager"})
          .get("configManager.autoStartManager");
      if (!(ref instanceof ManagedObjectReference mor)) {
        return null; // no AutoStartManager: the host starts no VM by itself.
      }
      HostAutoStartManager autostart = new HostAutoStartManager(si.getServerConnection(), mor);
      Object powerInfo;
      try {
        powerInfo = autostart.getPropertiesByPaths(new String[] {"config.powerInfo"}).get("config.powerInfo");
      } catch (ManagedObjectNotFound advertisedOnly) {
        // The host names a manager it does not serve (govmomi's simulator does): nothing there can start a VM.
        return null;
      }
      if (startsAutomatically(powerInfo, vm)) {
        autostart.reconfigureAutostart(autostartOff(vm));
      }
      return null;
    });
  }

  /**
   * The ReconfigureAutostart spec that takes one VM out of the host's automatic start: only its power info is
   * sent (the defaults and the other VMs stay as they are), start action none, stop action unchanged from the
   * host's default, no place in the start order.
   */
  static HostAutoStartManagerConfig autostartOff(ManagedObjectReference vm) {
    AutoStartPowerInfo info = new AutoStartPowerInfo();
    info.setKey(vm);
    info.setStartAction("none");
    info.setStopAction("systemDefault");
    info.setWaitForHeartbeat(AutoStartWaitHeartbeatSetting.systemDefault);
    info.setStartOrder(-1);
    info.setStartDelay(-1);
    info.setStopDelay(-1);
    HostAutoStartManagerConfig spec = new HostAutoStartManagerConfig();
    spec.setPowerInfo(new AutoStartPowerInfo[] {info});
    return spec;
  }

  /**
   * Whether the host's autostart {@code config.powerInfo} lists the VM with a start action other than none (an
   * unlisted VM is started manually only, whatever the defaults say).
   */
  static boolean startsAutomatically(Object powerInfo, ManagedObjectReference vm) {
    if (!(powerInfo instanceof AutoStartPowerInfo[] infos)) {
      return false;
    }
    for (AutoStartPowerInfo info : infos) {
      if (info != null && vm.equals(info.getKey())) {
        return !"none".equalsIgnoreCase(String.valueOf(info.getStartAction()));
      }
    }
    return false;
  }

  @Override
  public Future<Void> unregister(GuestRef guest) {
    return blocking("unregister " + guest, () -> {
      Found f = find(guest);
      if (powerState(f.props.get("runtime.powerState")) == PowerState.POWER_STATE_RUNNING) {
        throw HypervisorException.permanent("guest_running", endpoint() + ": guest " + guest
            + " is running; stop it before unregistering");
      }
      f.vm.unregisterVM();
      return null;
    });
  }

  @Override
  public Future<Void> start(GuestRef guest) {
    return blocking("start " + guest, () -> {
      Found f = find(guest);
      if (powerState(f.props.get("runtime.powerState")) != PowerState.POWER_STATE_RUNNING) {
        waitFor(f.vm.powerOnVM_Task(null), "power on " + guest);
      }
      return null;
    });
  }

  @Override
  public Future<PowerState> stop(GuestRef guest, Duration grace) {
    return blocking("stop " + guest, () -> {
      Found f = find(guest);
      if (powerState(f.props.get("runtime.powerState")) != PowerState.POWER_STATE_RUNNING) {
        return PowerState.POWER_STATE_OFF;
      }
      if (!grace.isZero() && !grace.isNegative()) {
        try {
          f.vm.shutdownGuest();
          long until = System.nanoTime() + grace.toNanos();
          while (System.nanoTime() - until < 0) {
            if (powerState(f.vm.getPropertiesByPaths(new String[] {"runtime.powerState"}).get("runtime.powerState"))
                == PowerState.POWER_STATE_OFF) {
              return PowerState.POWER_STATE_OFF;
            }
            Thread.sleep(Math.min(500, Math.max(1, grace.toMillis() / 10)));
          }
        } catch (com.vmware.vim25.ToolsUnavailable noTools) {
          // No VMware tools to shut the guest down: power it off hard below.
        }
      }
      waitFor(f.vm.powerOffVM_Task(), "power off " + guest);
      dropIfTransient(f.vm, f.props.get("config.uuid"));
      return PowerState.POWER_STATE_OFF;
    });
  }

  @Override
  public Future<List<GuestRef>> fence(Collection<GuestRef> protectedGuests) {
    return fenceWorker.executeBlocking(() -> {
      List<GuestRef> stopped = new ArrayList<>();
      List<String> failures = new ArrayList<>();
      for (ManagedEntity e : vms()) {
        Hashtable<?, ?> p = e.getPropertiesByPaths(new String[] {"name", "config.uuid", "runtime.powerState"});
        GuestSpec s = GuestSpec.newBuilder().setName(String.valueOf(p.get("name")))
            .setHypervisorUuid(p.get("config.uuid") == null ? "" : p.get("config.uuid").toString()).build();
        GuestRef match = protectedGuests.stream().filter(r -> r.matches(s)).findFirst().orElse(null);
        if (match == null || powerState(p.get("runtime.powerState")) != PowerState.POWER_STATE_RUNNING) {
          continue;
        }
        try {
          waitFor(((VirtualMachine) e).powerOffVM_Task(), "power off " + match);
          stopped.add(match);
          dropIfTransient((VirtualMachine) e, p.get("config.uuid"));
        } catch (Exception ex) {
          failures.add(VmwareErrors.classify(endpoint(), "fence " + match, ex).getMessage());
        }
      }
      if (!failures.isEmpty()) {
        throw new HypervisorException(io.lifeboat.protocol.v1.ErrorClass.ERROR_CLASS_FATAL, "fence_incomplete",
            endpoint() + ": fenced " + stopped + " but failed: " + String.join("; ", failures));
      }
      return stopped;
    }, false);
  }

  @Override
  public Future<BootEvidence> bootEvidence(GuestRef guest, int maxBytes) {
    return blocking("read boot evidence of " + guest, () -> {
      Found f = find(guest);
      PowerState state = powerState(f.props.get("runtime.powerState"));
      String vmxPath = f.props.get("config.files.vmPathName") == null ? ""
          : hostPathOrSame(f.props.get("config.files.vmPathName").toString());
      if (!vmxPath.startsWith("/")) {
        return new BootEvidence(state, "");
      }
      Path vmxFile = files.getPath(vmxPath);
      VmxFile vmx;
      try (InputStream in = Files.newInputStream(vmxFile)) {
        vmx = VmxFile.parse(vmxPath, in.readNBytes(VmxFile.MAX_FILE_BYTES + 1));
      }
      String serial = vmx.get("serial0.fileName").orElse("");
      if (serial.isEmpty() || !vmx.isTrue("serial0.present")) {
        return new BootEvidence(state, "");
      }
      Path log = vmx.resolveDisk(vmxFile.getParent(), "serial0", serial);
      try (var ch = java.nio.channels.FileChannel.open(log, java.nio.file.StandardOpenOption.READ)) {
        long size = ch.size();
        long from = Math.max(0, size - maxBytes);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) (size - from));
        while (buf.hasRemaining() && ch.read(buf, from + buf.position()) > 0) {
          // read until full
        }
        return new BootEvidence(state, new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
      } catch (java.nio.file.NoSuchFileException none) {
        return new BootEvidence(state, "");
      }
    });
  }

  /** Unregisters a powered-off guest that was registered TRANSIENT, so a restarted host cannot run it again. */
  private void dropIfTransient(VirtualMachine vm, Object uuid) throws Exception {
    if (uuid != null && transientUuids.remove(uuid.toString())) {
      vm.unregisterVM();
    }
  }

  private TaskInfo waitFor(Task task, String what) throws Exception {
    String result = task.waitForTask();
    TaskInfo info = task.getTaskInfo();
    if (!"success".equals(result)) {
      String why = info.getError() == null ? result : info.getError().getLocalizedMessage();
      Throwable fault = info.getError() == null ? null : info.getError().getFault();
      if (fault != null) {
        throw VmwareErrors.classify(endpoint(), what, fault);
      }
      throw new HypervisorException(io.lifeboat.protocol.v1.ErrorClass.ERROR_CLASS_PERMANENT, "task_failed",
          endpoint() + ": " + what + " failed: " + why);
    }
    return info;
  }

  @Override
  public void close() {
    try {
      si.getServerConnection().logout();
    } catch (RuntimeException ignored) {
      // Already gone.
    }
    if (sftp != null) {
      sftp.close();
    }
    worker.close();
    fenceWorker.close();
  }

  @Override
  public String toString() {
    return "VmwareDriver[" + endpoint() + "]";
  }

  static List<String> paths() {
    return Arrays.asList(VM_PATHS);
  }
}
