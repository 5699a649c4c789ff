package io.lifeboat.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.vmware.vim25.VirtualDevice;
import com.vmware.vim25.VirtualDisk;
import com.vmware.vim25.VirtualDiskFlatVer2BackingInfo;
import com.vmware.vim25.VirtualEthernetCard;
import com.vmware.vim25.VirtualMachinePowerState;
import com.vmware.vim25.mo.InventoryNavigator;
import com.vmware.vim25.mo.ManagedEntity;
import com.vmware.vim25.mo.ServiceInstance;
import com.vmware.vim25.mo.VirtualMachine;
import io.lifeboat.agent.drill.DrillRunner;
import io.lifeboat.agent.drill.QemuImg;
import io.lifeboat.agent.hypervisor.vmware.VmwareDriver;
import io.lifeboat.agent.hypervisor.vmware.VmwareSettings;
import io.lifeboat.agent.restore.RestorePointMaterialiser;
import io.lifeboat.lab.TestGuest;
import io.lifeboat.lab.VmwareSimulatorBinary;
import io.lifeboat.lab.VmwareSimulatorOptions;
import io.lifeboat.lab.VmwareSimulatorProcess;
import io.lifeboat.protocol.v1.DiskBus;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.DrillBoot;
import io.lifeboat.protocol.v1.DrillTeardownResult;
import io.lifeboat.protocol.v1.FencingCapability;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.DiskImages;
import io.lifeboat.storage.store.ChunkStore;
import io.lifeboat.storage.store.LocalBackup;
import io.lifeboat.storage.store.RestorePointId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DR drill on a VMware standby (issue 8, section 2), against the VI API simulator as a local process that boots
 * powered-on VMs in QEMU, with the agent's VMware driver on the same machine (the agent on the host, datastore files
 * local): the restore point of the lab's test guest is materialised as a read-only base in the drill directory inside
 * the datastore, a VMDK child disk on it is registered under the drill name with no NIC, powered on and verified by
 * its serial marker; the teardown powers it off, unregisters it and deletes its directory, and the point is unchanged.
 * A drill directory outside the host's datastores is refused at once, naming the host.
 */
class VmwareDrillIT {
  private static final String GUEST_ID = "6f1c2a9e-0000-4000-8000-0000000000e1";
  private static final String PRODUCTION_MAC = "00:50:56:3f:00:e1";
  private static final long GENERATION = 7;

