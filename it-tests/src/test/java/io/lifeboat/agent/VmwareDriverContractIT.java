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
        VmwareLabGuests.installRunningGuest(primaryHost, GUEST, GENERATION, GUEST_MAC, FIRST_BOOT_TIMEOUT);
        vertx = Vertx.vertx();
        primary = result(VmwareDriver.connect(vertx, VmwareLabGuests.driverSettings(lab, primaryHost, dir)));
        standby = result(VmwareDriver.connect(vertx, VmwareLabGuests.driverSettings(lab, standbyHost, dir)));
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
}
