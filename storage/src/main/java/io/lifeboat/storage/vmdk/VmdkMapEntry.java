package io.lifeboat.storage.vmdk;

/**
 * One entry of a detailed VMDK map, with the meaning of the fields of {@code qemu-img map --output=json}.
 *
 * @param start   guest offset in bytes
 * @param length  length in bytes
 * @param depth   backing-chain depth (always 0: chains are refused)
 * @param present whether the image itself defines these bytes (allocated or explicitly zeroed)
 * @param data    whether the bytes are stored in the image
 * @param zero    whether the bytes read as zeros
 * @param offset  byte offset of the data in {@code file}, or -1 when there is none (unallocated, zeroed, compressed)
 * @param file    the extent file holding the data, or null
 */
public record VmdkMapEntry(long start, long length, int depth, boolean present, boolean data, boolean zero,
                           long offset, String file) {

    /** The first guest offset after this entry. */
    public long end() {
        return start + length;
    }

    /** Whether this entry carries a file offset. */
    public boolean hasOffset() {
        return offset >= 0;
    }

    /** Whether {@code next}, which starts where this one ends, can be merged into it (qemu-img's rule). */
    public boolean mergeableWith(VmdkMapEntry next) {
        if (next.start != end() || next.depth != depth || next.present != present || next.data != data
                || next.zero != zero || next.hasOffset() != hasOffset()) {
            return false;
        }
        if (hasOffset()) {
            return next.offset == offset + length && java.util.Objects.equals(file, next.file);
        }
        return true;
    }

    /** This entry extended by {@code next}'s length. */
    public VmdkMapEntry mergedWith(VmdkMapEntry next) {
        return new VmdkMapEntry(start, length + next.length, depth, present, data, zero, offset, file);
    }
}
