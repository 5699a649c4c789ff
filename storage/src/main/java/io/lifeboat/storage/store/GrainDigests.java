package io.lifeboat.storage.store;

import io.lifeboat.storage.store.internal.AtomicFiles;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The source side's memory of the previous cycle of one disk: for every non-zero grain, a 64-bit fast digest
 * (CRC32C and CRC32 of its bytes) and the SHA-256 it had, tied to the image's identity, capacity and grain size,
 * and to the point the receiver committed. A cycle reuses a SHA-256 only when the grain's fast digest is unchanged.
 *
 * <p>File: {@code LBGD}, version, JSON header, then per grain: index (8), CRC32C (4), CRC32 (4), SHA-256 (32).
 */
public final class GrainDigests {

    /** Version of the file format and of the digest recipe; any other version is ignored (full compare). */
    public static final int VERSION = 1;
    /** After this many cycles that reused digests, the next cycle hashes everything again. */
    public static final int MAX_CYCLES_BETWEEN_FULL = 30;

    private static final int MAGIC = 0x4c424744; // LBGD
    private static final int ENTRY = 8 + 4 + 4 + 32;

    private final String identity;
    private final long capacity;
    private final int grainSize;
    private final String committedPoint;
    private final int cyclesSinceFull;
    final long[] grains;
    final int[] crc32c;
    final int[] crc32;
    final byte[] sha;
    final int size;

    GrainDigests(String identity, long capacity, int grainSize, String committedPoint, int cyclesSinceFull,
                 long[] grains, int[] crc32c, int[] crc32, byte[] sha, int size) {
        this.identity = identity;
        this.capacity = capacity;
        this.grainSize = grainSize;
        this.committedPoint = committedPoint;
        this.cyclesSinceFull = cyclesSinceFull;
        this.grains = grains;
        this.crc32c = crc32c;
        this.crc32 = crc32;
        this.sha = sha;
        this.size = size;
    }

    public String identity() {
        return identity;
    }

    public long capacity() {
        return capacity;
    }

    public int grainSize() {
        return grainSize;
    }

    /** The point the receiver committed for this cycle, or null while not committed. */
    public String committedPoint() {
        return committedPoint;
    }

    public int cyclesSinceFull() {
        return cyclesSinceFull;
    }

    /** Number of non-zero grains recorded. */
    public int size() {
        return size;
    }

    /** A copy of these digests recording that the receiver committed {@code point}. */
    public GrainDigests committedAs(String point) {
        return new GrainDigests(identity, capacity, grainSize, point, cyclesSinceFull, grains, crc32c, crc32, sha, size);
    }

    /**
     * Whether a cycle of the image described may trust these digests: same identity, capacity and grain size, a
     * committed point, and not too many cycles since the last full compare.
     */
    public boolean usableFor(String identity, long capacity, int grainSize) {
        return this.identity.equals(identity) && this.capacity == capacity && this.grainSize == grainSize
                && committedPoint != null && cyclesSinceFull < MAX_CYCLES_BETWEEN_FULL;
    }

    /** Writes the file atomically (temp file, fsync, rename, fsync directory). */
    public void write(Path file) throws IOException {
        byte[] head = new JsonObject().put("identity", identity).put("capacity", capacity).put("grainSize", grainSize)
                .put("committedPoint", committedPoint).put("cyclesSinceFull", cyclesSinceFull).encode()
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(12 + head.length + size * ENTRY);
        b.putInt(MAGIC).putInt(VERSION).putInt(head.length).put(head);
        for (int i = 0; i < size; i++) {
            b.putLong(grains[i]).putInt(crc32c[i]).putInt(crc32[i]).put(sha, i * 32, 32);
        }
        b.flip();
        AtomicFiles.write(file, b);
    }

    /**
     * Reads a digest file; returns null (meaning: compare everything) when it is missing, of another version, or
     * damaged in any way.
     */
    public static GrainDigests readOrNull(Path file) {
        try {
            byte[] all = Files.readAllBytes(file);
            ByteBuffer b = ByteBuffer.wrap(all);
            if (all.length < 12 || b.getInt() != MAGIC || b.getInt() != VERSION) {
                return null;
            }
            int hl = b.getInt();
            if (hl < 0 || hl > b.remaining()) {
                return null;
            }
            JsonObject h = new JsonObject(new String(all, 12, hl, StandardCharsets.UTF_8));
            b.position(12 + hl);
            if (b.remaining() % ENTRY != 0) {
                return null;
            }
            int n = b.remaining() / ENTRY;
            long[] g = new long[n];
            int[] c1 = new int[n];
            int[] c2 = new int[n];
            byte[] s = new byte[n * 32];
            for (int i = 0; i < n; i++) {
                g[i] = b.getLong();
                c1[i] = b.getInt();
                c2[i] = b.getInt();
                b.get(s, i * 32, 32);
                if (i > 0 && g[i] <= g[i - 1]) {
                    return null;
                }
            }
            return new GrainDigests(h.getString("identity"), h.getLong("capacity"), h.getInteger("grainSize"),
                    h.getString("committedPoint"), h.getInteger("cyclesSinceFull"), g, c1, c2, s, n);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
