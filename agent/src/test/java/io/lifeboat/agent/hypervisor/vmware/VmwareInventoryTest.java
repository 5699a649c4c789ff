package io.lifeboat.agent.hypervisor.vmware;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.vmware.vim25.HostCpuIdInfo;
import com.vmware.vim25.VirtualDevice;
import com.vmware.vim25.VirtualDisk;
import com.vmware.vim25.VirtualDiskSparseVer2BackingInfo;
import com.vmware.vim25.VirtualE1000;
import com.vmware.vim25.VirtualEthernetCardNetworkBackingInfo;
import com.vmware.vim25.VirtualIDEController;
import com.vmware.vim25.VirtualLsiLogicController;
import com.vmware.vim25.VirtualMachinePowerState;
import com.vmware.vim25.VirtualPCNet32;
import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.protocol.v1.DiskAdapter;
import io.lifeboat.protocol.v1.DiskBus;
import io.lifeboat.protocol.v1.GuestBitness;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.PowerState;
import java.util.Hashtable;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VmwareInventoryTest {
  static final DatastorePaths DS = new DatastorePaths(Map.of("standard", "/var/lib/vmware/Virtual Machines"));

  @Test
  void narrowPropertiesBecomeAGuestSpecWithHostPaths() {
    VirtualLsiLogicController scsi = new VirtualLsiLogicController();
    scsi.setKey(1000);
    scsi.setBusNumber(0);
    VirtualIDEController ide = new VirtualIDEController();
    ide.setKey(200);
    ide.setBusNumber(1);
    VirtualDisk disk = new VirtualDisk();
    disk.setKey(2000);
    disk.setControllerKey(1000);
    disk.setUnitNumber(1);
    disk.setCapacityInKB(8 * 1024 * 1024);
    VirtualDiskSparseVer2BackingInfo backing = new VirtualDiskSparseVer2BackingInfo();
    backing.setFileName("[standard] mail/mail.vmdk");
    disk.setBacking(backing);
    VirtualDisk ideDisk = new VirtualDisk();
    ideDisk.setKey(3000);
    ideDisk.setControllerKey(200);
    ideDisk.setUnitNumber(0);
    ideDisk.setCapacityInKB(1024);
    VirtualDiskSparseVer2BackingInfo ideBacking = new VirtualDiskSparseVer2BackingInfo();
    ideBacking.setFileName("[standard] mail/data.vmdk");
    ideDisk.setBacking(ideBacking);
    VirtualE1000 nic = new VirtualE1000();
    nic.setKey(4000);
    nic.setMacAddress("00:50:56:00:00:2A");
    VirtualEthernetCardNetworkBackingInfo net = new VirtualEthernetCardNetworkBackingInfo();
    net.setDeviceName("Bridged");
    nic.setBacking(net);
    VirtualPCNet32 old = new VirtualPCNet32();
    old.setKey(4001);
    old.setMacAddress("00:0c:29:aa:bb:cc");

    Hashtable<String, Object> p = new Hashtable<>();
    p.put("name", "mail");
    p.put("config.uuid", "564d5e2c-143a-0c8c-5c6a-8f1b41532a4e");
    p.put("config.guestId", "winNetStandardGuest");
    p.put("config.version", "vmx-04");
    p.put("config.hardware.numCPU", 1);
    p.put("config.hardware.memoryMB", 512);
    p.put("runtime.powerState", VirtualMachinePowerState.poweredOn);
    p.put("config.files.vmPathName", "[standard] mail/mail.vmx");
    p.put("config.hardware.device", new VirtualDevice[] {scsi, ide, disk, ideDisk, nic, old});

    GuestSpec g = VmwareDriver.toSpec(p, DS);
    assertThat(g.getName()).isEqualTo("mail");
    assertThat(g.getHypervisorUuid()).isEqualTo("564d5e2c-143a-0c8c-5c6a-8f1b41532a4e");
    assertThat(g.getVmwareHardwareVersion()).isEqualTo(4);
    assertThat(g.getBitness()).isEqualTo(GuestBitness.GUEST_BITNESS_32);
    assertThat(g.getMemoryBytes()).isEqualTo(512L << 20);
    assertThat(g.getPowerState()).isEqualTo(PowerState.POWER_STATE_RUNNING);
    assertThat(g.getConfigPath()).isEqualTo("/var/lib/vmware/Virtual Machines/mail/mail.vmx");
    assertThat(g.getDisks(0).getPath()).isEqualTo("/var/lib/vmware/Virtual Machines/mail/mail.vmdk");
    assertThat(g.getDisks(0).getTarget()).isEqualTo("scsi0:1");
    assertThat(g.getDisks(0).getAdapter()).isEqualTo(DiskAdapter.DISK_ADAPTER_LSILOGIC);
    assertThat(g.getDisks(0).getCapacityBytes()).isEqualTo(8L << 30);
    assertThat(g.getDisks(1).getBus()).isEqualTo(DiskBus.DISK_BUS_IDE);
    assertThat(g.getDisks(1).getTarget()).isEqualTo("ide1:0");
    assertThat(g.getNicsList()).extracting(n -> n.getMacAddress() + " " + n.getModel() + " " + n.getNetwork())
        .containsExactly("00:50:56:00:00:2a " + NicModel.NIC_MODEL_E1000 + " Bridged",
            "00:0c:29:aa:bb:cc " + NicModel.NIC_MODEL_PCNET + " ");
  }

  @Test
  void datastorePathsRefuseClimbingOutAndUnknownDatastores() {
    assertThat(DS.toHostPath("[standard] web/web.vmx")).isEqualTo("/var/lib/vmware/Virtual Machines/web/web.vmx");
    assertThat(DS.toDatastorePath("/var/lib/vmware/Virtual Machines/web/web.vmx")).contains("[standard] web/web.vmx");
    assertThat(DS.toDatastorePath("/etc/passwd")).isEmpty();
    assertThatThrownBy(() -> DS.toHostPath("[standard] ../../etc/shadow")).isInstanceOf(HypervisorException.class)
        .hasMessageContaining("climbs out");
    assertThatThrownBy(() -> DS.toHostPath("[other] a/b.vmdk")).isInstanceOf(HypervisorException.class)
        .hasMessageContaining("datastore \"other\"");
    assertThatThrownBy(() -> DS.toDatastorePath("/var/lib/vmware/Virtual Machines/../x"))
        .isInstanceOf(HypervisorException.class);
    assertThatThrownBy(() -> DS.toHostPath("no brackets")).isInstanceOf(HypervisorException.class);
  }

  @Test
  void cpuidBitsTellVtxAndLongMode() {
    HostCpuIdInfo leaf1 = new HostCpuIdInfo();
    leaf1.setLevel(1);
    leaf1.setEcx("0000:0000:0000:0000:0000:0000:0010:0000");
    HostCpuIdInfo ext = new HostCpuIdInfo();
    ext.setLevel(0x80000001);
    ext.setEcx("0000:0000:0000:0000:0000:0000:0000:0000");
    ext.setEdx("0010:0000:0000:0000:0000:0000:0000:0000");
    HostCpuIdInfo[] f = {leaf1, ext};
    assertThat(VmwareDriver.cpuidBit(f, 1, "ecx", 5)).isTrue();
    assertThat(VmwareDriver.cpuidBit(f, 0x80000001, "ecx", 2)).isFalse();
    assertThat(VmwareDriver.cpuidBit(f, 0x80000001, "edx", 29)).isTrue();
    assertThat(VmwareDriver.cpuidBit(null, 1, "ecx", 5)).isFalse();
    assertThat(VmwareDriver.hardwareVersion("vmx-07")).isEqualTo(7);
    assertThat(VmwareDriver.hardwareVersion("garbage")).isZero();
  }
}
