package io.lifeboat.coordinator.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {

    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> strings(List<byte[]> records) {
        return records.stream().map(r -> new String(r, StandardCharsets.UTF_8)).toList();
    }

    @Test
    void recordsSurviveReopenInOrderWithIndices() throws IOException {
        try (Journal journal = Journal.open(dir)) {
            assertThat(journal.append(bytes("a"))).isEqualTo(1);
            assertThat(journal.append(List.of(bytes("b"), bytes(""), bytes("d")))).isEqualTo(4);
        }
        try (Journal journal = Journal.open(dir)) {
            assertThat(strings(journal.replay().records())).containsExactly("a", "b", "", "d");
            assertThat(journal.replay().firstRecordIndex()).isEqualTo(1);
            assertThat(journal.replay().truncatedTailBytes()).isZero();
            assertThat(journal.nextIndex()).isEqualTo(5);
        }
    }

    @Test
    void crashAtEveryByteOfTheLastBatchReplaysThePreviousStateAndAcceptsNewAppends() throws IOException {
        Path original = dir.resolve("original");
        long before;
        long after;
        try (Journal journal = Journal.open(original)) {
            journal.append(bytes("first"));
            journal.append(List.of(bytes("second"), bytes("third")));
            before = journal.logSizeBytes();
            journal.append(List.of(bytes("last record, torn by a crash"), bytes("and its batch mate")));
            after = journal.logSizeBytes();
        }
        for (long cut = before; cut < after; cut++) {
            Path copy = dir.resolve("cut-" + cut);
            Files.createDirectories(copy);
            Files.copy(original.resolve(Journal.LOG_NAME), copy.resolve(Journal.LOG_NAME),
                    StandardCopyOption.REPLACE_EXISTING);
            try (RandomAccessFile raf = new RandomAccessFile(copy.resolve(Journal.LOG_NAME).toFile(), "rw")) {
                raf.setLength(cut);
            }
            try (Journal journal = Journal.open(copy)) {
                assertThat(strings(journal.replay().records())).as("cut at byte %d", cut)
                        .containsExactly("first", "second", "third");
                assertThat(journal.replay().truncatedTailBytes()).isEqualTo(cut - before);
                journal.append(bytes("after restart"));
            }
            try (Journal journal = Journal.open(copy)) {
                assertThat(strings(journal.replay().records())).as("cut at byte %d, reopened", cut)
                        .containsExactly("first", "second", "third", "after restart");
            }
        }
    }

    @Test
    void corruptionInTheMiddleIsAnErrorNamingFileAndOffset() throws IOException {
        long secondOffset;
        try (Journal journal = Journal.open(dir)) {
            journal.append(bytes("one"));
            secondOffset = journal.logSizeBytes();
            journal.append(bytes("two"));
            journal.append(bytes("three"));
        }
        Path log = dir.resolve(Journal.LOG_NAME);
        flipByte(log, secondOffset + Journal.FRAME_HEADER_BYTES + 1);
        assertThatThrownBy(() -> Journal.open(dir))
                .isInstanceOf(JournalCorruptException.class)
                .hasMessageContaining(log.toString())
                .hasMessageContaining("offset " + secondOffset)
                .hasMessageContaining("batch at record 2: payload CRC32C");
        // The damaged journal is left as it was: nothing is truncated on a corruption error.
        assertThat(Files.size(log)).isGreaterThan(secondOffset + Journal.FRAME_HEADER_BYTES + 3);
    }

    @Test
    void damagedLengthInTheMiddleIsAnErrorNotATornTail() throws IOException {
        long secondOffset;
        try (Journal journal = Journal.open(dir)) {
            journal.append(bytes("one"));
            secondOffset = journal.logSizeBytes();
            journal.append(bytes("two"));
            journal.append(bytes("three"));
        }
        flipByte(dir.resolve(Journal.LOG_NAME), secondOffset + 2);
        assertThatThrownBy(() -> Journal.open(dir))
                .isInstanceOf(JournalCorruptException.class)
                .hasMessageContaining("offset " + secondOffset + ": batch at record 2: length CRC32C");
    }

    @Test
    void snapshotBoundsReplayAndTheLog() throws IOException {
        long sizeBeforeSnapshot;
        try (Journal journal = Journal.open(dir)) {
            for (int i = 0; i < 100; i++) {
                journal.append(bytes("record " + i));
            }
            sizeBeforeSnapshot = journal.logSizeBytes();
            journal.snapshot(bytes("state after 100"));
            assertThat(journal.logSizeBytes()).isEqualTo(Journal.LOG_HEADER_BYTES);
            journal.append(bytes("record 100"));
        }
        try (Journal journal = Journal.open(dir)) {
            JournalReplay replay = journal.replay();
            assertThat(replay.snapshot()).hasValueSatisfying(s -> {
                assertThat(s.lastIncludedIndex()).isEqualTo(100);
                assertThat(new String(s.state(), StandardCharsets.UTF_8)).isEqualTo("state after 100");
            });
            assertThat(strings(replay.records())).containsExactly("record 100");
            assertThat(replay.firstRecordIndex()).isEqualTo(101);
            assertThat(journal.logSizeBytes()).isLessThan(sizeBeforeSnapshot / 10);
        }
    }

    @Test
    void crashBetweenSnapshotAndLogResetSkipsRecordsTheSnapshotHolds() throws IOException {
        Path oldLog = dir.resolve("old.log");
        try (Journal journal = Journal.open(dir)) {
            journal.append(List.of(bytes("a"), bytes("b")));
            Files.copy(dir.resolve(Journal.LOG_NAME), oldLog);
            journal.snapshot(bytes("a+b"));
        }
        // The crash: the snapshot was renamed into place, the log was not yet reset.
        Files.move(oldLog, dir.resolve(Journal.LOG_NAME), StandardCopyOption.REPLACE_EXISTING);
        try (Journal journal = Journal.open(dir)) {
            assertThat(journal.replay().records()).isEmpty();
            assertThat(journal.nextIndex()).isEqualTo(3);
            journal.append(bytes("c"));
        }
        try (Journal journal = Journal.open(dir)) {
            assertThat(strings(journal.replay().records())).containsExactly("c");
            assertThat(journal.replay().firstRecordIndex()).isEqualTo(3);
        }
    }

    @Test
    void damagedSnapshotIsAnError() throws IOException {
        try (Journal journal = Journal.open(dir)) {
            journal.append(bytes("a"));
            journal.snapshot(bytes("state"));
        }
        Path snapshot = dir.resolve(Journal.SNAPSHOT_NAME);
        flipByte(snapshot, Files.size(snapshot) - 1);
        assertThatThrownBy(() -> Journal.open(dir))
                .isInstanceOf(JournalCorruptException.class)
                .hasMessageContaining(snapshot.toString())
                .hasMessageContaining("snapshot CRC32C");
    }

    @Test
    void notAJournalIsRefused() throws IOException {
        Files.writeString(dir.resolve(Journal.LOG_NAME), "#!/bin/sh\necho this is not a journal\n");
        assertThatThrownBy(() -> Journal.open(dir))
                .isInstanceOf(JournalCorruptException.class)
                .hasMessageContaining("bad magic");
    }

    private static void flipByte(Path file, long offset) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            int b = raf.read();
            raf.seek(offset);
            raf.write(b ^ 0x5a);
        }
    }
}
