package io.lifeboat.storage.store;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChunkStoreTest {

    private static final int GRAIN = 64 * 1024;

    @TempDir
    Path tmp;
    private Path storeDir;
    private Path digests;
    private MemoryDiskImage disk;
    private final Random rnd = new Random(42);

    @BeforeEach
    void setUp() {
        storeDir = tmp.resolve("store");
        digests = tmp.resolve("digests");
        disk = new MemoryDiskImage(tmp.resolve("disk.raw"), 64L * GRAIN + 12345, GRAIN);
        for (long g : new long[]{0, 1, 2, 7, 8, 30, 64}) {
            disk.randomGrain(g, rnd);
        }
    }

    private LocalBackup.Result backup(ChunkStore store, MemoryDiskImage image, Instant now) throws IOException {
        return LocalBackup.run(store, "guest-1", List.of(image.path()), digests, now, p -> image.copy());
    }

    @Test
    void backupThenReadBackGivesTheSameBytesAndTheZeroChunkIsNeverStored() throws Exception {
        disk.zeroGrain(40);
        ChunkStore store = ChunkStore.open(storeDir);
        LocalBackup.Result r = backup(store, disk, Instant.parse("2026-11-30T10:00:00Z"));

        assertThat(r.point().id().toString()).isEqualTo("guest-1/20261130T100000Z");
        assertThat(store.points("guest-1")).containsExactly(r.point().id());
        RestorePoint loaded = store.load(r.point().id());
        assertThat(loaded.rootDigest()).isEqualTo(r.point().rootDigest());
        assertThat(loaded.disks().get(0).chunks().size()).isEqualTo(7);
        try (RestorePointImage img = new RestorePointImage(store, loaded.disks().get(0))) {
            assertThat(MemoryDiskImage.readAll(img)).isEqualTo(disk.content());
            assertThat(img.map()).anySatisfy(range -> assertThat(range.zero()).isTrue());
        }
        byte[] zeroId = MessageDigest.getInstance("SHA-256").digest(new byte[GRAIN]);
        assertThat(store.contains(ChunkId.of(zeroId, 0))).isFalse();
        assertThat(store.chunkCount()).isEqualTo(7);
        assertThat(store.isVerified(loaded)).isTrue();
        // reopening rebuilds the index from the packs alone
        assertThat(ChunkStore.open(storeDir).chunkCount()).isEqualTo(7);
    }

    @Test
    void incrementalCycleHashesOnlyChangedGrainsAndStoresOnlyThem() throws Exception {
        ChunkStore store = ChunkStore.open(storeDir);
        LocalBackup.Result first = backup(store, disk, Instant.parse("2026-11-30T10:00:00Z"));
        assertThat(first.fullCompare()).isTrue();
        assertThat(first.grainsHashed()).isEqualTo(7);

        disk.randomGrain(7, rnd);
        disk.randomGrain(50, rnd);
        LocalBackup.Result second = backup(store, disk, Instant.parse("2026-11-30T11:00:00Z"));
        assertThat(second.fullCompare()).isFalse();
        assertThat(second.grainsHashed()).isEqualTo(2);
        assertThat(second.bytesStored()).isEqualTo(2L * GRAIN);
        try (RestorePointImage img = new RestorePointImage(store, store.load(second.point().id()).disks().get(0))) {
            assertThat(MemoryDiskImage.readAll(img)).isEqualTo(disk.content());
        }
    }

    @Test
    void aStaleOrForeignDigestFileForcesAFullCompare() throws Exception {
        ChunkStore store = ChunkStore.open(storeDir);
        backup(store, disk, Instant.parse("2026-11-30T10:00:00Z"));
        MemoryDiskImage bigger = new MemoryDiskImage(disk.path(), disk.capacity() + GRAIN, GRAIN);
        disk.grains().forEach((g, b) -> {
            if (b.length == GRAIN) {
                bigger.grains().put(g, b.clone());
            }
        });
        LocalBackup.Result r = backup(store, bigger, Instant.parse("2026-11-30T11:00:00Z"));
        assertThat(r.fullCompare()).isTrue();
        assertThat(r.grainsHashed()).isEqualTo(6);
        // a damaged digest file is ignored, not trusted
        try (var s = Files.walk(digests)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                Files.write(f, new byte[]{1, 2, 3}, StandardOpenOption.TRUNCATE_EXISTING);
            }
        }
        assertThat(backup(store, bigger, Instant.parse("2026-11-30T12:00:00Z")).fullCompare()).isTrue();
    }

    @Test
    void anUncommittedSessionLeavesNoVisiblePointAndATornManifestIsIgnored() throws Exception {
        ChunkStore store = ChunkStore.open(storeDir);
        RestorePoint first = backup(store, disk, Instant.parse("2026-11-30T10:00:00Z")).point();
        try (BackupSession s = store.beginSession("abandoned", "guest-1")) {
            byte[] data = new byte[GRAIN];
            rnd.nextBytes(data);
            ChunkId id = ChunkId.of(MessageDigest.getInstance("SHA-256").digest(data), 0);
            s.put(id, data, 0, data.length);
        }
        // a crash between writing the temp manifest and renaming it leaves only the temp file
        Files.writeString(storeDir.resolve("points/guest-1/.20261130T110000Z.point.tmp"), "half");
        ChunkStore reopened = ChunkStore.open(storeDir);
        assertThat(reopened.points(null)).containsExactly(first.id());
        assertThat(reopened.isVerified(reopened.load(first.id()))).isTrue();
    }

    @Test
    void concurrentCommitsOfOneGuestNeverReplaceEachOther() throws Exception {
        ChunkStore store = ChunkStore.open(storeDir);
        Instant now = Instant.parse("2026-11-30T10:00:00Z");
        int n = 6;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
        try {
            List<java.util.concurrent.Future<RestorePoint>> commits = new java.util.ArrayList<>();
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            for (int i = 0; i < n; i++) {
                MemoryDiskImage img = new MemoryDiskImage(tmp.resolve("d" + i), 4L * GRAIN, GRAIN);
                byte[] data = img.randomGrain(0, new Random(i));
                byte[] id = MessageDigest.getInstance("SHA-256").digest(data);
                ChunkList list = ChunkList.builder(1).add(0, id, 0).build();
                String session = "s" + i;
                commits.add(pool.submit(() -> {
                    try (BackupSession s = store.beginSession(session, "guest-1")) {
                        s.register(List.of(list));
                        s.put(ChunkId.of(id, 0), data, 0, data.length);
                        start.await();
                        return s.commit("c", List.of(new DiskManifest("d", img.capacity(), GRAIN, "RAW", null, null,
                                list)), now);
                    }
                }));
            }
            start.countDown();
            java.util.Set<RestorePointId> ids = new java.util.HashSet<>();
            for (var f : commits) {
                RestorePoint p = f.get(30, java.util.concurrent.TimeUnit.SECONDS);
                ids.add(p.id());
                assertThat(store.load(p.id()).rootDigest()).isEqualTo(p.rootDigest());
            }
            assertThat(ids).hasSize(n);
            assertThat(store.points("guest-1")).hasSize(n);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aChunkWhoseBytesDoNotMatchItsIdIsRefused() throws Exception {
        ChunkStore store = ChunkStore.open(storeDir);
        try (BackupSession s = store.beginSession("s1", "guest-1")) {
            byte[] data = new byte[100];
            ChunkId wrong = ChunkId.ofHex("ab".repeat(32));
            assertThatThrownBy(() -> s.put(wrong, data, 0, data.length))
                    .isInstanceOf(ChunkMismatchException.class).hasMessageContaining(wrong.hex());
        }
        assertThat(store.chunkCount()).isZero();
    }

    @Test
    void retentionKeepsLastDailyWeeklyAndPinnedPoints() throws Exception {
        ChunkStore store = ChunkStore.open(storeDir);
        Instant t0 = Instant.parse("2026-11-01T08:00:00Z");
        RestorePointId oldest = null;
        for (int day = 0; day < 20; day++) {
            for (int h = 0; h < 2; h++) {
                disk.randomGrain(3, rnd);
                RestorePointId id = backup(store, disk, t0.plus(Duration.ofDays(day)).plus(Duration.ofHours(h * 6))).point().id();
                if (oldest == null) {
                    oldest = id;
                }
            }
        }
        store.pin(oldest, "drill");
        RetentionReport r = store.applyRetention(new RetentionPolicy(3, 5, 2));
        assertThat(r.kept()).contains(oldest);
        // 3 last (2 on day 19, 1 on day 18) + daily for days 15..19 + weekly (2 newest weeks) + the pin
        assertThat(r.kept()).hasSizeBetween(7, 9);
        assertThat(store.points("guest-1")).containsExactlyElementsOf(r.kept());
        assertThat(store.pins(oldest)).containsExactly("drill");
        GcReport gc = store.collectGarbage(Duration.ZERO, Instant.now().plusSeconds(10));
        assertThat(gc.chunksRemoved()).isPositive();
        for (RestorePointId id : store.points(null)) {
            assertThat(store.isVerified(store.load(id))).as("%s", id).isTrue();
        }
        store.unpin(oldest, "drill");
        assertThat(store.applyRetention(new RetentionPolicy(3, 5, 2)).removed()).containsExactly(oldest);
    }

    @Test
    void garbageCollectionSparesChunksOfAConcurrentBackupAndPacksYoungerThanTheGrace() throws Exception {
        ChunkStore store = ChunkStore.open(storeDir);
        RestorePoint a = backup(store, disk, Instant.parse("2026-11-30T10:00:00Z")).point();
        // a concurrent backup has registered and stored a chunk that no point references yet
        MemoryDiskImage other = new MemoryDiskImage(tmp.resolve("other.raw"), 4L * GRAIN, GRAIN);
        byte[] data = other.randomGrain(1, rnd);
        ChunkId id = ChunkId.of(MessageDigest.getInstance("SHA-256").digest(data), 0);
        ChunkList list = ChunkList.builder(1).add(1, MessageDigest.getInstance("SHA-256").digest(data), 0).build();
        BackupSession session = store.beginSession("concurrent", "guest-2");
        assertThat(session.register(List.of(list))).containsExactly(0);
        session.put(id, data, 0, data.length);
        session.flush();

        // delete point a: its chunks are now garbage, but the young grace period protects their packs
        Files.delete(storeDir.resolve("points/guest-1/" + a.id().stamp() + ".point"));
        GcReport young = store.collectGarbage(Duration.ofHours(1), Instant.now());
        assertThat(young.chunksRemoved()).isZero();
        assertThat(young.packsKeptYoung()).isPositive();

        // no grace at all: the session file alone keeps the concurrent backup's chunk
        GcReport swept = store.collectGarbage(Duration.ZERO, Instant.now().plusSeconds(5));
        assertThat(swept.chunksRemoved()).as("%s", swept).isEqualTo(7);
        assertThat(store.contains(id)).isTrue();
        RestorePoint b = session.commit("c", List.of(new DiskManifest("other.raw", other.capacity(), GRAIN, "RAW",
                null, null, list)), Instant.parse("2026-11-30T10:05:00Z"));
        assertThat(store.isVerified(b)).isTrue();
        try (RestorePointImage img = new RestorePointImage(store, b.disks().get(0))) {
            assertThat(MemoryDiskImage.readAll(img)).isEqualTo(other.content());
        }
    }

    @Test
    void scrubFindsAFlippedBitQuarantinesTheChunkAndMarksThePointUnusable() throws Exception {
        ChunkStore store = ChunkStore.open(storeDir);
        RestorePoint p = backup(store, disk, Instant.parse("2026-11-30T10:00:00Z")).point();
        assertThat(store.scrub().problemsFound()).isFalse();

        Path pack;
        try (var s = Files.list(storeDir.resolve("packs"))) {
            pack = s.filter(f -> f.toString().endsWith(".pack")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(pack);
        bytes[100] ^= 0x10; // inside the first chunk's data
        Files.write(pack, bytes);

        ScrubReport r = store.scrub();
        assertThat(r.problemsFound()).isTrue();
        assertThat(r.corruptChunks()).hasSize(1);
        assertThat(r.unusablePoints()).containsExactly(p.id());
        assertThat(store.unusableReason(p.id())).contains("missing or corrupt");
        assertThat(store.isVerified(store.load(p.id()))).isFalse();

        // the next backup re-stores the quarantined chunk, so new points are whole again
        RestorePoint next = LocalBackup.run(store, "guest-1", List.of(disk.path()), tmp.resolve("fresh-digests"),
                Instant.parse("2026-11-30T11:00:00Z"), f -> disk.copy()).point();
        assertThat(store.isVerified(next)).isTrue();
        assertThat(store.scrub().corruptChunks()).isEmpty();
        assertThat(Set.copyOf(store.scrub().unusablePoints())).containsExactly(p.id());
    }
}
