package io.lifeboat.agent.backup;

import com.google.protobuf.Message;
import io.lifeboat.agent.hypervisor.FakeHypervisorDriver;
import io.lifeboat.agent.hypervisor.GuestRef;
import io.lifeboat.protocol.v1.BackupResult;
import io.lifeboat.protocol.v1.ReplicationCommitted;
import io.lifeboat.protocol.v1.ReplicationFailed;
import io.lifeboat.protocol.v1.ReplicationProgress;
import io.lifeboat.protocol.v1.ReplicationStarted;
import io.lifeboat.protocol.v1.StoreTarget;
import io.lifeboat.storage.replication.ReceiverOptions;
import io.lifeboat.storage.replication.ReplicationReceiver;
import io.lifeboat.storage.replication.SenderOptions;
import io.lifeboat.storage.store.ChunkStore;
import io.lifeboat.storage.store.RestorePoint;
import io.lifeboat.storage.store.RestorePointId;
import io.lifeboat.storage.store.RestorePointImage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** The backup cycle against the fake driver and a real replication receiver with a local store, over loopback. */
class BackupCycleTest {

    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final String GUEST_ID = "6f1c2a9e-0000-4000-8000-000000000001";

    @TempDir
    Path dir;

    private Vertx vertx;
    private FakeHypervisorDriver driver;
    private ChunkStore store;
    private ReplicationReceiver receiver;
    private GuestRef guest;
    private StoreTarget target;
    private final List<Message> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        vertx = Vertx.vertx();
        driver = new FakeHypervisorDriver(vertx, "hostA", dir.resolve("hostA"));
        guest = GuestRef.of(driver.createGuest("mail", 2, 8L << 20, true));
        store = ChunkStore.open(dir.resolve("hostB-store"));
        receiver = new ReplicationReceiver(store, ReceiverOptions.plain("127.0.0.1", 0, SECRET));
        result(vertx.deployVerticle(receiver));
        target = StoreTarget.newBuilder().setHostId("hostB").setAddress("127.0.0.1:" + receiver.actualPort())
                .setStoreId("main").build();
    }

    @AfterEach
    void tearDown() throws Exception {
        driver.close();
        result(vertx.close());
    }

    private BackupCycle cycle(ChunkPusher pusher) {
        return new BackupCycle("hostA", driver, pusher, dir.resolve("digests"), events::add);
    }

    private ChunkPusher realPusher() {
        return new ReplicationPusher(vertx, t -> {
            String[] hp = t.getAddress().split(":");
            return SenderOptions.plain(hp[0], Integer.parseInt(hp[1]), SECRET);
        });
    }

    private BackupRequest request(String cycleId) {
        return new BackupRequest(GUEST_ID, guest, target, cycleId, "");
    }

    @Test
    void aCycleCommitsEveryDiskAsOnePointAndReleasesTheSnapshot() throws Exception {
        List<byte[]> disks = diskBytes();

        BackupResult r = result(cycle(realPusher()).start(request("c1")).result());

        RestorePoint point = store.load(RestorePointId.parse(r.getPointId()));
        assertThat(point.disks()).hasSize(2);
        for (int d = 0; d < 2; d++) {
            assertThat(restored(point, d)).isEqualTo(disks.get(d));
        }
        assertThat(r.getBytesRead()).isPositive().isLessThan(2 * (8L << 20));
        assertThat(driver.activeSnapshots(guest)).isEmpty();
        assertThat(events).allSatisfy(e -> assertThat(e).isInstanceOfAny(ReplicationStarted.class,
                ReplicationProgress.class, ReplicationCommitted.class));
        assertThat(events.get(0)).isInstanceOfSatisfying(ReplicationStarted.class, e -> {
            assertThat(e.getCycleId()).isEqualTo("c1");
            assertThat(e.getSourceHostId()).isEqualTo("hostA");
        });
        assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(ReplicationCommitted.class, e -> {
            assertThat(e.getPointId()).isEqualTo(r.getPointId());
            assertThat(e.getTargetHostId()).isEqualTo("hostB");
            assertThat(e.getBytesSent()).isEqualTo(r.getBytesSent());
        });
    }

    @Test
    void progressCountsTheScanAndTheResentChunksSoItReachesItsTotalOnlyWhenAllIsSent() throws Exception {
        java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
        BackupCycle reportsEveryBatch = new BackupCycle("hostA", driver, realPusher(), dir.resolve("digests"),
                events::add, java.time.Clock.systemUTC(), () -> nanos.addAndGet(TimeUnit.SECONDS.toNanos(1)));

        BackupResult r = result(reportsEveryBatch.start(request("c1")).result());

        List<ReplicationProgress> progress = events.stream().filter(ReplicationProgress.class::isInstance)
                .map(ReplicationProgress.class::cast).toList();
        assertThat(progress).hasSizeGreaterThan(2).allSatisfy(p -> assertThat(p.getBytesRead())
                .as("read %d of %d", p.getBytesRead(), p.getBytesTotal()).isLessThanOrEqualTo(p.getBytesTotal()));
        ReplicationProgress first = progress.get(0);
        ReplicationProgress last = progress.get(progress.size() - 1);
        assertThat(first.getBytesRead()).as("the first report, as sending starts").isLessThan(first.getBytesTotal());
        assertThat(last.getBytesRead()).isEqualTo(last.getBytesTotal()).isEqualTo(r.getBytesRead());
    }

    @Test
    void theNextCycleSendsOnlyWhatChangedAndNotWhatTheGuestWroteDuringTheSnapshot() throws Exception {
        BackupResult first = result(cycle(realPusher()).start(request("c1")).result());
        byte[] changed = new byte[64 * 1024];
        java.util.Arrays.fill(changed, (byte) 7);
        driver.guestWrite(guest, 0, 3L << 20, changed);
        List<byte[]> beforeSecond = diskBytes();
        byte[] during = "written while the cycle ran".getBytes(StandardCharsets.UTF_8);
        ChunkPusher writesDuringPush = (t, req) -> {
            driver.guestWrite(guest, 1, 0, during);
            return realPusher().push(t, req);
        };

        BackupResult second = result(cycle(writesDuringPush).start(request("c2")).result());

        assertThat(second.getBytesSent()).isLessThan(first.getBytesSent() / 4);
        RestorePoint point = store.load(RestorePointId.parse(second.getPointId()));
        assertThat(restored(point, 0)).isEqualTo(beforeSecond.get(0));
        assertThat(restored(point, 1)).as("the point is the snapshot's, not later writes")
                .isEqualTo(beforeSecond.get(1));
        assertThat(Files.readAllBytes(dir.resolve("hostA/mail-disk1.img")))
                .as("the write lands in the base once the snapshot is released").startsWith(during);
        assertThat(driver.activeSnapshots(guest)).isEmpty();
    }

    @Test
    void aReadFailureFailsTheCycleAndStillReleasesTheSnapshot() throws Exception {
        driver.failReadsOf(guest);

        Throwable t = catchThrowable(() -> result(cycle(realPusher()).start(request("c1")).result()));

        assertThat(t).hasMessageContaining("injected read failure");
        assertThat(driver.activeSnapshots(guest)).isEmpty();
        assertThat(store.points(GUEST_ID)).isEmpty();
        assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(ReplicationFailed.class, e -> {
            assertThat(e.getStage()).isEqualTo("read");
            assertThat(e.getSnapshotReleased()).isTrue();
            assertThat(e.getFailure().getCode()).isEqualTo("read_failed");
            assertThat(e.getFailure().getMessage()).contains("c1").contains(GUEST_ID).contains("injected read failure");
        });
    }

    @Test
    void aCancelledCycleReleasesItsSnapshotAndCommitsNothing() throws Exception {
        CompletableFuture<BackupCycle.Running> running = new CompletableFuture<>();
        ChunkPusher cancelFirst = (t, req) -> {
            running.join().cancel("admin asked");
            return realPusher().push(t, req);
        };
        BackupCycle.Running r = cycle(cancelFirst).start(request("c1"));
        running.complete(r);
        Future<BackupResult> f = r.result();

        Throwable t = catchThrowable(() -> result(f));

        assertThat(t).isInstanceOf(BackupCancelledException.class).hasMessageContaining("admin asked");
        assertThat(driver.activeSnapshots(guest)).isEmpty();
        assertThat(store.points(GUEST_ID)).isEmpty();
        assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(ReplicationFailed.class, e -> {
            assertThat(e.getFailure().getCode()).isEqualTo("cancelled");
            assertThat(e.getSnapshotReleased()).isTrue();
        });
    }

    @Test
    void aStaleSnapshotFromAnInterruptedCycleIsReleasedFirst() throws Exception {
        result(driver.snapshotForBackup(guest));
        assertThat(driver.activeSnapshots(guest)).hasSize(1);

        BackupResult r = result(cycle(realPusher()).start(request("c1")).result());

        assertThat(r.getPointId()).startsWith(GUEST_ID + "/");
        assertThat(driver.activeSnapshots(guest)).isEmpty();
    }

    @Test
    void aStoreThatRefusesTheSecretFailsTheSendStageAndReleases() throws Exception {
        ChunkPusher wrongSecret = new ReplicationPusher(vertx, t -> SenderOptions.plain("127.0.0.1",
                receiver.actualPort(), "another secret, 32 bytes long!!".getBytes(StandardCharsets.UTF_8)));

        Throwable t = catchThrowable(() -> result(cycle(wrongSecret).start(request("c1")).result()));

        assertThat(t).isNotNull();
        assertThat(driver.activeSnapshots(guest)).isEmpty();
        assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(ReplicationFailed.class, e -> {
            assertThat(e.getStage()).isEqualTo("send");
            assertThat(e.getFailure().getCode()).isEqualTo("replication_failed");
            assertThat(e.getSnapshotReleased()).isTrue();
        });
    }

    @Test
    void standaloneScheduleCommitsAPointEveryIntervalAndLeavesNoSnapshotWhenStopped() throws Exception {
        BackupSchedule schedule = new BackupSchedule(cycle(realPusher()),
                List.of(new BackupSchedule.Entry(GUEST_ID, guest, target)), java.time.Duration.ofMillis(300));
        String id = result(vertx.deployVerticle(schedule));

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> store.points(GUEST_ID).size() >= 2);
        result(vertx.undeploy(id));

        assertThat(schedule.lastPoint(GUEST_ID)).isNotNull();
        assertThat(driver.activeSnapshots(guest)).isEmpty();
        assertThat(events).filteredOn(e -> e instanceof ReplicationStarted).isNotEmpty();
    }

    private List<byte[]> diskBytes() throws Exception {
        return List.of(Files.readAllBytes(dir.resolve("hostA/mail-disk0.img")),
                Files.readAllBytes(dir.resolve("hostA/mail-disk1.img")));
    }

    private byte[] restored(RestorePoint point, int disk) throws Exception {
        try (RestorePointImage img = new RestorePointImage(store, point.disks().get(disk))) {
            ByteBuffer all = ByteBuffer.allocate((int) img.capacity());
            img.read(0, all);
            return all.array();
        }
    }

    private static <T> T result(Future<T> f) throws Exception {
        try {
            return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception c ? c : e;
        }
    }
}
