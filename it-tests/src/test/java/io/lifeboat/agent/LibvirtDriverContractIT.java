package io.lifeboat.agent;

import com.google.protobuf.Message;
import io.lifeboat.agent.backup.BackupCycle;
import io.lifeboat.agent.backup.BackupRequest;
import io.lifeboat.agent.backup.ReplicationPusher;
import io.lifeboat.agent.hypervisor.BackupSnapshot;
import io.lifeboat.agent.hypervisor.FrozenDisk;
import io.lifeboat.agent.hypervisor.GuestRef;
import io.lifeboat.agent.hypervisor.HypervisorDriver;
import io.lifeboat.agent.hypervisor.HypervisorDriverContract;
import io.lifeboat.agent.hypervisor.libvirt.HostFiles;
import io.lifeboat.agent.hypervisor.libvirt.LibvirtDriver;
import io.lifeboat.lab.Lab;
import io.lifeboat.lab.LabExtension;
import io.lifeboat.lab.LabHost;
import io.lifeboat.lab.TestGuest;
import io.lifeboat.protocol.v1.BackupResult;
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
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.Container.ExecResult;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hypervisor driver contract against libvirt in the lab: a real QEMU test guest running on hostA (reached over
 * {@code qemu+tcp} from this JVM), its copy registered, booted and fenced on hostB, the boot marker read from the
 * serial console.
 */
@ExtendWith(LabExtension.class)
class LibvirtDriverContractIT extends HypervisorDriverContract {

    private static final String GUEST = "contract1";

    private static Vertx vertx;

