package io.lifeboat.coordinator.journal;

/**
 * A snapshot of the state built from every record up to and including {@code lastIncludedIndex}.
 *
 * @param lastIncludedIndex index of the last journal record the snapshot contains (0 for none)
 * @param state the serialised state
 */
public record JournalSnapshot(long lastIncludedIndex, byte[] state) {
}
