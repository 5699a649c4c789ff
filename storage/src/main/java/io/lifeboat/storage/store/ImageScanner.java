package io.lifeboat.storage.store;

import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.ImageRange;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * Reads the allocated data of a disk image once, grain by grain, and produces its chunk list: all-zero grains are
 * skipped, grains whose fast digest (CRC32C + CRC32) equals the previous cycle's reuse its SHA-256, all others are
 * hashed. Two direct 4 MiB buffers are reused (one being read while the other is checksummed); nothing is allocated
 * per grain. Not thread-safe: one scanner per thread.
 */
public final class ImageScanner {

    /** Bytes read per call to {@link DiskImage#read}. */
    public static final int READ_BYTES = 4 << 20;

    private final ByteBuffer[] buffers = {ByteBuffer.allocateDirect(READ_BYTES), ByteBuffer.allocateDirect(READ_BYTES)};
    private final ByteBuffer zeros = ByteBuffer.allocateDirect(BackupSession.MAX_CHUNK);
    private final byte[] grainCopy = new byte[BackupSession.MAX_CHUNK];
    private final byte[] digest = new byte[ChunkId.LENGTH];
    private final CRC32C crc32c = new CRC32C();
    private final CRC32 crc32 = new CRC32();
    private final MessageDigest sha;

    public ImageScanner() {
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Receives each non-zero grain whose SHA-256 was computed in this scan, with its bytes (valid only during the call). */
    @FunctionalInterface
    public interface HashedGrainSink {
        void accept(long grain, byte[] id, byte[] data, int offset, int length) throws IOException;
    }

    /**
     * Scans {@code image}. {@code previous} may be null; it is used only if {@link GrainDigests#usableFor} says so.
     * While one block of 4 MiB is checksummed, a helper thread reads the next one, so reading and hashing overlap.
     *
     * @param identity what identifies the image and its generation across cycles (for example its path and the
     *                 hypervisor's disk id); a different identity forces a full compare
     * @param sink     optional receiver of freshly hashed grains (a local backup stores them without a second read)
     */
    public ScanResult scan(DiskImage image, String identity, GrainDigests previous, HashedGrainSink sink)
            throws IOException {
        long capacity = image.capacity();
        int gs = image.grainSize();
        if (gs <= 0 || Integer.bitCount(gs) != 1 || gs > BackupSession.MAX_CHUNK) {
            throw new IOException(image.path() + ": grain size " + gs + " is not a power of two up to "
                    + BackupSession.MAX_CHUNK);
        }
        boolean full = previous == null || !previous.usableFor(identity, capacity, gs);
        int zeroCrc = crcOfZeros(gs);
        int cap = previous == null ? 1024 : previous.size() + 16;
        ChunkList.Builder list = ChunkList.builder(cap);
        long[] ng = new long[cap];
        int[] nc1 = new int[cap];
        int[] nc2 = new int[cap];
        byte[] nsha = new byte[cap * 32];
        int n = 0;
        int cursor = 0;
        long bytesRead = 0;
        long hashed = 0;
        int perRead = READ_BYTES / gs * gs;
        List<long[]> blocks = new ArrayList<>();
        for (ImageRange r : image.map()) {
            if (!r.data() || r.zero()) {
                continue;
            }
            long start = r.start() / gs * gs;
            long end = Math.min(capacity, (r.end() + gs - 1) / gs * gs);
            for (long pos = start; pos < end; pos += perRead) {
                blocks.add(new long[]{pos, Math.min(perRead, end - pos)});
            }
        }
        ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "lifeboat-scan-read");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<?> pending = blocks.isEmpty() ? null : reader.submit(readTask(image, blocks.get(0), buffers[0]));
            for (int b = 0; b < blocks.size(); b++) {
                await(pending, image);
                ByteBuffer buf = buffers[b & 1];
                pending = b + 1 < blocks.size() ? reader.submit(readTask(image, blocks.get(b + 1), buffers[(b + 1) & 1])) : null;
                long pos = blocks.get(b)[0];
                int len = (int) blocks.get(b)[1];
                bytesRead += len;
                for (int off = 0; off < len; off += gs) {
                    int glen = Math.min(gs, len - off);
                    long grain = (pos + off) / gs;
                    buf.limit(off + glen).position(off);
                    crc32c.reset();
                    crc32c.update(buf);
                    int c1 = (int) crc32c.getValue();
                    if (glen != gs || c1 == zeroCrc) {
                        buf.limit(off + glen).position(off);
                        zeros.limit(glen).position(0);
                        if (buf.mismatch(zeros) == -1) {
                            continue;
                        }
                    }
                    buf.limit(off + glen).position(off);
                    crc32.reset();
                    crc32.update(buf);
                    int c2 = (int) crc32.getValue();
                    if (n == ng.length) {
                        ng = Arrays.copyOf(ng, n * 2);
                        nc1 = Arrays.copyOf(nc1, n * 2);
                        nc2 = Arrays.copyOf(nc2, n * 2);
                        nsha = Arrays.copyOf(nsha, n * 64);
                    }
                    boolean reused = false;
                    if (!full) {
                        while (cursor < previous.size && previous.grains[cursor] < grain) {
                            cursor++;
                        }
                        if (cursor < previous.size && previous.grains[cursor] == grain
                                && previous.crc32c[cursor] == c1 && previous.crc32[cursor] == c2) {
                            System.arraycopy(previous.sha, cursor * 32, nsha, n * 32, 32);
                            reused = true;
                        }
                    }
                    if (!reused) {
                        buf.limit(off + glen).position(off);
                        sha.update(buf);
                        try {
                            sha.digest(digest, 0, 32);
                        } catch (DigestException e) {
                            throw new IllegalStateException(e);
                        }
                        System.arraycopy(digest, 0, nsha, n * 32, 32);
                        hashed++;
                        if (sink != null) {
                            buf.limit(off + glen).position(off);
                            buf.get(grainCopy, 0, glen);
                            sink.accept(grain, digest, grainCopy, 0, glen);
                        }
                    }
                    ng[n] = grain;
                    nc1[n] = c1;
                    nc2[n] = c2;
                    list.add(grain, nsha, n * 32);
                    n++;
                }
            }
        } finally {
            reader.shutdownNow();
        }
        int cycles = full ? 0 : previous.cyclesSinceFull() + 1;
        GrainDigests next = new GrainDigests(identity, capacity, gs, null, cycles, ng, nc1, nc2, nsha, n);
        return new ScanResult(list.build(), next, bytesRead, hashed, full);
    }

    private static Callable<Void> readTask(DiskImage image, long[] block, ByteBuffer buf) {
        return () -> {
            buf.clear().limit((int) block[1]);
            image.read(block[0], buf);
            return null;
        };
    }

    private static void await(Future<?> f, DiskImage image) throws IOException {
        try {
            f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(image.path() + ": read failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(image.path() + ": scan interrupted", e);
        }
    }

    private int crcOfZeros(int len) {
        crc32c.reset();
        crc32c.update(new byte[len]);
        return (int) crc32c.getValue();
    }
}
