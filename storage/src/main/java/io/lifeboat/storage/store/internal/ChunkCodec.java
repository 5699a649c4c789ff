package io.lifeboat.storage.store.internal;

import com.github.luben.zstd.Zstd;

/**
 * Compresses a chunk with zstd (level 1) when that saves at least a tenth of its size, and restores it. A chunk whose
 * first 4 KiB do not compress by a tenth is stored raw without trying the rest.
 */
public final class ChunkCodec {

    /** Stored as is. */
    public static final byte RAW = 0;
    /** Stored zstd-compressed. */
    public static final byte ZSTD = 1;

    private static final int LEVEL = 1;
    private static final int SAMPLE = 4096;

    private ChunkCodec() {
    }

    /**
     * Compresses {@code src[off, off+len)} into {@code dst} at {@code dstOff}; returns the compressed length, or -1
     * when compression does not pay (the caller then stores the bytes raw).
     */
    public static int compress(byte[] src, int off, int len, byte[] dst, int dstOff) {
        if (len >= 4 * SAMPLE) {
            // probe a sample first: random (encrypted, already compressed) data is the common case and costs
            // a whole-chunk compression for nothing
            long s = Zstd.compressByteArray(dst, dstOff, dst.length - dstOff, src, off, SAMPLE, LEVEL);
            if (Zstd.isError(s) || s > SAMPLE - SAMPLE / 10) {
                return -1;
            }
        }
        int budget = len - len / 10;
        long n = Zstd.compressByteArray(dst, dstOff, dst.length - dstOff, src, off, len, LEVEL);
        if (Zstd.isError(n) || n > budget) {
            return -1;
        }
        return (int) n;
    }

    /**
     * Decompresses exactly {@code rawLen} bytes into {@code dst}.
     *
     * @throws IllegalStateException when the stored bytes are not a zstd frame of that size (damaged on disk)
     */
    public static void decompress(byte[] src, int off, int len, byte[] dst, int dstOff, int rawLen) {
        long n;
        try {
            n = Zstd.decompressByteArray(dst, dstOff, rawLen, src, off, len);
        } catch (RuntimeException e) {
            // zstd-jni throws ZstdException for some damage and returns an error code for other damage.
            throw new IllegalStateException("zstd chunk does not decompress to " + rawLen + " bytes: "
                    + e.getMessage(), e);
        }
        if (Zstd.isError(n) || n != rawLen) {
            throw new IllegalStateException("zstd chunk does not decompress to " + rawLen + " bytes: "
                    + (Zstd.isError(n) ? Zstd.getErrorName(n) : n + " bytes"));
        }
    }

    /** Upper bound of a compressed chunk of {@code len} bytes. */
    public static int bound(int len) {
        return (int) Zstd.compressBound(len);
    }
}
