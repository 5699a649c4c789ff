package io.lifeboat.storage;

/**
 * A run of guest-visible bytes with the same allocation state, as in {@code qemu-img map --output=json}.
 *
 * @param start  offset in the guest-visible disk, in bytes
 * @param length length in bytes, positive
 * @param data   whether the bytes are stored in the image (false: they come from nowhere and read as zeros)
 * @param zero   whether the bytes read as zeros
 */
public record ImageRange(long start, long length, boolean data, boolean zero) {

    public ImageRange {
        if (start < 0 || length <= 0) {
            throw new IllegalArgumentException("bad range start=" + start + " length=" + length);
        }
    }

    /** The first offset after this range. */
    public long end() {
        return start + length;
    }
}
