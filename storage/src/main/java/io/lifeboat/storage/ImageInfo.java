package io.lifeboat.storage;

import java.util.List;

/**
 * The format facts of an opened image, as {@code vmdk inspect} reports them.
 *
 * @param format         container format
 * @param createType     VMDK createType ({@code monolithicSparse}, {@code twoGbMaxExtentFlat}, ...), or null for raw
 * @param adapterType    VMDK {@code ddb.adapterType} ({@code ide}, {@code lsilogic}, ...), or null when absent
 * @param capacity       guest-visible size in bytes
 * @param grainSize      unit of allocation in bytes
 * @param cid            VMDK content id, or null
 * @param parentCid      VMDK parent content id, or null for a base disk
 * @param uncleanShutdown whether the VMDK sparse header says the image was not closed cleanly
 * @param extents        the files holding the data, in guest order
 */
public record ImageInfo(
        ImageFormat format,
        String createType,
        String adapterType,
        long capacity,
        int grainSize,
        String cid,
        String parentCid,
        boolean uncleanShutdown,
        List<String> extents) {

    public ImageInfo {
        extents = List.copyOf(extents);
    }
}
