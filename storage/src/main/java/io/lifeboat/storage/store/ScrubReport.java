package io.lifeboat.storage.store;

import java.util.List;

/**
 * What a scrub found.
 *
 * @param chunksChecked   chunks re-hashed
 * @param bytesChecked    raw bytes re-hashed
 * @param corruptChunks   chunks whose bytes no longer hash to their id (now quarantined), as "pack id"
 * @param damagedPacks    pack files whose table of contents is unreadable
 * @param pointsChecked   restore points checked
 * @param unusablePoints  points that need a missing or corrupt chunk (now marked unusable)
 */
public record ScrubReport(long chunksChecked, long bytesChecked, List<String> corruptChunks, List<String> damagedPacks,
                          long pointsChecked, List<RestorePointId> unusablePoints) {

    public ScrubReport {
        corruptChunks = List.copyOf(corruptChunks);
        damagedPacks = List.copyOf(damagedPacks);
        unusablePoints = List.copyOf(unusablePoints);
    }

    /** Whether the scrub found any problem. */
    public boolean problemsFound() {
        return !corruptChunks.isEmpty() || !damagedPacks.isEmpty() || !unusablePoints.isEmpty();
    }
}
