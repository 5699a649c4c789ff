package io.lifeboat.coordinator.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Damage anywhere in a journal (flipped bytes, a cut) never yields invented records: replay returns a prefix of what
 * was appended, batch by batch, or fails with a {@link JournalCorruptException} that names the file.
 */
class JournalCorruptionProperties {

    @Property(tries = 80)
    void damageYieldsAPrefixOfWholeBatchesOrANamedError(@ForAll long seed) throws IOException {
        Random random = new Random(seed);
        Path dir = Files.createTempDirectory("journal-prop");
        try {
            List<List<String>> batches = new ArrayList<>();
            try (Journal journal = Journal.open(dir)) {
                int count = 1 + random.nextInt(6);
                for (int b = 0; b < count; b++) {
                    List<String> batch = new ArrayList<>();
                    List<byte[]> bytes = new ArrayList<>();
                    for (int r = 0; r <= random.nextInt(3); r++) {
                        String record = "batch " + b + " record " + r + " " + "x".repeat(random.nextInt(40));
                        batch.add(record);
                        bytes.add(record.getBytes(StandardCharsets.UTF_8));
                    }
                    journal.append(bytes);
                    batches.add(batch);
                }
            }
            Path log = dir.resolve(Journal.LOG_NAME);
            long size = Files.size(log);
            try (RandomAccessFile raf = new RandomAccessFile(log.toFile(), "rw")) {
                if (random.nextBoolean()) {
                    raf.setLength(random.nextLong(size + 1));
                } else {
                    for (int i = 0; i <= random.nextInt(3); i++) {
                        long at = random.nextLong(size);
                        raf.seek(at);
                        int b = raf.read();
                        raf.seek(at);
                        raf.write(b ^ (1 + random.nextInt(255)));
                    }
                }
            }
            List<String> replayed;
            try (Journal journal = Journal.open(dir)) {
                replayed = journal.replay().records().stream().map(r -> new String(r, StandardCharsets.UTF_8))
                        .toList();
            } catch (JournalCorruptException e) {
                assertThat(e.getMessage()).startsWith(dir.toString());
                return;
            }
            List<String> prefix = new ArrayList<>();
            List<List<String>> wholeBatchPrefixes = new ArrayList<>();
            wholeBatchPrefixes.add(List.copyOf(prefix));
            for (List<String> batch : batches) {
                prefix.addAll(batch);
                wholeBatchPrefixes.add(List.copyOf(prefix));
            }
            assertThat(wholeBatchPrefixes).contains(replayed);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
