package io.lifeboat.lab;

import static org.assertj.core.api.Assertions.assertThat;

import com.vmware.vim25.GenericVmConfigFault;
import com.vmware.vim25.HostCpuIdInfo;
import com.vmware.vim25.ManagedObjectReference;
import com.vmware.vim25.TaskInfo;
import com.vmware.vim25.TaskInfoState;
import com.vmware.vim25.VirtualDevice;
import com.vmware.vim25.VirtualDisk;
import com.vmware.vim25.VirtualDiskFlatVer2BackingInfo;
import com.vmware.vim25.VirtualE1000;
import com.vmware.vim25.VirtualLsiLogicController;
import com.vmware.vim25.VirtualMachinePowerState;
import com.vmware.vim25.VirtualMachineSnapshotTree;
import com.vmware.vim25.mo.ComputeResource;
import com.vmware.vim25.mo.Datacenter;
import com.vmware.vim25.mo.HostSystem;
import com.vmware.vim25.mo.InventoryNavigator;
import com.vmware.vim25.mo.ManagedEntity;
import com.vmware.vim25.mo.ServiceInstance;
import com.vmware.vim25.mo.Task;
import com.vmware.vim25.mo.VirtualMachine;
import com.vmware.vim25.mo.VirtualMachineSnapshot;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What vijava 5.1 must be able to do against a simulated VMware host, run against each way of hosting the simulator.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class VmwareSimulatorContractIT {

    /** The narrow property paths Lifeboat reads; the whole {@code config} carries fields vijava 5.1 does not know. */
    static final String[] VM_PATHS = {
        "name", "config.files.vmPathName", "config.version", "config.guestId", "runtime.powerState",
        "config.hardware.device"
    };

    private VmwareSimulator simulator;
    private ServiceInstance si;

    /** Starts a simulator; {@code name} names its host where there is one. */
    abstract VmwareSimulator startSimulator(String name, VmwareSimulatorOptions options) throws Exception;

    @BeforeAll
    void start() throws Exception {
        simulator = startSimulator("vmwareA", VmwareSimulatorOptions.esxi(2));
        si = connect(simulator);
    }

    /** The simulator all tests of the class share, with vm0 and vm1. */
    VmwareSimulator simulator() {
        return simulator;
    }

    @AfterAll
    void stop() {
        if (si != null) {
            si.getServerConnection().logout();
        }
        if (simulator != null) {
            simulator.close();
        }
    }

    static ServiceInstance connect(VmwareSimulator simulator) throws Exception {
        VmwareSimulatorOptions o = simulator.options();
        return new ServiceInstance(simulator.sdkUrl().toURL(), o.username(), o.password(), true);
    }

    @Test
    void vijavaListsTheInventoryThroughNarrowPropertyPaths() throws Exception {
        assertThat(si.getAboutInfo().getApiType()).isEqualTo("HostAgent");

        Map<String, Hashtable<?, ?>> vms = Arrays.stream(vms())
                .map(this::properties)
                .collect(java.util.stream.Collectors.toMap(p -> (String) p.get("name"), p -> p));

        assertThat(vms).containsKeys("vm0", "vm1");
        Hashtable<?, ?> vm0 = vms.get("vm0");
        assertThat(vm0.get("config.files.vmPathName")).isEqualTo("[datastore1] vm0/vm0.vmx");
        assertThat(vm0.get("config.version")).isEqualTo("vmx-07");
        assertThat(vm0.get("config.guestId")).isEqualTo("otherLinuxGuest");
        assertThat(vm0.get("runtime.powerState")).isEqualTo(VirtualMachinePowerState.poweredOn);
        List<VirtualDevice> devices = List.of((VirtualDevice[]) vm0.get("config.hardware.device"));
        assertThat(devices).filteredOn(VirtualE1000.class::isInstance).hasSize(1);
        assertThat(devices).filteredOn(VirtualDisk.class::isInstance).singleElement()
                .extracting(d -> ((VirtualDiskFlatVer2BackingInfo) d.getBacking()).getFileName())
                .isEqualTo("[datastore1] vm0/vm0.vmdk");
        assertThat(simulator.datastoreFileExists("vm0/vm0.vmx")).isTrue();
    }

    @Test
    void vijavaPowersOffUnregistersRegistersPowersOnAndSnapshots() throws Exception {
        VirtualMachine vm = vm("vm1").orElseThrow();
        String mac = nicMac(properties(vm));

        assertSucceeded(vm.powerOffVM_Task());
        assertThat(properties(vm("vm1").orElseThrow()).get("runtime.powerState"))
                .isEqualTo(VirtualMachinePowerState.poweredOff);

        vm.unregisterVM();
        assertThat(vm("vm1")).isEmpty();
        assertThat(simulator.datastoreFileExists("vm1/vm1.vmx")).as("unregister keeps the files").isTrue();

        VirtualMachine registered = register("[datastore1] vm1/vm1.vmx", "vm1");
        Hashtable<?, ?> props = properties(registered);
        assertThat(props.get("config.files.vmPathName")).isEqualTo("[datastore1] vm1/vm1.vmx");
        assertThat(props.get("runtime.powerState")).isEqualTo(VirtualMachinePowerState.poweredOff);
        assertThat(nicMac(props)).as("MAC address after re-registration").isEqualTo(mac);
        assertThat(List.of((VirtualDevice[]) props.get("config.hardware.device")))
                .filteredOn(VirtualDisk.class::isInstance).singleElement()
                .extracting(d -> ((VirtualDiskFlatVer2BackingInfo) d.getBacking()).getFileName())
                .isEqualTo("[datastore1] vm1/vm1.vmdk");

        assertSucceeded(registered.powerOnVM_Task(null));
        assertThat(properties(registered).get("runtime.powerState")).isEqualTo(VirtualMachinePowerState.poweredOn);

        TaskInfo snap = assertSucceeded(registered.createSnapshot_Task("lifeboat-cycle", "replication", false, false));
        VirtualMachineSnapshotTree[] roots = snapshotRoots(registered);
        assertThat(roots).extracting(VirtualMachineSnapshotTree::getName).containsExactly("lifeboat-cycle");
        ManagedObjectReference snapRef = (ManagedObjectReference) snap.getResult();
        assertThat(roots[0].getSnapshot().getVal()).isEqualTo(snapRef.getVal());
        // As on ESX: the disk now writes to a delta whose parent is the frozen base, which replication reads.
        VirtualDiskFlatVer2BackingInfo during = diskBacking(registered);
        assertThat(during.getFileName()).isEqualTo("[datastore1] vm1/vm1-000001.vmdk");
        assertThat(during.getParent().getFileName()).isEqualTo("[datastore1] vm1/vm1.vmdk");
        assertThat(simulator.datastoreFileExists("vm1/vm1-000001.vmdk")).isTrue();

        assertSucceeded(new VirtualMachineSnapshot(si.getServerConnection(), snapRef).removeSnapshot_Task(false));
        assertThat(snapshotRoots(registered)).isNullOrEmpty();
        VirtualDiskFlatVer2BackingInfo after = diskBacking(registered);
        assertThat(after.getFileName()).isEqualTo("[datastore1] vm1/vm1.vmdk");
        assertThat(after.getParent()).isNull();
        assertThat(simulator.datastoreFileExists("vm1/vm1-000001.vmdk")).isFalse();
    }

    @Test
    void vijavaRegistersAVmWhoseFilesWereCopiedIntoTheDatastoreAndSeesWhatItsVmxSays() throws Exception {
        // What failover does on a VMware standby: materialise the VM's folder, then RegisterVM.
        simulator.writeDatastoreFile("web/web.vmx", """
                .encoding = "UTF-8"
                config.version = "8"
                virtualHW.version = "7"
                displayName = "web"
                guestOS = "other26xlinux"
                memsize = "256"
                uuid.bios = "56 4d 5e 2c 14 3a 0c 8c-5c 6a 8f 1b 41 53 2a 4e"
                scsi0.present = "TRUE"
                scsi0.virtualDev = "lsilogic"
                scsi0:0.present = "TRUE"
                scsi0:0.fileName = "web.vmdk"
                ethernet0.present = "TRUE"
                ethernet0.virtualDev = "e1000"
                ethernet0.addressType = "static"
                ethernet0.address = "00:50:56:00:00:2A"
                """.getBytes(StandardCharsets.UTF_8));
        simulator.writeDatastoreFile("web/web.vmdk", """
                # Disk DescriptorFile
                version=1
                CID=fffffffe
                parentCID=ffffffff
                createType="monolithicFlat"

                RW 8192 FLAT "web-flat.vmdk" 0
                """.getBytes(StandardCharsets.UTF_8));
        simulator.writeDatastoreFile("web/web-flat.vmdk", new byte[8192 * 512]);
        // No .nvram, no vmware.log: a real host registers a VM from its .vmx alone.

        VirtualMachine web = register("[datastore1] web/web.vmx", "web");

        assertThat(vm("web")).isPresent();
        Hashtable<?, ?> props = properties(web);
        assertThat(props.get("config.files.vmPathName")).isEqualTo("[datastore1] web/web.vmx");
        assertThat(props.get("config.version")).isEqualTo("vmx-07");
        assertThat(props.get("config.guestId")).isEqualTo("other26xLinuxGuest");
        assertThat(web.getPropertiesByPaths(new String[] {"config.uuid"}).get("config.uuid"))
                .isEqualTo("564d5e2c-143a-0c8c-5c6a-8f1b41532a4e");
        List<VirtualDevice> devices = List.of((VirtualDevice[]) props.get("config.hardware.device"));
        VirtualLsiLogicController scsi = devices.stream().filter(VirtualLsiLogicController.class::isInstance)
                .map(VirtualLsiLogicController.class::cast).findFirst().orElseThrow();
        VirtualDisk disk = devices.stream().filter(VirtualDisk.class::isInstance).map(VirtualDisk.class::cast)
                .findFirst().orElseThrow();
        assertThat(disk.getControllerKey()).isEqualTo(scsi.getKey());
        assertThat(((VirtualDiskFlatVer2BackingInfo) disk.getBacking()).getFileName())
                .isEqualTo("[datastore1] web/web.vmdk");
        assertThat(disk.getCapacityInKB()).isEqualTo(4096);
        assertThat(devices).filteredOn(VirtualE1000.class::isInstance).singleElement()
                .satisfies(nic -> {
                    assertThat(((VirtualE1000) nic).getMacAddress()).isEqualTo("00:50:56:00:00:2a");
                    assertThat(((VirtualE1000) nic).getAddressType()).isEqualTo("manual");
                });

        assertSucceeded(web.powerOnVM_Task(null));
        assertThat(properties(web).get("runtime.powerState")).isEqualTo(VirtualMachinePowerState.poweredOn);
    }

    @Test
    void aPoweredOnGuestBootsAndPrintsItsMarkerOnTheSerialFileItsVmxNames() throws Exception {
        VmwareSimulator booting = startSimulator("vmwareBoot", VmwareSimulatorOptions.esxi(0).withGuestsRunning());
        try {
            byte[] raw = TestGuest.rawImage("vmguest", 3, TestGuest.DEFAULT_SIZE_BYTES);
            booting.writeDatastoreFile("vmguest/vmguest-flat.vmdk", raw);
            // The layout qemu-img writes: QEMU 7.2 reads a descriptor that ends right after its extent line twice.
            booting.writeDatastoreFile("vmguest/vmguest.vmdk", ("# Disk DescriptorFile\nversion=1\nCID=fffffffe\n"
                    + "parentCID=ffffffff\ncreateType=\"monolithicFlat\"\n\n# Extent description\nRW "
                    + raw.length / 512 + " FLAT \"vmguest-flat.vmdk\" 0\n\n# The Disk Data Base\n#DDB\n\n"
                    + "ddb.adapterType = \"ide\"\n").getBytes(StandardCharsets.UTF_8));
            booting.writeDatastoreFile("vmguest/vmguest.vmx", """
                    .encoding = "UTF-8"
                    config.version = "8"
                    virtualHW.version = "7"
                    displayName = "vmguest"
                    guestOS = "other26xlinux"
                    memsize = "32"
                    ide0:0.present = "TRUE"
                    ide0:0.fileName = "vmguest.vmdk"
                    serial0.present = "TRUE"
                    serial0.fileType = "file"
                    serial0.fileName = "serial0.log"
                    """.getBytes(StandardCharsets.UTF_8));
            ServiceInstance bootSi = connect(booting);
            try {
                VirtualMachine vm = register(bootSi, "[datastore1] vmguest/vmguest.vmx", "vmguest");
                assertSucceeded(vm.powerOnVM_Task(null));
                Awaitility.await("marker of vmguest on its serial file").atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(250))
                        .until(() -> booting.readDatastoreFile("vmguest/serial0.log"),
                                log -> log.contains(TestGuest.markerLine("vmguest", 3)));
                assertSucceeded(vm.powerOffVM_Task());
            } finally {
                bootSi.getServerConnection().logout();
            }
        } finally {
            booting.close();
        }
    }

    @Test
    void hostFactsTellAModernHostFromAnOldServerWithoutVirtualizationExtensions() throws Exception {
        HostCpuIdInfo[] modern = cpuFeatures(si);
        assertThat(bit(modern, 1, "ecx", 5)).as("VT-x").isTrue();
        assertThat(bit(modern, 0x80000001, "edx", 29)).as("long mode").isTrue();

        VmwareSimulator old = startSimulator("vmwareOld",
                VmwareSimulatorOptions.esxi(0).asOldServerWithoutVirtualizationExtensions());
        try {
            ServiceInstance oldSi = connect(old);
            try {
                assertThat(oldSi.getAboutInfo().getFullName()).isEqualTo("VMware Server 2.0.2 build-203138");
                HostCpuIdInfo[] features = cpuFeatures(oldSi);
                assertThat(bit(features, 1, "ecx", 5)).as("VT-x").isFalse();
                assertThat(bit(features, 0x80000001, "ecx", 2)).as("AMD-V").isFalse();
                assertThat(bit(features, 0x80000001, "edx", 29)).as("long mode").isFalse();

                // Like VMware Server on such a CPU: a 64-bit guest does not power on, a 32-bit one does.
                for (String name : List.of("old64", "old32")) {
                    old.writeDatastoreFile(name + "/" + name + ".vmx", ("config.version = \"8\"\n"
                            + "virtualHW.version = \"7\"\nguestOS = \""
                            + (name.equals("old64") ? "otherlinux-64" : "otherlinux") + "\"\n")
                            .getBytes(StandardCharsets.UTF_8));
                }
                VirtualMachine vm64 = register(oldSi, "[datastore1] old64/old64.vmx", "old64");
                Task refused = vm64.powerOnVM_Task(null);
                refused.waitForTask(50, 50);
                TaskInfo info = refused.getTaskInfo();
                assertThat(info.getState()).isEqualTo(TaskInfoState.error);
                assertThat(((GenericVmConfigFault) info.getError().getFault()).getReason()).contains("64-bit");
                assertThat(vm64.getPropertiesByPaths(new String[] {"runtime.powerState"}).get("runtime.powerState"))
                        .isEqualTo(VirtualMachinePowerState.poweredOff);
                VirtualMachine vm32 = register(oldSi, "[datastore1] old32/old32.vmx", "old32");
                assertSucceeded(vm32.powerOnVM_Task(null));
            } finally {
                oldSi.getServerConnection().logout();
            }
        } finally {
            old.close();
        }
    }

    private VirtualDiskFlatVer2BackingInfo diskBacking(VirtualMachine vm) {
        return Arrays.stream((VirtualDevice[]) properties(vm).get("config.hardware.device"))
                .filter(VirtualDisk.class::isInstance)
                .map(d -> (VirtualDiskFlatVer2BackingInfo) d.getBacking())
                .findFirst().orElseThrow(() -> new AssertionError("no disk"));
    }

    private static String nicMac(Hashtable<?, ?> props) {
        return Arrays.stream((VirtualDevice[]) props.get("config.hardware.device"))
                .filter(VirtualE1000.class::isInstance).map(d -> ((VirtualE1000) d).getMacAddress())
                .findFirst().orElseThrow(() -> new AssertionError("no e1000 NIC"));
    }

    static HostCpuIdInfo[] cpuFeatures(ServiceInstance si) throws Exception {
        HostSystem host = (HostSystem) new InventoryNavigator(si.getRootFolder()).searchManagedEntities("HostSystem")[0];
        return (HostCpuIdInfo[]) host.getPropertiesByPaths(new String[] {"hardware.cpuFeature"}).get("hardware.cpuFeature");
    }

    /** Bit {@code n} of a CPUID register as the VI API writes it: 32 digits, bit 31 first, colons every four. */
    static boolean bit(HostCpuIdInfo[] features, int level, String register, int n) {
        HostCpuIdInfo leaf = Arrays.stream(features).filter(f -> f.getLevel() == level).findFirst()
                .orElseThrow(() -> new AssertionError("no CPUID leaf " + Integer.toHexString(level)));
        String value = switch (register) {
            case "eax" -> leaf.getEax();
            case "ebx" -> leaf.getEbx();
            case "ecx" -> leaf.getEcx();
            default -> leaf.getEdx();
        };
        String bits = value.replace(":", "");
        return bits.charAt(31 - n) == '1';
    }

    static Map<String, String> powerStates(ServiceInstance si) throws Exception {
        Map<String, String> states = new java.util.TreeMap<>();
        for (ManagedEntity vm : new InventoryNavigator(si.getRootFolder()).searchManagedEntities("VirtualMachine")) {
            Hashtable<?, ?> p = vm.getPropertiesByPaths(new String[] {"name", "runtime.powerState"});
            states.put((String) p.get("name"), p.get("runtime.powerState").toString());
        }
        return states;
    }

    private VirtualMachine register(String vmxPath, String name) throws Exception {
        return register(si, vmxPath, name);
    }

    private static VirtualMachine register(ServiceInstance si, String vmxPath, String name) throws Exception {
        Datacenter dc = (Datacenter) new InventoryNavigator(si.getRootFolder()).searchManagedEntities("Datacenter")[0];
        HostSystem host = (HostSystem) new InventoryNavigator(si.getRootFolder()).searchManagedEntities("HostSystem")[0];
        ComputeResource compute = (ComputeResource) host.getParent();
        TaskInfo info = assertSucceeded(dc.getVmFolder().registerVM_Task(vmxPath, name, false, compute.getResourcePool(), host));
        return new VirtualMachine(si.getServerConnection(), (ManagedObjectReference) info.getResult());
    }

    private ManagedEntity[] vms() throws Exception {
        return new InventoryNavigator(si.getRootFolder()).searchManagedEntities("VirtualMachine");
    }

    private Optional<VirtualMachine> vm(String name) throws Exception {
        return Optional.ofNullable((VirtualMachine) new InventoryNavigator(si.getRootFolder())
                .searchManagedEntity("VirtualMachine", name));
    }

    private Hashtable<?, ?> properties(ManagedEntity vm) {
        try {
            return vm.getPropertiesByPaths(VM_PATHS);
        } catch (Exception e) {
            throw new AssertionError("reading " + String.join(", ", VM_PATHS) + " of " + vm.getMOR().getVal(), e);
        }
    }

    private static VirtualMachineSnapshotTree[] snapshotRoots(VirtualMachine vm) throws Exception {
        return (VirtualMachineSnapshotTree[]) vm.getPropertiesByPaths(new String[] {"snapshot.rootSnapshotList"})
                .get("snapshot.rootSnapshotList");
    }

    private static TaskInfo assertSucceeded(Task task) throws Exception {
        task.waitForTask(50, 50);
        TaskInfo info = task.getTaskInfo();
        assertThat(info.getState())
                .as("task %s %s: %s", info.getDescriptionId(), info.getKey(),
                        info.getError() == null ? "" : info.getError().getLocalizedMessage())
                .isEqualTo(TaskInfoState.success);
        return info;
    }
}
