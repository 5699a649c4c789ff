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
import io.lifeboat.agent.hypervisor.BackupSnapshot;
import io.lifeboat.agent.hypervisor.FrozenDisk;
import io.lifeboat.agent.hypervisor.GuestRef;
import io.lifeboat.agent.hypervisor.HypervisorDriver;
import io.lifeboat.agent.hypervisor.HypervisorDriverContract;
import io.lifeboat.agent.hypervisor.vmware.VmwareDriver;
import io.lifeboat.agent.hypervisor.vmware.VmwareSettings;
import io.lifeboat.agent.hypervisor.vmware.remote.SshSettings;
import io.lifeboat.lab.Lab;
import io.lifeboat.lab.LabExtension;
import io.lifeboat.lab.LabHost;
import io.lifeboat.lab.TestGuest;
import io.lifeboat.lab.VmwareSimulatorHost;
import io.lifeboat.lab.VmwareSimulatorOptions;
import io.lifeboat.protocol.v1.FencingCapability;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hypervisor driver contract against {@link VmwareDriver} on two lab VMware hosts (the VI API simulator beside
 * sshd, guests booting in QEMU): the primary runs the test guest, the standby receives its copies.
 */
@ExtendWith(LabExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VmwareDriverContractIT extends HypervisorDriverContract {

    private static final String GUEST = "mail";
    private static final long GENERATION = 1;
    private static final String GUEST_MAC = "00:50:56:00:00:2a";
    /** Set-up only: the first QEMU start on a fresh host, on two shared cores. */
    private static final Duration FIRST_BOOT_TIMEOUT = Duration.ofSeconds(60);

    private final Lab lab;

    private Vertx vertx;
    private VmwareSimulatorHost primaryHost;
    private VmwareSimulatorHost standbyHost;
    private VmwareDriver primary;
    private VmwareDriver standby;

    VmwareDriverContractIT(Lab lab) {
        this.lab = lab;
    }

    @BeforeAll
    void hosts(@TempDir Path dir) throws Exception {
        VmwareSimulatorOptions options = VmwareSimulatorOptions.esxi(0).withGuestsRunning();
        primaryHost = VmwareSimulatorHost.start(lab, "vmdrvA", options);
        standbyHost = VmwareSimulatorHost.start(lab, "vmdrvB", options);
        installRunningGuest(primaryHost);
        vertx = Vertx.vertx();
        primary = result(VmwareDriver.connect(vertx, settings(primaryHost, dir)));
        standby = result(VmwareDriver.connect(vertx, settings(standbyHost, dir)));
    }

    @AfterAll
    void close() throws Exception {
        if (primary != null) {
            primary.close();
        }
        if (standby != null) {
            standby.close();
        }
        if (vertx != null) {
            result(vertx.close());
        }
    }

    @Override
    protected HypervisorDriver primary() {
        return primary;
    }

    @Override
    protected HypervisorDriver standby() {
        return standby;
    }

    @Override
    protected GuestRef runningGuest() {
        return GuestRef.named(GUEST);
    }

    @Override
    protected String bootMarker() {
        return TestGuest.markerLine(GUEST, GENERATION);
    }

    /**
     * Copies each frozen base disk (a monolithicSparse VMDK, one file) into a new folder of the standby's datastore
     * through Docker, the way materialising a restore point puts files there in production.
     */
    @Override
    protected List<String> copyToStandby(BackupSnapshot snapshot) {
        String folder = "copy-" + Long.toHexString(System.nanoTime());
        List<String> paths = new ArrayList<>();
        for (FrozenDisk disk : snapshot.disks()) {
            byte[] bytes = primaryHost.host().readFile(disk.basePath());
            String file = Path.of(disk.basePath()).getFileName().toString();
            standbyHost.writeDatastoreFile(folder + "/" + file, bytes);
            paths.add(VmwareSimulatorHost.DATASTORE_DIR + "/" + folder + "/" + file);
        }
        return paths;
    }

    /**
     * Puts the test guest on the primary's datastore (a sparse VMDK on IDE, an e1000 NIC with a fixed MAC, serial0
     * to a file), registers and powers it on with vijava, and waits for its marker, so that it writes nothing more.
     */
    private void installRunningGuest(VmwareSimulatorHost host) throws Exception {
        LabHost lh = host.host();
        String folder = VmwareSimulatorHost.DATASTORE_DIR + "/" + GUEST;
        String raw = folder + "/" + GUEST + ".raw";
        host.writeDatastoreFile(GUEST + "/" + GUEST + ".raw",
                TestGuest.rawImage(GUEST, GENERATION, TestGuest.DEFAULT_SIZE_BYTES));
        lh.execOk("qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o",
                "subformat=monolithicSparse,adapter_type=ide", raw, folder + "/" + GUEST + ".vmdk");
        lh.execOk("rm", "-f", raw);
        host.writeDatastoreFile(GUEST + "/" + GUEST + ".vmx", ("""
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
                """).formatted(GUEST, GUEST_MAC).getBytes(StandardCharsets.UTF_8));
        VmwareSimulatorOptions o = host.options();
        ServiceInstance si = new ServiceInstance(host.sdkUrl().toURL(), o.username(), o.password(), true);
        try {
            Datacenter dc = (Datacenter) new InventoryNavigator(si.getRootFolder())
                    .searchManagedEntities("Datacenter")[0];
            HostSystem hs = (HostSystem) new InventoryNavigator(si.getRootFolder())
                    .searchManagedEntities("HostSystem")[0];
            ComputeResource compute = (ComputeResource) hs.getParent();
            TaskInfo registered = succeeded(dc.getVmFolder().registerVM_Task(
                    "[" + VmwareSimulatorOptions.DATASTORE + "] " + GUEST + "/" + GUEST + ".vmx", GUEST, false,
                    compute.getResourcePool(), hs));
            VirtualMachine vm = new VirtualMachine(si.getServerConnection(),
                    (ManagedObjectReference) registered.getResult());
            succeeded(vm.powerOnVM_Task(null));
        } finally {
            si.getServerConnection().logout();
        }
        Awaitility.await("marker of " + GUEST + " on " + lh.name()).atMost(FIRST_BOOT_TIMEOUT)
                .pollInterval(Duration.ofMillis(250))
                .until(() -> host.readDatastoreFile(GUEST + "/serial0.log"), log -> log.contains(bootMarker()));
    }

    private static TaskInfo succeeded(Task task) throws Exception {
        String result = task.waitForTask();
        TaskInfo info = task.getTaskInfo();
        assertThat(result).as("task %s: %s", info.getDescriptionId(),
                info.getError() == null ? "" : info.getError().getLocalizedMessage()).isEqualTo(Task.SUCCESS);
        return info;
    }

    /** The driver's settings for a lab VMware host: the published VI API and sshd, the host's own keys trusted. */
    private VmwareSettings settings(VmwareSimulatorHost host, Path dir) throws Exception {
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