  @Test
  void aDrillCopyBootsOnAVmdkChildOfThePointWithNoNicAndLeavesNothing(@TempDir Path dir) throws Exception {
    VmwareSimulatorProcess simulator = VmwareSimulatorProcess.startWithTemporaryDatastore(
        VmwareSimulatorBinary.locate().ensureBuilt(), VmwareSimulatorOptions.esxi(0).withGuestsRunning());
    Vertx vertx = Vertx.vertx();
    VmwareDriver driver = null;
    try {
      ChunkStore store = ChunkStore.open(dir.resolve("store"));
      Path disk = dir.resolve("web-0.raw");
      TestGuest.writeRawImage(disk, "web", GENERATION);
      RestorePointId point = LocalBackup.run(store, GUEST_ID, List.of(disk), dir.resolve("digests"), Instant.now())
          .point().id();
      String digestBefore = store.load(point).rootDigest();
      byte[] pointFileBefore = pointFile(dir, point);

      VmwareSimulatorOptions o = simulator.options();
      Path datastore = simulator.datastoreDir().toAbsolutePath();
      driver = get(VmwareDriver.connect(vertx, new VmwareSettings(simulator.sdkUrl().toURL(), o.username(),
          o.password(), true, Map.of(VmwareSimulatorOptions.DATASTORE, datastore.toString()), null,
          FencingCapability.FENCING_CAPABILITY_SELF_FENCE, 2)));
      Path guests = datastore.resolve("lifeboat");
      DrillRunner runner = new DrillRunner(vertx, "vmB", driver, store, new RestorePointMaterialiser("vmB", store,
          "main", List.of(guests)), guests, vertx.createSharedWorkerExecutor("lifeboat-drill", 2),
          new QemuImg("qemu-img"));

      String drillId = UUID.randomUUID().toString();
      String name = "drill-web-" + drillId.substring(0, 8);
      Path drillDir = guests.resolve(".drills").resolve(drillId);
      DrillRunner.BootOutcome outcome = get(runner.boot(drill(drillId, point), System.nanoTime()));
      assertThat(outcome.passed()).as(outcome.result().getReason()).isTrue();
      assertThat(outcome.result().getDrillName()).isEqualTo(name);
      assertThat(outcome.result().getEvidence()).contains(TestGuest.markerLine("web", GENERATION));
      assertThat(outcome.result().getRootDigest()).isEqualTo(digestBefore);

      // What the host holds (read with vijava, not through the driver): the drill copy runs under its drill name,
      // with no network adapter, on the VMDK child in its drill directory.
      Path child = drillDir.resolve("overlay-0.vmdk");
      Path base = drillDir.resolve("base-0.vmdk");
      String relative = datastore.relativize(child).toString();
      ViVm copy = vm(simulator, name);
      assertThat(copy).as("the drill copy %s on the host", name).isNotNull();
      assertThat(copy.powerState()).isEqualTo(VirtualMachinePowerState.poweredOn);
      assertThat(copy.nics()).isZero();
      assertThat(copy.diskFiles()).containsExactly("[" + VmwareSimulatorOptions.DATASTORE + "] " + relative);
      String vmx = Files.readString(drillDir.resolve(name + ".vmx"), StandardCharsets.UTF_8);
      assertThat(vmx).contains("ethernet0.present = \"FALSE\"").doesNotContain(PRODUCTION_MAC)
          .doesNotContain(GUEST_ID).contains("\"overlay-0.vmdk\"");
      assertThat(vm(simulator, "web")).as("no production copy").isNull();

      // The child is a VMware delta of the point's base: monolithicSparse, its parent named by CID and file name.
      String baseCid;
      try (DiskImage b = DiskImages.open(base)) {
        baseCid = b.info().cid();
      }
      assertThat(descriptor(child)).contains("createType=\"monolithicSparse\"")
          .contains("parentFileNameHint=\"base-0.vmdk\"").containsPattern("parentCID=0*" + baseCid.replaceFirst(
              "^0+", ""));
      assertThat(Files.getPosixFilePermissions(base)).as("the base is read-only")
          .noneMatch(p -> p.name().endsWith("_WRITE"));

      DrillTeardownResult torn = get(runner.teardown(drillId, name));
      assertThat(torn.getNothingLeft()).as(torn.getLeftoversList().toString()).isTrue();
      assertThat(torn.getRemovedDomainsList()).containsExactly(name);
      assertThat(vm(simulator, name)).as("the drill copy after teardown").isNull();
      assertThat(drillDir).doesNotExist();
      assertThat(get(runner.teardown(drillId, name)).getNothingLeft()).isTrue();

      // Drills change nothing.
      assertThat(store.load(point).rootDigest()).isEqualTo(digestBefore);
      assertThat(pointFile(dir, point)).isEqualTo(pointFileBefore);
      assertThat(store.isVerified(store.load(point))).isTrue();

      // A drill directory outside the datastores cannot be seen by the host: refused at once, nothing made.
      Path outside = dir.resolve("guests");
      DrillRunner misplaced = new DrillRunner(vertx, "vmB", driver, store, new RestorePointMaterialiser("vmB", store,
          "main", List.of(outside)), outside, vertx.createSharedWorkerExecutor("lifeboat-drill", 2),
          new QemuImg("qemu-img"));
      String refusedId = UUID.randomUUID().toString();
      DrillRunner.BootOutcome refused = get(misplaced.boot(drill(refusedId, point), System.nanoTime()));
      assertThat(refused.passed()).isFalse();
      assertThat(refused.failure().code()).isEqualTo("drill_unsupported");
      assertThat(refused.result().getReason()).contains("agent vmB").contains(outside.resolve(".drills")
          .resolve(refusedId).toString()).contains("VMware host 127.0.0.1").contains("store.guestDirs");
      assertThat(outside.resolve(".drills").resolve(refusedId)).doesNotExist();
      assertThat(vm(simulator, "drill-web-" + refusedId.substring(0, 8))).isNull();
    } finally {
      if (driver != null) {
        driver.close();
      }
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      simulator.close();
    }
  }

