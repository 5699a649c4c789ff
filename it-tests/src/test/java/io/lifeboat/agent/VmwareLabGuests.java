package io.lifeboat.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.vmware.vim25.ManagedObjectReference;
import com.vmware.vim25.TaskInfo;
import com.vmware.vim25.mo.ComputeResource;
import com.vmware.vim25.mo.Datacenter;
import com.vmware.vim25.mo.HostSystem;
import com.vmware.vim25.mo.InventoryNavigator;
import com.vmware.vim25.mo.ServiceInstance;
import com.vmware.vim25.mo.Task;
import com.vmware.vim25.mo.VirtualMachine;
import io.lifeboat.agent.hypervisor.vmware.VmwareSettings;
import io.lifeboat.agent.hypervisor.vmware.remote.SshSettings;
import io.lifeboat.lab.Lab;
import io.lifeboat.lab.LabHost;
import io.lifeboat.lab.TestGuest;
import io.lifeboat.lab.VmwareSimulatorHost;
import io.lifeboat.lab.VmwareSimulatorOptions;
import io.lifeboat.protocol.v1.FencingCapability;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;

/** The lab's test guest on a VI-simulator host, and the VMware driver's settings for such a host. */
final class VmwareLabGuests {
  private VmwareLabGuests() {}

  /**
   * Puts the test guest on the host's datastore (a sparse VMDK on IDE, an e1000 NIC with a fixed MAC, serial0 to
   * {@code <guest>/serial0.log}), registers and powers it on with vijava, and waits for its marker, after which it
   * writes nothing more.
   */
  static void installRunningGuest(VmwareSimulatorHost host, String guest, long generation, String mac,
      Duration bootTimeout) throws Exception {
    LabHost lh = host.host();
    String folder = VmwareSimulatorHost.DATASTORE_DIR + "/" + guest;
    String raw = folder + "/" + guest + ".raw";
    host.writeDatastoreFile(guest + "/" + guest + ".raw",
        TestGuest.rawImage(guest, generation, TestGuest.DEFAULT_SIZE_BYTES));
    lh.execOk("qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o",
        "subformat=monolithicSparse,adapter_type=ide", raw, folder + "/" + guest + ".vmdk");
    lh.execOk("rm", "-f", raw);
    host.writeDatastoreFile(guest + "/" + guest + ".vmx", ("""
        .encoding = "UTF-8"
        config.version = "8"
        virtualHW.version = "7"
        displayName = "%1$s"
        guestOS = "other26xlinux"
        memsize = "32"
        numvcpus = "1"
        ide0:0.present = "TRUE"
        ide0:0.fileName = "%1$s.vmdk"
        ethernet0.present = "TRUE"
        ethernet0.virtualDev = "e1000"
        ethernet0.addressType = "static"
        ethernet0.address = "%2$s"
        serial0.present = "TRUE"
        serial0.fileType = "file"
        serial0.fileName = "serial0.log"
        """).formatted(guest, mac).getBytes(StandardCharsets.UTF_8));
    VmwareSimulatorOptions o = host.options();
    ServiceInstance si = new ServiceInstance(host.sdkUrl().toURL(), o.username(), o.password(), true);
    try {
      Datacenter dc = (Datacenter) new InventoryNavigator(si.getRootFolder()).searchManagedEntities("Datacenter")[0];
      HostSystem hs = (HostSystem) new InventoryNavigator(si.getRootFolder()).searchManagedEntities("HostSystem")[0];
      ComputeResource compute = (ComputeResource) hs.getParent();
      TaskInfo registered = succeeded(dc.getVmFolder().registerVM_Task(
          "[" + VmwareSimulatorOptions.DATASTORE + "] " + guest + "/" + guest + ".vmx", guest, false,
          compute.getResourcePool(), hs));
      VirtualMachine vm = new VirtualMachine(si.getServerConnection(), (ManagedObjectReference) registered.getResult());
      succeeded(vm.powerOnVM_Task(null));
    } finally {
      si.getServerConnection().logout();
    }
    String marker = TestGuest.markerLine(guest, generation);
    Awaitility.await("marker of " + guest + " on " + lh.name()).atMost(bootTimeout)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> host.readDatastoreFile(guest + "/serial0.log"), log -> log.contains(marker));
  }

  /** Waits for a vijava task and asserts that it succeeded. */
  static TaskInfo succeeded(Task task) throws Exception {
    String result = task.waitForTask();
    TaskInfo info = task.getTaskInfo();
    assertThat(result).as("task %s: %s", info.getDescriptionId(),
        info.getError() == null ? "" : info.getError().getLocalizedMessage()).isEqualTo(Task.SUCCESS);
    return info;
  }

  /** The driver's settings for a lab VMware host: the published VI API and sshd, the host's own keys trusted. */
  static VmwareSettings driverSettings(Lab lab, VmwareSimulatorHost host, Path dir) throws Exception {
    LabHost lh = host.host();
    StringBuilder knownHosts = new StringBuilder();
    for (String key : lh.execOk("sh", "-c", "cat /etc/ssh/ssh_host_*_key.pub").split("\n")) {
      String[] parts = key.strip().split(" ");
      knownHosts.append('[').append(lh.publishedHost()).append("]:").append(lh.sshPort()).append(' ')
          .append(parts[0]).append(' ').append(parts[1]).append('\n');
    }
    Path knownHostsFile = Files.writeString(dir.resolve(lh.name() + "-known_hosts"), knownHosts.toString(),
        StandardCharsets.US_ASCII);
    SshSettings ssh = new SshSettings("root", lh.publishedHost(), lh.sshPort(), lab.identityFile(),
        knownHostsFile, Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofSeconds(10));
    VmwareSimulatorOptions o = host.options();
    return new VmwareSettings(host.sdkUrl().toURL(), o.username(), o.password(), true,
        Map.of(VmwareSimulatorOptions.DATASTORE, VmwareSimulatorHost.DATASTORE_DIR), ssh,
        FencingCapability.FENCING_CAPABILITY_NONE, 4);
  }
}
