package io.lifeboat.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import com.vmware.vim25.ManagedObjectReference;
import com.vmware.vim25.TaskInfo;
import com.vmware.vim25.mo.ComputeResource;
import com.vmware.vim25.mo.Datacenter;
import com.vmware.vim25.mo.HostSystem;
import com.vmware.vim25.mo.InventoryNavigator;
import com.vmware.vim25.mo.ServiceInstance;
import com.vmware.vim25.mo.Task;
import com.vmware.vim25.mo.VirtualMachine;
import io.lifeboat.agent.backup.BackupCycle;
import io.lifeboat.agent.backup.BackupRequest;
import io.lifeboat.agent.backup.ReplicationPusher;
import io.lifeboat.agent.hypervisor.GuestRef;
import io.lifeboat.agent.hypervisor.vmware.VmwareDriver;
import io.lifeboat.agent.hypervisor.vmware.VmwareSettings;
import io.lifeboat.agent.hypervisor.vmware.remote.SshSettings;
import io.lifeboat.lab.Lab;
import io.lifeboat.lab.LabExtension;
import io.lifeboat.lab.LabHost;
import io.lifeboat.lab.TestGuest;
import io.lifeboat.lab.VmwareSimulatorHost;
import io.lifeboat.lab.VmwareSimulatorOptions;
import io.lifeboat.protocol.v1.BackupResult;
import io.lifeboat.protocol.v1.FencingCapability;
import io.lifeboat.protocol.v1.PowerState;
import io.lifeboat.protocol.v1.ReplicationCommitted;
import io.lifeboat.protocol.v1.StoreTarget;
import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.DiskImages;
import io.lifeboat.storage.replication.ReceiverOptions;
import io.lifeboat.storage.replication.ReplicationReceiver;
import io.lifeboat.storage.replication.SenderOptions;
import io.lifeboat.storage.store.ChunkStore;
import io.lifeboat.storage.store.RestorePoint;
import io.lifeboat.storage.store.RestorePointId;
import io.lifeboat.storage.store.RestorePointImage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backup cycle end to end from a VI-simulated VMware host: the running test guest on the simulator's datastore,
 * read through {@link VmwareDriver} (VI API snapshot, base disk over SFTP), pushed to a store receiving on loopback.
 */
@ExtendWith(LabExtension.class)
class VmwareBackupCycleIT {

    private static final String GUEST = "payroll";
    private static final long GENERATION = 1;
    private static final String GUEST_MAC = "00:50:56:00:00:2b";
    private static final Duration FIRST_BOOT_TIMEOUT = Duration.ofSeconds(60);
    private static final byte[] SECRET = "lab secret, thirty-two bytes ok!".getBytes(StandardCharsets.UTF_8);

