package io.lifeboat.storage.store;

import java.util.List;

/**
 * What retention kept and removed.
 *
 * @param kept    points kept, by guest and time
 * @param removed points removed
 */
public record RetentionReport(List<RestorePointId> kept, List<RestorePointId> removed) {

    public RetentionReport {
        kept = List.copyOf(kept);
        removed = List.copyOf(removed);
    }
}
