package io.lifeboat.storage.store;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The ordered chunk ids of one disk: for every grain that holds non-zero data, its index and the SHA-256 of its
 * bytes. Grains not listed are all-zero (the zero marker); the all-zero chunk is never stored.
 */
public final class ChunkList {

    private final long[] grains;
    private final byte[] ids;
    private final int size;

    private ChunkList(long[] grains, byte[] ids, int size) {
        this.grains = grains;
        this.ids = ids;
        this.size = size;
    }

    /** Number of non-zero grains. */
    public int size() {
        return size;
    }

    /** The grain index of entry {@code i}, ascending. */
    public long grain(int i) {
        return grains[i];
    }

    /** The chunk id of entry {@code i}. */
    public ChunkId id(int i) {
        return ChunkId.of(ids, i * ChunkId.LENGTH);
    }

    /** Copies the id of entry {@code i} into {@code dst} at {@code offset}, without allocating. */
    public void copyId(int i, byte[] dst, int offset) {
        System.arraycopy(ids, i * ChunkId.LENGTH, dst, offset, ChunkId.LENGTH);
    }

    /** The entry index holding {@code grain}, or a negative value when that grain is zero. */
    public int indexOf(long grain) {
        return Arrays.binarySearch(grains, 0, size, grain);
    }

    /** Feeds the list into a digest: every entry as grain index (8 bytes, big-endian) then id. */
    public void digestInto(MessageDigest md) {
        byte[] g = new byte[8];
        for (int i = 0; i < size; i++) {
            long v = grains[i];
            for (int b = 7; b >= 0; b--) {
                g[b] = (byte) v;
                v >>>= 8;
            }
            md.update(g);
            md.update(ids, i * ChunkId.LENGTH, ChunkId.LENGTH);
        }
    }

    /** A builder that appends entries in ascending grain order. */
    public static Builder builder(int expected) {
        return new Builder(Math.max(16, expected));
    }

    /** Accumulates entries of a {@link ChunkList} in ascending grain order. */
    public static final class Builder {
        private long[] grains;
        private byte[] ids;
        private int size;

        private Builder(int capacity) {
            grains = new long[capacity];
            ids = new byte[capacity * ChunkId.LENGTH];
        }

        /** Appends grain {@code grain} with the id found in {@code id} at {@code offset}. */
        public Builder add(long grain, byte[] id, int offset) {
            if (size > 0 && grain <= grains[size - 1]) {
                throw new IllegalArgumentException("grains out of order: " + grain + " after " + grains[size - 1]);
            }
            if (size == grains.length) {
                grains = Arrays.copyOf(grains, size * 2);
                ids = Arrays.copyOf(ids, size * 2 * ChunkId.LENGTH);
            }
            grains[size] = grain;
            System.arraycopy(id, offset, ids, size * ChunkId.LENGTH, ChunkId.LENGTH);
            size++;
            return this;
        }

        public int size() {
            return size;
        }

        public ChunkList build() {
            return new ChunkList(Arrays.copyOf(grains, size), Arrays.copyOf(ids, size * ChunkId.LENGTH), size);
        }
    }
}
