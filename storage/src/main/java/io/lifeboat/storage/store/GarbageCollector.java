package io.lifeboat.storage.store;

import io.lifeboat.storage.store.internal.PackEntry;
import io.lifeboat.storage.store.internal.PackFiles;
import io.lifeboat.storage.store.internal.PackReader;
import io.lifeboat.storage.store.internal.PackWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Mark and sweep over a store, run under the store's exclusive lock. Live: every chunk of every manifest and of
 * every session file touched in the last 24 hours. Packs younger than the grace period are never touched, so a
 * concurrent backup's fresh chunks survive; a pack with no live chunk is deleted; a pack less than half live is
 * rewritten without its dead chunks.
 */
final class GarbageCollector {

    /** A session file untouched for this long belongs to an abandoned backup; its chunks are no longer kept. */
    static final Duration SESSION_EXPIRY = Duration.ofHours(24);

    private final ChunkStore store;

    GarbageCollector(ChunkStore store) {
        this.store = store;
    }

    GcReport run(Duration grace, Instant now) throws IOException {
        Instant cutoff = now.minus(grace);
        Set<ChunkId> live = new HashSet<>();
        for (RestorePointId p : store.points(null)) {
            RestorePoint rp = store.load(p);
            for (DiskManifest d : rp.disks()) {
                for (int i = 0; i < d.chunks().size(); i++) {
                    live.add(d.chunks().id(i));
                }
            }
        }
        try (var s = Files.newDirectoryStream(store.sessionDir(), "*.session")) {
            for (Path f : s) {
                if (Files.getLastModifiedTime(f).toInstant().isBefore(now.minus(SESSION_EXPIRY))) {
                    Files.delete(f);
                    continue;
                }
                byte[] ids = Files.readAllBytes(f);
                for (int o = 0; o + ChunkId.LENGTH <= ids.length; o += ChunkId.LENGTH) {
                    live.add(ChunkId.of(ids, o));
                }
            }
        }
        Set<String> quarantined = store.quarantined();
        long removed = 0;
        long deleted = 0;
        long rewritten = 0;
        long young = 0;
        long freed = 0;
        Map<ChunkId, PackEntry> toc = new HashMap<>();
        PackWriter writer = new PackWriter(store.packDir(), BackupSession.MAX_CHUNK);
        byte[] buf = new byte[BackupSession.MAX_CHUNK];
        try (var tmp = Files.newDirectoryStream(store.packDir(), "*.tmp")) {
            for (Path t : tmp) {
                if (Files.getLastModifiedTime(t).toInstant().isBefore(cutoff)) {
                    freed += Files.size(t);
                    Files.delete(t);
                }
            }
        }
        Set<ChunkId> kept = new HashSet<>();
        for (Path pack : PackFiles.list(store.packDir())) {
            if (!Files.getLastModifiedTime(pack).toInstant().isBefore(cutoff)) {
                young++;
                continue;
            }
            toc.clear();
            long packId = PackFiles.idOf(pack);
            try {
                PackFiles.readToc(pack, packId, toc);
            } catch (IOException e) {
                continue; // damaged: left for scrub to report and an operator to inspect
            }
            long liveBytes = 0;
            long allBytes = 0;
            int liveCount = 0;
            for (var e : toc.entrySet()) {
                allBytes += e.getValue().stored();
                boolean bad = quarantined.contains(ChunkStore.quarantineKey(packId, e.getKey()));
                if (live.contains(e.getKey()) && !bad && !kept.contains(e.getKey())) {
                    liveBytes += e.getValue().stored();
                    liveCount++;
                }
            }
            long size = Files.size(pack);
            if (liveCount == 0) {
                removed += toc.size();
                deleted++;
                freed += size;
                Files.delete(pack);
                continue;
            }
            if (liveBytes * 2 >= allBytes) {
                for (var e : toc.entrySet()) {
                    if (live.contains(e.getKey())) {
                        kept.add(e.getKey());
                    }
                }
                continue;
            }
            try (PackReader r = new PackReader(store.packDir())) {
                for (var e : toc.entrySet()) {
                    boolean bad = quarantined.contains(ChunkStore.quarantineKey(packId, e.getKey()));
                    if (live.contains(e.getKey()) && !bad && kept.add(e.getKey())) {
                        int n = r.read(e.getValue(), buf, 0);
                        writer.add(e.getKey(), buf, 0, n);
                    } else {
                        removed++;
                    }
                }
            }
            writer.seal();
            Files.delete(pack);
            rewritten++;
            freed += size;
        }
        writer.seal();
        writer.close();
        io.lifeboat.storage.store.internal.AtomicFiles.fsyncDirectory(store.packDir());
        return new GcReport(live.size(), removed, deleted, rewritten, young, freed);
    }
}
