package io.lifeboat.storage.vmdk;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/** One extent of a VMDK image: a contiguous part of the guest disk stored in one file (or nowhere, for ZERO). */
public interface VmdkExtent extends Closeable {

    /** The descriptor line this extent was opened from. */
    VmdkExtentLine line();

    /** Extent size in bytes. */
    long size();

    /** The extent's grain size in bytes (64 KiB for flat and zero extents). */
    int grainSize();

    /**
     * Fills {@code dst} from its position to its limit with this extent's bytes starting at {@code offset} (relative
     * to the start of the extent); the caller keeps the read inside the extent.
     */
    void read(long offset, ByteBuffer dst) throws IOException;

    /**
     * Appends this extent's map entries to {@code out}, with guest offsets shifted by {@code base}.
     */
    void map(long base, List<VmdkMapEntry> out) throws IOException;

    /** Bytes of data this extent stores (allocated grains, or data regions of a flat file). */
    long allocatedBytes() throws IOException;
}
