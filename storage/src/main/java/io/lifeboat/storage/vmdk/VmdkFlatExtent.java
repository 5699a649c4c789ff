package io.lifeboat.storage.vmdk;

import io.lifeboat.storage.raw.HoleFinder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;

/** A flat VMDK extent (FLAT or VMFS): a window of a plain file, whose holes read as zeros. */
public final class VmdkFlatExtent implements VmdkExtent {

    /** The allocation unit reported for flat extents. */
    public static final int GRAIN_SIZE = 64 * 1024;

    private final Path file;
    private final FileChannel channel;
    private final VmdkExtentLine line;
    private final long start;
    private final long size;

    VmdkFlatExtent(Path file, FileChannel channel, VmdkExtentLine line) {
        this.file = file;
        this.channel = channel;
        this.line = line;
        this.start = line.offsetSectors() * 512;
        this.size = line.sectors() * 512;
    }

    /** The extent file. */
    public Path file() {
        return file;
    }

    @Override
    public VmdkExtentLine line() {
        return line;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int grainSize() {
        return GRAIN_SIZE;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        long p = start + offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, p);
            if (n < 0) {
                // Past the end of a short flat file: the rest reads as zeros, as in qemu.
                VmdkSparseExtent.putZeros(dst, dst.remaining());
                return;
            }
            p += n;
        }
    }

    @Override
    public void map(long base, List<VmdkMapEntry> out) throws IOException {
        long fileSize = channel.size();
        long end = start + size;
        String name = String.valueOf(file.getFileName());
        long pos = start;
        for (long[] d : HoleFinder.dataExtents(file, start, Math.min(end, fileSize))) {
            if (d[0] > pos) {
                add(out, new VmdkMapEntry(base + pos - start, d[0] - pos, 0, true, true, true, pos, name));
            }
            add(out, new VmdkMapEntry(base + d[0] - start, d[1] - d[0], 0, true, true, false, d[0], name));
            pos = d[1];
        }
        if (pos < end) {
            add(out, new VmdkMapEntry(base + pos - start, end - pos, 0, true, true, true, pos, name));
        }
    }

    private static void add(List<VmdkMapEntry> out, VmdkMapEntry e) {
        if (!out.isEmpty() && out.get(out.size() - 1).mergeableWith(e)) {
            out.set(out.size() - 1, out.get(out.size() - 1).mergedWith(e));
        } else {
            out.add(e);
        }
    }

    @Override
    public long allocatedBytes() throws IOException {
        long total = 0;
        for (long[] d : HoleFinder.dataExtents(file, start, Math.min(start + size, channel.size()))) {
            total += d[1] - d[0];
        }
        return total;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