    @Test
    void aCycleCommitsTheGuestsDiskReleasesItsSnapshotAndARepeatSendsAlmostNothing(Lab lab, @TempDir Path dir)
            throws Exception {
        VmwareSimulatorHost host = VmwareSimulatorHost.start(lab, "vmcycA",
                VmwareSimulatorOptions.esxi(0).withGuestsRunning());
        VmwareLabGuests.installRunningGuest(host, GUEST, GENERATION, GUEST_MAC, FIRST_BOOT_TIMEOUT);
        Vertx vertx = Vertx.vertx();
        VmwareDriver driver = null;
        ReplicationReceiver receiver = null;
        try {
            driver = result(VmwareDriver.connect(vertx, VmwareLabGuests.driverSettings(lab, host, dir)));
            ChunkStore store = ChunkStore.open(dir.resolve("store"));
            receiver = new ReplicationReceiver(store, ReceiverOptions.plain("127.0.0.1", 0, SECRET));
            result(vertx.deployVerticle(receiver));
            int port = receiver.actualPort();
            StoreTarget target = StoreTarget.newBuilder().setHostId("standby").setStoreId("main")
                    .setAddress("127.0.0.1:" + port).build();
            List<Message> events = new CopyOnWriteArrayList<>();
            BackupCycle cycle = new BackupCycle("vmcycA", driver, new ReplicationPusher(vertx,
                    t -> SenderOptions.plain("127.0.0.1", port, SECRET)), dir.resolve("digests"), events::add);
            String guestId = "3b0c6f0e-1d2a-4c55-9a7e-00000000c0a1";
            GuestRef ref = GuestRef.named(GUEST);

            BackupResult first = result(cycle.start(new BackupRequest(guestId, ref, target, "vm-cycle-1", ""))
                    .result());

            String disk = result(driver.guest(ref)).getDisks(0).getPath();
            assertThat(disk).isEqualTo(VmwareSimulatorHost.DATASTORE_DIR + "/" + GUEST + "/" + GUEST + ".vmdk");
            byte[] onDatastore = datastoreImage(host.host(), disk, dir);
            assertThat(restored(store, first.getPointId())).as("restored point %s", first.getPointId())
                    .isEqualTo(onDatastore);
            assertThat(result(driver.guest(ref)).getPowerState()).isEqualTo(PowerState.POWER_STATE_RUNNING);
            assertNoSnapshotLeft(host);

            BackupResult second = result(cycle.start(new BackupRequest(guestId, ref, target, "vm-cycle-2",
                    first.getPointId())).result());

            System.out.printf("VmwareBackupCycleIT: first cycle read %d B sent %d B; second read %d B sent %d B%n",
                    first.getBytesRead(), first.getBytesSent(), second.getBytesRead(), second.getBytesSent());
            assertThat(second.getPointId()).isNotEqualTo(first.getPointId());
            assertThat(restored(store, second.getPointId())).isEqualTo(onDatastore);
            assertThat(first.getBytesSent()).as("the first cycle sends the guest's data").isGreaterThan(32 * 1024);
            assertThat(second.getBytesSent()).as("nothing changed: no chunk travels, only the manifest")
                    .isLessThan(4096);
            assertThat(events).filteredOn(e -> e instanceof ReplicationCommitted).hasSize(2);
            assertNoSnapshotLeft(host);
        } finally {
            if (receiver != null && receiver.deploymentID() != null) {
                result(vertx.undeploy(receiver.deploymentID()));
            }
            if (driver != null) {
                driver.close();
            }
            result(vertx.close());
        }
    }

    /** Neither the VI API nor the datastore shows a snapshot of the guest (no delta disk left behind). */
    private static void assertNoSnapshotLeft(VmwareSimulatorHost host) throws Exception {
        VmwareSimulatorOptions o = host.options();
        ServiceInstance si = new ServiceInstance(host.sdkUrl().toURL(), o.username(), o.password(), true);
        try {
            VirtualMachine vm = (VirtualMachine) new InventoryNavigator(si.getRootFolder())
                    .searchManagedEntity("VirtualMachine", GUEST);
            assertThat(vm).as("VM %s on %s", GUEST, host).isNotNull();
            assertThat(vm.getSnapshot()).as("snapshot info of %s", GUEST).isNull();
        } finally {
            si.getServerConnection().logout();
        }
        assertThat(host.host().execOk("ls", VmwareSimulatorHost.DATASTORE_DIR + "/" + GUEST))
                .doesNotContain("-00000");
    }

    private static byte[] datastoreImage(LabHost host, String path, Path dir) throws IOException {
        Path local = Files.createTempDirectory(dir, "datastore").resolve(Path.of(path).getFileName().toString());
        Files.write(local, host.readFile(path));
        try (DiskImage img = DiskImages.open(local)) {
            return readAll(img);
        }
    }

    private static byte[] restored(ChunkStore store, String pointId) throws Exception {
        RestorePoint point = store.load(RestorePointId.parse(pointId));
        assertThat(point.disks()).hasSize(1);
        try (RestorePointImage img = new RestorePointImage(store, point.disks().get(0))) {
            return readAll(img);
        }
    }

    private static byte[] readAll(DiskImage img) throws IOException {
        ByteBuffer all = ByteBuffer.allocate((int) img.capacity());
        img.read(0, all);
        return all.array();
    }

    private static <T> T result(Future<T> future) throws Exception {
        try {
            return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }
}
