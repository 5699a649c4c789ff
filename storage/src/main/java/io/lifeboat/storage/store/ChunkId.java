package io.lifeboat.storage.store;

import java.util.Arrays;
import java.util.HexFormat;

/** The SHA-256 of a chunk's bytes, which is the chunk's name in the store. */
public final class ChunkId implements Comparable<ChunkId> {

    /** Length of an id in bytes. */
    public static final int LENGTH = 32;

    private static final HexFormat HEX = HexFormat.of();

    private final byte[] bytes;
    private final int hash;

    private ChunkId(byte[] bytes) {
        this.bytes = bytes;
        this.hash = (bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8 | (bytes[3] & 0xff);
    }

    /** Copies 32 bytes from {@code src} at {@code offset}. */
    public static ChunkId of(byte[] src, int offset) {
        return new ChunkId(Arrays.copyOfRange(src, offset, offset + LENGTH));
    }

    /** Parses 64 hex digits. */
    public static ChunkId ofHex(String hex) {
        if (hex.length() != 2 * LENGTH) {
            throw new IllegalArgumentException("chunk id must be 64 hex digits: " + hex);
        }
        return new ChunkId(HEX.parseHex(hex));
    }

    /** Copies the id into {@code dst} at {@code offset}. */
    public void copyTo(byte[] dst, int offset) {
        System.arraycopy(bytes, 0, dst, offset, LENGTH);
    }

    /** Whether the 32 bytes of {@code other} at {@code offset} equal this id. */
    public boolean matches(byte[] other, int offset) {
        return Arrays.equals(bytes, 0, LENGTH, other, offset, offset + LENGTH);
    }

    public String hex() {
        return HEX.formatHex(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChunkId c && hash == c.hash && Arrays.equals(bytes, c.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public int compareTo(ChunkId o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
