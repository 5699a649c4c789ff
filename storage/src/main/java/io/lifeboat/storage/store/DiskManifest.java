package io.lifeboat.storage.store;

/**
 * One disk of a restore point: its name, geometry, the format facts of the source image and its chunk list.
 *
 * @param name        the disk's name in the guest (for example the image file name)
 * @param capacity    guest-visible size in bytes
 * @param grainSize   chunk unit in bytes; grain {@code g} covers {@code [g * grainSize, min(capacity, (g+1) * grainSize))}
 * @param format      source container format ({@code VMDK}, {@code RAW}, ...)
 * @param createType  source VMDK createType, or null
 * @param adapterType source VMDK adapter type, or null
 * @param chunks      the non-zero grains and their chunk ids
 */
public record DiskManifest(String name, long capacity, int grainSize, String format, String createType,
                           String adapterType, ChunkList chunks) {

    /** Length in bytes of grain {@code grain} (the last grain may be short). */
    public int grainLength(long grain) {
        return (int) Math.min(grainSize, capacity - grain * grainSize);
    }

    /** Bytes of non-zero data the disk holds. */
    public long dataBytes() {
        long total = 0;
        for (int i = 0; i < chunks.size(); i++) {
            total += grainLength(chunks.grain(i));
        }
        return total;
    }
}
