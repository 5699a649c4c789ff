package io.lifeboat.storage.store.internal;

import io.lifeboat.storage.store.ChunkId;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Accumulates chunks in memory and writes them as pack files with one fsync each once a pack reaches its target
 * size. Full packs are written and fsynced by helper threads (up to three at once, so their fsyncs overlap) while
 * the next one fills, so fsync latency does not stall the caller; {@link #seal()} waits for all of them. Not thread-safe: one writer per session.
 */
public final class PackWriter implements AutoCloseable {

    /** Packs are sealed once they hold this many bytes. */
    public static final int TARGET_BYTES = 4 << 20;

    private final Path packDir;
    /** Packs being written and fsynced at the same time, so that their fsyncs overlap. */
    static final int IN_FLIGHT = 3;

    private byte[] data;
    private final ArrayDeque<byte[]> spares = new ArrayDeque<>();
    private final byte[] scratch;
    private int used = PackFiles.HEADER;
    private Map<ChunkId, PackEntry> pending = new LinkedHashMap<>();
    private final ArrayDeque<Sealing> sealing = new ArrayDeque<>();
    private ExecutorService sealer;

    private record Sealing(Future<Map<ChunkId, PackEntry>> future, Map<ChunkId, PackEntry> entries, byte[] buffer) {
    }
    private long packId = newId();
    private long packsWritten;

    /** A writer for packs in {@code packDir}, for chunks of at most {@code maxChunk} bytes. */
    public PackWriter(Path packDir, int maxChunk) {
        this.packDir = packDir;
        this.data = new byte[TARGET_BYTES + ChunkCodec.bound(maxChunk) + PackFiles.HEADER];
        this.scratch = new byte[ChunkCodec.bound(maxChunk)];
    }

    /** Whether a not-yet-durable pack (filling or being written) already holds {@code id}. */
    public boolean pendingContains(ChunkId id) {
        if (pending.containsKey(id)) {
            return true;
        }
        for (Sealing sl : sealing) {
            if (sl.entries().containsKey(id)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Adds a chunk whose id the caller has verified. Returns the entries of packs that became durable since the
     * last call (possibly none).
     */
    public Map<ChunkId, PackEntry> add(ChunkId id, byte[] src, int off, int len) throws IOException {
        if (pendingContains(id)) {
            return Map.of();
        }
        if (len > scratch.length) {
            throw new IllegalArgumentException("chunk of " + len + " bytes exceeds the pack writer's limit");
        }
        int c = ChunkCodec.compress(src, off, len, scratch, 0);
        byte codec;
        int stored;
        if (c >= 0) {
            System.arraycopy(scratch, 0, data, used, c);
            codec = ChunkCodec.ZSTD;
            stored = c;
        } else {
            System.arraycopy(src, off, data, used, len);
            codec = ChunkCodec.RAW;
            stored = len;
        }
        pending.put(id, new PackEntry(packId, used, stored, len, codec));
        used += stored;
        if (used < TARGET_BYTES) {
            return Map.of();
        }
        Map<ChunkId, PackEntry> durable = sealing.size() >= IN_FLIGHT ? awaitOldest() : Map.of();
        byte[] full = data;
        int fullUsed = used;
        Map<ChunkId, PackEntry> fullEntries = pending;
        long fullId = packId;
        if (sealer == null) {
            sealer = Executors.newFixedThreadPool(IN_FLIGHT, r -> {
                Thread t = new Thread(r, "lifeboat-pack-seal");
                t.setDaemon(true);
                return t;
            });
        }
        sealing.add(new Sealing(sealer.submit(() -> write(full, fullUsed, fullEntries, fullId)), fullEntries, full));
        data = spares.isEmpty() ? new byte[full.length] : spares.poll();
        pending = new LinkedHashMap<>();
        used = PackFiles.HEADER;
        packId = newId();
        return durable;
    }

    /** Writes every pending chunk to disk (one fsync per pack) and returns the entries that became durable. */
    public Map<ChunkId, PackEntry> seal() throws IOException {
        Map<ChunkId, PackEntry> durable = new LinkedHashMap<>();
        while (!sealing.isEmpty()) {
            durable.putAll(awaitOldest());
        }
        if (!pending.isEmpty()) {
            durable.putAll(write(data, used, pending, packId));
            pending = new LinkedHashMap<>();
            used = PackFiles.HEADER;
            packId = newId();
        }
        return durable;
    }

    /** Number of packs sealed so far. */
    public synchronized long packsWritten() {
        return packsWritten;
    }

    /** Stops the helper thread (after {@link #seal()}, nothing is lost). */
    @Override
    public void close() {
        if (sealer != null) {
            sealer.shutdown();
        }
    }

    private Map<ChunkId, PackEntry> awaitOldest() throws IOException {
        Sealing oldest = sealing.poll();
        try {
            Map<ChunkId, PackEntry> done = oldest.future().get();
            spares.add(oldest.buffer());
            return done;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io
                    : new IOException(packDir + ": writing a pack failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(packDir + ": interrupted while writing a pack", e);
        }
    }

    private Map<ChunkId, PackEntry> write(byte[] buf, int len, Map<ChunkId, PackEntry> entries, long id)
            throws IOException {
        ByteBuffer head = ByteBuffer.wrap(buf, 0, PackFiles.HEADER);
        head.putInt(PackFiles.MAGIC).putInt(PackFiles.VERSION);
        ByteBuffer toc = ByteBuffer.allocate(entries.size() * PackFiles.TOC_ENTRY + PackFiles.FOOTER);
        byte[] idBytes = new byte[ChunkId.LENGTH];
        for (var e : entries.entrySet()) {
            e.getKey().copyTo(idBytes, 0);
            PackEntry p = e.getValue();
            toc.put(idBytes).put(p.codec()).putInt(p.offset()).putInt(p.stored()).putInt(p.raw());
        }
        MessageDigest md = PackFiles.sha256();
        md.update(toc.array(), 0, toc.position());
        toc.put(md.digest()).putInt(entries.size()).putInt(PackFiles.TRAILER);
        toc.flip();
        Path tmp = packDir.resolve(PackFiles.fileName(id) + ".tmp");
        Path target = packDir.resolve(PackFiles.fileName(id));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer body = ByteBuffer.wrap(buf, 0, len);
            while (body.hasRemaining()) {
                ch.write(body);
            }
            while (toc.hasRemaining()) {
                ch.write(toc);
            }
            ch.force(false);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        synchronized (this) {
            packsWritten++;
        }
        return entries;
    }

    private static long newId() {
        return ThreadLocalRandom.current().nextLong();
    }
}
