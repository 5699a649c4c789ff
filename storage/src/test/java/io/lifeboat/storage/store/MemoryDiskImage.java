package io.lifeboat.storage.store;

import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.ImageFormat;
import io.lifeboat.storage.ImageInfo;
import io.lifeboat.storage.ImageRange;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/** An in-memory sparse disk image for tests: allocated grains are held in a map, the rest reads as zeros. */
public final class MemoryDiskImage implements DiskImage {

    private final Path path;
    private final long capacity;
    private final int grainSize;
    private final TreeMap<Long, byte[]> grains = new TreeMap<>();

    public MemoryDiskImage(Path path, long capacity, int grainSize) {
        this.path = path;
        this.capacity = capacity;
        this.grainSize = grainSize;
    }

    /** Allocates grain {@code g} with random bytes; returns them. */
    public byte[] randomGrain(long g, Random rnd) {
        byte[] b = new byte[(int) Math.min(grainSize, capacity - g * grainSize)];
        rnd.nextBytes(b);
        grains.put(g, b);
        return b;
    }

    /** Allocates grain {@code g} holding zeros (allocated, but all-zero). */
    public void zeroGrain(long g) {
        grains.put(g, new byte[(int) Math.min(grainSize, capacity - g * grainSize)]);
    }

    public Map<Long, byte[]> grains() {
        return grains;
    }

    /** A deep copy, to keep a generation while the original changes. */
    public MemoryDiskImage copy() {
        MemoryDiskImage c = new MemoryDiskImage(path, capacity, grainSize);
        grains.forEach((k, v) -> c.grains.put(k, v.clone()));
        return c;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public ImageInfo info() {
        return new ImageInfo(ImageFormat.RAW, null, null, capacity, grainSize, null, null, false, List.of());
    }

    @Override
    public long capacity() {
        return capacity;
    }

    @Override
    public int grainSize() {
        return grainSize;
    }

    @Override
    public List<ImageRange> map() {
        List<ImageRange> out = new ArrayList<>();
        long pos = 0;
        Long runStart = null;
        long runEnd = 0;
        for (long g : grains.keySet()) {
            long s = g * grainSize;
            if (runStart != null && s == runEnd) {
                runEnd = Math.min(capacity, s + grainSize);
                continue;
            }
            if (runStart != null) {
                out.add(new ImageRange(runStart, runEnd - runStart, true, false));
                pos = runEnd;
            }
            if (s > pos) {
                out.add(new ImageRange(pos, s - pos, false, true));
            }
            runStart = s;
            runEnd = Math.min(capacity, s + grainSize);
        }
        if (runStart != null) {
            out.add(new ImageRange(runStart, runEnd - runStart, true, false));
            pos = runEnd;
        }
        if (pos < capacity) {
            out.add(new ImageRange(pos, capacity - pos, false, true));
        }
        return out;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws EOFException {
        if (offset + dst.remaining() > capacity) {
            throw new EOFException(path + ": read beyond capacity");
        }
        while (dst.hasRemaining()) {
            long g = offset / grainSize;
            int within = (int) (offset % grainSize);
            int n = (int) Math.min(dst.remaining(), Math.min(grainSize, capacity - g * grainSize) - within);
            byte[] b = grains.get(g);
            if (b == null) {
                for (int i = 0; i < n; i++) {
                    dst.put((byte) 0);
                }
            } else {
                dst.put(b, within, n);
            }
            offset += n;
        }
    }

    /** The whole guest-visible content (small images only). */
    public byte[] content() {
        byte[] all = new byte[Math.toIntExact(capacity)];
        grains.forEach((g, b) -> System.arraycopy(b, 0, all, (int) (g * grainSize), b.length));
        return all;
    }

    /** Reads a whole image into memory (small images only). */
    public static byte[] readAll(DiskImage img) throws java.io.IOException {
        byte[] all = new byte[Math.toIntExact(img.capacity())];
        img.read(0, ByteBuffer.wrap(all));
        return all;
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return path + " " + grains.size() + " grains " + Arrays.toString(new long[]{capacity, grainSize});
    }
}
