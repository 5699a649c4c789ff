package io.lifeboat.storage.store;

import java.time.ZoneOffset;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which restore points of one guest to keep: the last {@code keepLast}, the newest point of each of the last
 * {@code keepDaily} days that have points, the newest of each of the last {@code keepWeekly} ISO weeks, and every
 * pinned point.
 *
 * @param keepLast   newest points kept regardless of age
 * @param keepDaily  days (UTC) for which the newest point is kept
 * @param keepWeekly ISO weeks (UTC) for which the newest point is kept
 */
public record RetentionPolicy(int keepLast, int keepDaily, int keepWeekly) {

    public RetentionPolicy {
        if (keepLast < 1 || keepDaily < 0 || keepWeekly < 0) {
            throw new IllegalArgumentException("retention must keep at least the last point (keepLast >= 1), got "
                    + keepLast + "/" + keepDaily + "/" + keepWeekly);
        }
    }

    /** The points of one guest to keep. */
    public Set<RestorePointId> keep(List<RestorePointId> points, Set<RestorePointId> pinned) {
        List<RestorePointId> newestFirst = new ArrayList<>(points);
        newestFirst.sort(Comparator.comparing(RestorePointId::time).reversed());
        Set<RestorePointId> keep = new HashSet<>(pinned);
        for (int i = 0; i < Math.min(keepLast, newestFirst.size()); i++) {
            keep.add(newestFirst.get(i));
        }
        Set<Long> days = new HashSet<>();
        Set<Long> weeks = new HashSet<>();
        for (RestorePointId p : newestFirst) {
            var t = p.time().atZone(ZoneOffset.UTC);
            long day = t.toLocalDate().toEpochDay();
            long week = t.get(IsoFields.WEEK_BASED_YEAR) * 100L + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
            if (days.size() < keepDaily && days.add(day)) {
                keep.add(p);
            }
            if (weeks.size() < keepWeekly && weeks.add(week)) {
                keep.add(p);
            }
        }
        return keep;
    }
}