  private static DrillBoot drill(String drillId, RestorePointId point) {
    GuestSpec production = GuestSpec.newBuilder().setGuestId(GUEST_ID).setName("web").setVcpus(1)
        .setMemoryBytes(32L << 20).setGuestOs("other26xlinux").setVmwareHardwareVersion(7)
        .addDisks(DiskSpec.newBuilder().setPath("/vmfs/volumes/datastore1/web/web.vmdk")
            .setFormat(DiskFormat.DISK_FORMAT_VMDK).setBus(DiskBus.DISK_BUS_IDE).setTarget("ide0:0"))
        .addNics(NicSpec.newBuilder().setMacAddress(PRODUCTION_MAC).setModel(NicModel.NIC_MODEL_E1000)
            .setNetwork("VM Network"))
        .build();
    return DrillBoot.newBuilder().setDrillId(drillId).setGuestId(GUEST_ID).setPointId(point.toString())
        .setBootMarker(TestGuest.markerLine("web", GENERATION)).setBootTimeout(com.google.protobuf.Duration
            .newBuilder().setSeconds(60)).setSpec(production).build();
  }

  /** A VM as the VI API shows it. */
  private record ViVm(VirtualMachinePowerState powerState, int nics, List<String> diskFiles) {}

  /** The VM named {@code name} on the simulator, or null. */
  private static ViVm vm(VmwareSimulatorProcess simulator, String name) throws Exception {
    VmwareSimulatorOptions o = simulator.options();
    ServiceInstance si = new ServiceInstance(simulator.sdkUrl().toURL(), o.username(), o.password(), true);
    try {
      ManagedEntity found = new InventoryNavigator(si.getRootFolder()).searchManagedEntity("VirtualMachine", name);
      if (found == null) {
        return null;
      }
      VirtualMachine vm = (VirtualMachine) found;
      VirtualDevice[] devices = (VirtualDevice[]) vm.getPropertyByPath("config.hardware.device");
      int nics = 0;
      List<String> disks = new ArrayList<>();
      for (VirtualDevice d : devices) {
        if (d instanceof VirtualEthernetCard) {
          nics++;
        } else if (d instanceof VirtualDisk disk && disk.getBacking() instanceof VirtualDiskFlatVer2BackingInfo b) {
          disks.add(b.getFileName());
        }
      }
      return new ViVm((VirtualMachinePowerState) vm.getPropertyByPath("runtime.powerState"), nics, disks);
    } finally {
      si.getServerConnection().logout();
    }
  }

  /** The embedded descriptor of a hosted sparse VMDK (it starts at sector 1). */
  private static String descriptor(Path vmdk) throws Exception {
    byte[] head = new byte[11 * 512];
    try (var in = Files.newInputStream(vmdk)) {
      int n = in.readNBytes(head, 0, head.length);
      return new String(head, 512, Math.max(0, n - 512), StandardCharsets.US_ASCII);
    }
  }

  private static byte[] pointFile(Path dir, RestorePointId id) throws Exception {
    return Files.readAllBytes(dir.resolve("store/points").resolve(id.guestId()).resolve(id.stamp() + ".point"));
  }

  private static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }
}