    private LabHost hostA;
    private LabHost hostB;
    private LibvirtDriver primary;
    private LibvirtDriver standby;
    private Path scratch;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get();
    }

    @BeforeEach
    void guestRunsOnHostA(Lab lab) throws Exception {
        hostA = lab.host("hostA");
        hostB = lab.host("hostB");
        hostA.installGuest(io.lifeboat.lab.GuestSpec.of(GUEST));
        hostA.startGuest(GUEST);
        hostA.awaitMarker(GUEST, Duration.ofSeconds(30));
        scratch = Files.createTempDirectory("lifeboat-libvirt-it");
        primary = result(LibvirtDriver.connect(vertx, hostA.libvirtUri(), new LabHostFiles(hostA, scratch),
                "lifeboat-libvirt-hostA", LabHost.GUESTS_DIR));
        standby = result(LibvirtDriver.connect(vertx, hostB.libvirtUri(), new LabHostFiles(hostB, scratch),
                "lifeboat-libvirt-hostB", LabHost.GUESTS_DIR));
    }

    @AfterEach
    void close() throws IOException {
        if (primary != null) {
            primary.close();
        }
        if (standby != null) {
            standby.close();
        }
        try (var files = Files.walk(scratch)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
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
        return TestGuest.markerLine(GUEST, 1);
    }

    @Override
    protected Duration bootTimeout() {
        return Duration.ofSeconds(60);
    }

    @Override
    protected List<String> copyToStandby(BackupSnapshot snapshot) {
        String dir = LabHost.GUESTS_DIR + "/copy-" + Long.toHexString(System.nanoTime());
        hostB.execOk("mkdir", "-p", dir);
        List<String> paths = new ArrayList<>();
        for (FrozenDisk disk : snapshot.disks()) {
            String name = disk.basePath().substring(disk.basePath().lastIndexOf('/') + 1);
            String target = dir + "/" + name;
            hostB.writeFile(target, hostA.readFile(disk.basePath()));
            paths.add(target);
        }
        return paths;
    }


    @Test
    void inventoryReadsTheVmdkSubformatFromTheImage() throws Exception {
        assertThat(result(primary.guest(runningGuest())).getDisksList()).singleElement().satisfies(d -> {
            assertThat(d.getFormat()).isEqualTo(io.lifeboat.protocol.v1.DiskFormat.DISK_FORMAT_VMDK);
            assertThat(d.getVmdkCreateType())
                    .isEqualTo(io.lifeboat.protocol.v1.VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE);
            assertThat(d.getCapacityBytes()).isEqualTo(TestGuest.DEFAULT_SIZE_BYTES);
        });
    }

    /** The backup cycle end to end: the running lab guest on hostA to a store receiving over the replication protocol. */
    @Nested
    class BackupCycleFromALibvirtGuest {

        private final byte[] secret = "lab secret, thirty-two bytes ok!".getBytes(StandardCharsets.UTF_8);
        private final List<Message> events = new CopyOnWriteArrayList<>();
        private ChunkStore store;
        private ReplicationReceiver receiver;
        private BackupCycle cycle;
        private StoreTarget target;

        @BeforeEach
        void storeListens() throws Exception {
            store = ChunkStore.open(scratch.resolve("standby-store"));
            receiver = new ReplicationReceiver(store, ReceiverOptions.plain("127.0.0.1", 0, secret));
            result(vertx.deployVerticle(receiver));
            target = StoreTarget.newBuilder().setHostId("hostB").setStoreId("main")
                    .setAddress("127.0.0.1:" + receiver.actualPort()).build();
            cycle = new BackupCycle("hostA", primary, new ReplicationPusher(vertx,
                    t -> SenderOptions.plain("127.0.0.1", receiver.actualPort(), secret)),
                    scratch.resolve("digests"), events::add);
        }

        @AfterEach
        void storeStops() throws Exception {
            result(vertx.undeploy(receiver.deploymentID()));
        }

        @Test
        void twoCyclesCommitTheGuestsDiskWhileItRunsAndTheSecondSendsOnlyTheChange() throws Exception {
            String guestId = "3b0c6f0e-1d2a-4c55-9a7e-00000000c001";
            GuestRef ref = GuestRef.named(GUEST);
            String base = result(primary.guest(ref)).getDisks(0).getPath();
            for (int g = 2; g < 8; g++) {
                guestWrites(0xc0 + g, (g * 64) + "k", "64k"); // six distinct grains, so nothing deduplicates
            }

            BackupResult first = result(cycle.start(new BackupRequest(guestId, ref, target, "cycle-1", "")).result());

            assertThat(restored(first.getPointId())).isEqualTo(guestVisible(base));
            assertThat(result(primary.guest(ref)).getPowerState()).isEqualTo(PowerState.POWER_STATE_RUNNING);
            assertThat(result(primary.guest(ref)).getDisks(0).getPath()).isEqualTo(base);
            assertThat(hostA.execOk("ls", hostA.guestDir(GUEST))).doesNotContain(BackupSnapshot.ID_PREFIX);

            guestWrites(0xab, "512k", "64k");

            BackupResult second = result(cycle.start(new BackupRequest(guestId, ref, target, "cycle-2",
                    first.getPointId())).result());

            byte[] disk = restored(second.getPointId());
            assertThat(java.util.Arrays.copyOfRange(disk, 512 * 1024, 576 * 1024)).containsOnly((byte) 0xab);
            assertThat(disk).isEqualTo(guestVisible(base));
            assertThat(second.getBytesSent()).as("one changed grain of seven").isLessThan(first.getBytesSent() / 3);
            assertThat(events).filteredOn(e -> e instanceof ReplicationCommitted).hasSize(2);
            assertThat(hostA.execOk("ls", hostA.guestDir(GUEST))).doesNotContain(BackupSnapshot.ID_PREFIX);
        }

        /** The running guest writes {@code length} bytes of {@code pattern} at {@code offset} through QEMU's block layer. */
        private void guestWrites(int pattern, String offset, String length) {
            hostA.virsh("qemu-monitor-command", GUEST, "--hmp",
                    "qemu-io -d ide0-0-0 \"write -P 0x" + Integer.toHexString(pattern) + " " + offset + " " + length + "\"");
            hostA.virsh("qemu-monitor-command", GUEST, "--hmp", "qemu-io -d ide0-0-0 \"flush\"");
        }

        private byte[] restored(String pointId) throws Exception {
            RestorePoint point = store.load(RestorePointId.parse(pointId));
            try (RestorePointImage img = new RestorePointImage(store, point.disks().get(0))) {
                return readAll(img);
            }
        }

        private byte[] guestVisible(String path) throws Exception {
            try (DiskImage img = new LabHostFiles(hostA, scratch).openImage(path)) {
                return readAll(img);
            }
        }

        private byte[] readAll(DiskImage img) throws IOException {
            ByteBuffer all = ByteBuffer.allocate((int) img.capacity());
            img.read(0, all);
            return all.array();
        }
    }

    /**
     * Files of a lab host as the driver sees them from this JVM: images are fetched whole through Docker's archive
     * API into a scratch directory (a monolithicSparse VMDK holds only its allocated grains), logs read with tail.
     */
    private static final class LabHostFiles implements HostFiles {
        private final LabHost host;
        private final Path scratch;

        LabHostFiles(LabHost host, Path scratch) {
            this.host = host;
            this.scratch = scratch;
        }

        @Override
        public DiskImage openImage(String path) throws IOException {
            Path dir = Files.createTempDirectory(scratch, host.name());
            Path local = dir.resolve(path.substring(path.lastIndexOf('/') + 1));
            Files.write(local, host.readFile(path));
            return DiskImages.open(local);
        }

        @Override
        public byte[] tail(String path, int maxBytes) {
            ExecResult r = host.exec("tail", "-c", Integer.toString(maxBytes), path);
            return r.getExitCode() == 0 ? r.getStdout().getBytes(StandardCharsets.UTF_8) : new byte[0];
        }

        @Override
        public void deleteIfExists(String path) {
            host.execOk("rm", "-f", path);
        }
    }
}
