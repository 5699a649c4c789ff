package io.lifeboat.coordinator.journal;

import java.util.List;
import java.util.Optional;

/**
 * What a journal held when it was opened: the latest snapshot, if any, and the records appended after it.
 *
 * @param snapshot the latest durable snapshot
 * @param records the records after the snapshot, oldest first
 * @param firstRecordIndex index of {@code records.get(0)}
 * @param truncatedTailBytes bytes of a torn last append that were cut off (0 when the journal ended cleanly)
 */
public record JournalReplay(Optional<JournalSnapshot> snapshot, List<byte[]> records, long firstRecordIndex,
                            long truncatedTailBytes) {
}
