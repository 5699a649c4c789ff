package io.lifeboat.storage.vmdk;

import java.nio.ByteBuffer;
import java.util.List;

/** A ZERO VMDK extent: no file, every byte reads as zero. */
public final class VmdkZeroExtent implements VmdkExtent {

    private final VmdkExtentLine line;

    VmdkZeroExtent(VmdkExtentLine line) {
        this.line = line;
    }

    @Override
    public VmdkExtentLine line() {
        return line;
    }

    @Override
    public long size() {
        return line.sectors() * 512;
    }

    @Override
    public int grainSize() {
        return VmdkFlatExtent.GRAIN_SIZE;
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
        VmdkSparseExtent.putZeros(dst, dst.remaining());
    }

    @Override
    public void map(long base, List<VmdkMapEntry> out) {
        VmdkMapEntry e = new VmdkMapEntry(base, size(), 0, true, false, true, -1, null);
        if (!out.isEmpty() && out.get(out.size() - 1).mergeableWith(e)) {
            out.set(out.size() - 1, out.get(out.size() - 1).mergedWith(e));
        } else {
            out.add(e);
        }
    }

    @Override
    public long allocatedBytes() {
        return 0;
    }

    @Override
    public void close() {
        // nothing to release
    }
}
