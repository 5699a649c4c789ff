package io.lifeboat.storage.vmdk;

import io.lifeboat.storage.ImageFormatException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * The 512-byte header of a hosted sparse or streamOptimized VMDK extent, parsed and range-checked.
 *
 * @param version          format version (1, 2 or 3)
 * @param flags            raw flag bits
 * @param capacitySectors  capacity of the extent in 512-byte sectors
 * @param grainSectors     grain size in sectors, a power of two
 * @param descriptorOffset embedded descriptor offset in sectors (0: none)
 * @param descriptorSize   embedded descriptor size in sectors
 * @param numGTEsPerGT     entries per grain table
 * @param rgdOffset        redundant grain directory offset in sectors (0: none)
 * @param gdOffset         grain directory offset in sectors ({@link #GD_AT_END}: in the footer)
 * @param overHead         sectors of metadata before the first grain
 * @param uncleanShutdown  whether the image was not closed cleanly
 * @param newlineBytesOk   whether the four newline-detection bytes are intact
 * @param compressAlgorithm 0 none, 1 deflate
 */
public record VmdkSparseHeader(
        int version,
        int flags,
        long capacitySectors,
        long grainSectors,
        long descriptorOffset,
        long descriptorSize,
        int numGTEsPerGT,
        long rgdOffset,
        long gdOffset,
        long overHead,
        boolean uncleanShutdown,
        boolean newlineBytesOk,
        int compressAlgorithm) {

    /** The size of the header in bytes. */
    public static final int SIZE = 512;
    /** The magic number {@code KDMV} read as a little-endian int. */
    public static final int MAGIC = 0x564d444b;
    /** Flag: the newline-detection bytes are valid. */
    public static final int FLAG_NL_DETECT = 1;
    /** Flag: a redundant grain directory is present. */
    public static final int FLAG_RGD = 1 << 1;
    /** Flag: grain table entry 1 means a zeroed grain. */
    public static final int FLAG_ZEROED_GTE = 1 << 2;
    /** Flag: grains are compressed. */
    public static final int FLAG_COMPRESSED = 1 << 16;
    /** Flag: the file holds stream markers. */
    public static final int FLAG_MARKERS = 1 << 17;
    /** The gdOffset value meaning "the grain directory is described by the footer". */
    public static final long GD_AT_END = -1L;
    /** Largest capacity accepted, in bytes (64 TiB, above any VMware hosted or VMFS disk). */
    public static final long MAX_CAPACITY_BYTES = 1L << 46;
    /** Largest grain accepted, in sectors (64 MiB). */
    public static final long MAX_GRAIN_SECTORS = 1L << 17;
    /** Most grain table entries per grain table accepted (VMware and qemu always use 512). */
    public static final int MAX_GTES_PER_GT = 512;
    /** Compression algorithm: deflate. */
    public static final int COMPRESSION_DEFLATE = 1;

    /** Whether grains are deflate-compressed. */
    public boolean compressed() {
        return (flags & FLAG_COMPRESSED) != 0;
    }

    /** Whether stream markers precede grains and tables. */
    public boolean markers() {
        return (flags & FLAG_MARKERS) != 0;
    }

    /** Whether grain table entry 1 means a zeroed grain. */
    public boolean zeroedGrainEntries() {
        return (flags & FLAG_ZEROED_GTE) != 0;
    }

    /** Whether a redundant grain directory is to be used. */
    public boolean redundantGd() {
        return (flags & FLAG_RGD) != 0 && rgdOffset != 0;
    }

    /** Grain size in bytes. */
    public int grainBytes() {
        return (int) (grainSectors * 512);
    }

    /** Number of grain directory entries needed to cover the capacity. */
    public long gdEntries() {
        long grains = ceilDiv(capacitySectors, grainSectors);
        return ceilDiv(grains, numGTEsPerGT);
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /**
     * Parses and checks the header in the first 512 bytes of {@code buf} (position 0) read from {@code file}.
     *
     * @throws ImageFormatException naming the file and the field that breaks the format
     */
    public static VmdkSparseHeader parse(Path file, ByteBuffer buf) throws ImageFormatException {
        if (buf.remaining() < SIZE) {
            throw new ImageFormatException(file, "sparse header truncated: " + buf.remaining() + " of " + SIZE
                    + " bytes");
        }
        ByteBuffer b = buf.slice().order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic != MAGIC) {
            throw new ImageFormatException(file, String.format("magic 0x%08x is not KDMV", magic));
        }
        int version = b.getInt(4);
        int flags = b.getInt(8);
        long capacity = b.getLong(12);
        long grain = b.getLong(20);
        long descOffset = b.getLong(28);
        long descSize = b.getLong(36);
        int gtes = b.getInt(44);
        long rgd = b.getLong(48);
        long gd = b.getLong(56);
        long overHead = b.getLong(64);
        boolean unclean = b.get(72) != 0;
        boolean nlOk = b.get(73) == '\n' && b.get(74) == ' ' && b.get(75) == '\r' && b.get(76) == '\n';
        int compress = Short.toUnsignedInt(b.getShort(77));

        if (version < 1 || version > 3) {
            throw new ImageFormatException(file, "sparse header version " + Integer.toUnsignedString(version)
                    + " not supported (1, 2 or 3)");
        }
        if ((flags & FLAG_NL_DETECT) != 0 && !nlOk) {
            throw new ImageFormatException(file, "sparse header newline-detection bytes corrupted"
                    + " (file transferred in text mode?)");
        }
        if (grain < 1 || grain > MAX_GRAIN_SECTORS || Long.bitCount(grain) != 1) {
            throw new ImageFormatException(file, "sparse header grainSize " + Long.toUnsignedString(grain)
                    + " sectors is not a power of two between 1 and " + MAX_GRAIN_SECTORS);
        }
        if (capacity < 0 || capacity > MAX_CAPACITY_BYTES / 512) {
            throw new ImageFormatException(file, "sparse header capacity " + Long.toUnsignedString(capacity)
                    + " sectors exceeds the " + (MAX_CAPACITY_BYTES >> 40) + " TiB limit");
        }
        if (gtes < 1 || gtes > MAX_GTES_PER_GT) {
            throw new ImageFormatException(file, "sparse header numGTEsPerGT " + Integer.toUnsignedString(gtes)
                    + " outside 1.." + MAX_GTES_PER_GT);
        }
        if (descOffset < 0 || descSize < 0 || (descOffset == 0) != (descSize == 0)) {
            throw new ImageFormatException(file, "sparse header descriptor offset " + Long.toUnsignedString(descOffset)
                    + " / size " + Long.toUnsignedString(descSize) + " sectors inconsistent");
        }
        if (descSize > VmdkDescriptor.MAX_BYTES / 512) {
            throw new ImageFormatException(file, "sparse header descriptorSize " + descSize + " sectors exceeds "
                    + VmdkDescriptor.MAX_BYTES + " bytes");
        }
        if (rgd < 0) {
            throw new ImageFormatException(file, "sparse header rgdOffset " + Long.toUnsignedString(rgd)
                    + " sectors out of range");
        }
        if (gd < 0 && gd != GD_AT_END) {
            throw new ImageFormatException(file, "sparse header gdOffset " + Long.toUnsignedString(gd)
                    + " sectors out of range");
        }
        if (overHead < 0) {
            throw new ImageFormatException(file, "sparse header overHead " + Long.toUnsignedString(overHead)
                    + " sectors out of range");
        }
        boolean compressed = (flags & FLAG_COMPRESSED) != 0;
        if (compressed && compress != COMPRESSION_DEFLATE) {
            throw new ImageFormatException(file, "sparse header compressAlgorithm " + compress
                    + " not supported (1 = deflate)");
        }
        return new VmdkSparseHeader(version, flags, capacity, grain, descOffset, descSize, gtes, rgd, gd, overHead,
                unclean, nlOk, compress);
    }

    /** Serialises this header into 512 bytes, as VMware and qemu lay it out. */
    public ByteBuffer toBytes() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, MAGIC);
        b.putInt(4, version);
        b.putInt(8, flags);
        b.putLong(12, capacitySectors);
        b.putLong(20, grainSectors);
        b.putLong(28, descriptorOffset);
        b.putLong(36, descriptorSize);
        b.putInt(44, numGTEsPerGT);
        b.putLong(48, rgdOffset);
        b.putLong(56, gdOffset);
        b.putLong(64, overHead);
        b.put(72, (byte) (uncleanShutdown ? 1 : 0));
        b.put(73, (byte) '\n');
        b.put(74, (byte) ' ');
        b.put(75, (byte) '\r');
        b.put(76, (byte) '\n');
        b.putShort(77, (short) compressAlgorithm);
        return b;
    }
}
