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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Accumulates chunks in memory and writes them as one pack file with one fsync once the pack reaches its target
 * size. Not thread-safe: one writer per backup session.
 */
public final class PackWriter {

    /** Packs are sealed once they hold this many bytes. */
    public static final int TARGET_BYTES = 4 << 20;

    private final Path packDir;
    private final byte[] data;
    private final byte[] scratch;
    private int used = PackFiles.HEADER;
    private final Map<ChunkId, PackEntry> pending = new LinkedHashMap<>();
    private long packId = newId();
    private long packsWritten;

    /** A writer for packs in {@code packDir}, for chunks of at most {@code maxChunk} bytes. */
    public PackWriter(Path packDir, int maxChunk) {
        this.packDir = packDir;
        this.data = new byte[TARGET_BYTES + ChunkCodec.bound(maxChunk) + PackFiles.HEADER];
        this.scratch = new byte[ChunkCodec.bound(maxChunk)];
    }

    /** Whether the not-yet-sealed pack already holds {@code id}. */
    public boolean pendingContains(ChunkId id) {
        return pending.containsKey(id);
    }

    /**
     * Adds a chunk whose id the caller has verified. Returns the entries of a pack sealed by this call (durable on
     * return), or an empty map.
     */
    public Map<ChunkId, PackEntry> add(ChunkId id, byte[] src, int off, int len) throws IOException {
        if (pending.containsKey(id)) {
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
        if (used >= TARGET_BYTES) {
            return seal();
        }
        return Map.of();
    }

    /** Writes the pending chunks as a pack (one fsync) and returns their entries; empty if nothing is pending. */
    public Map<ChunkId, PackEntry> seal() throws IOException {
        if (pending.isEmpty()) {
            return Map.of();
        }
        ByteBuffer head = ByteBuffer.wrap(data, 0, PackFiles.HEADER);
        head.putInt(PackFiles.MAGIC).putInt(PackFiles.VERSION);
        ByteBuffer toc = ByteBuffer.allocate(pending.size() * PackFiles.TOC_ENTRY + PackFiles.FOOTER);
        byte[] idBytes = new byte[ChunkId.LENGTH];
        for (var e : pending.entrySet()) {
            e.getKey().copyTo(idBytes, 0);
            PackEntry p = e.getValue();
            toc.put(idBytes).put(p.codec()).putInt(p.offset()).putInt(p.stored()).putInt(p.raw());
        }
        MessageDigest md = PackFiles.sha256();
        md.update(toc.array(), 0, toc.position());
        toc.put(md.digest()).putInt(pending.size()).putInt(PackFiles.TRAILER);
        toc.flip();
        Path tmp = packDir.resolve(PackFiles.fileName(packId) + ".tmp");
        Path target = packDir.resolve(PackFiles.fileName(packId));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer body = ByteBuffer.wrap(data, 0, used);
            while (body.hasRemaining()) {
                ch.write(body);
            }
            while (toc.hasRemaining()) {
                ch.write(toc);
            }
            ch.force(false);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        Map<ChunkId, PackEntry> sealed = new LinkedHashMap<>(pending);
        pending.clear();
        used = PackFiles.HEADER;
        packId = newId();
        packsWritten++;
        return sealed;
    }

    /** Number of packs sealed so far. */
    public long packsWritten() {
        return packsWritten;
    }

    private static long newId() {
        return ThreadLocalRandom.current().nextLong();
    }
}
