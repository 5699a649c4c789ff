package io.lifeboat.storage.vmdk;

import io.lifeboat.storage.ImageFormatException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Fuzzes the sparse header, grain tables and descriptor parsers: arbitrary mutations of valid images either read
 * or fail with {@link ImageFormatException}, never with another exception, and within bounded time.
 */
class VmdkParserFuzzProperties {

    private static Path dir;
    private static byte[] sparse;
    private static byte[] stream;
    private static String flatDescriptor;
    private static int metadataBytes;

    /** One mutation: overwrite {@code width} bytes at {@code offset} with {@code value}. */
    record Mutation(int offset, int width, long value) {
    }

    /** One descriptor edit: replace {@code length} chars at {@code at} with {@code text}. */
    record Edit(int at, int length, String text) {
    }

    @BeforeContainer
    static void templates() throws IOException {
        dir = Files.createTempDirectory("vmdkfuzz");
        Path s = dir.resolve("template.vmdk");
        QemuImg.ok("qemu-img", "create", "-q", "-f", "vmdk", "-o", "zeroed_grain=on", s.toString(), "4M");
        QemuImg.ok("qemu-io", "-f", "vmdk", "-c", "write -P 1 0 100k", "-c", "write -z 1M 64k",
                "-c", "write -P 2 3M 64k", s.toString());
        sparse = Files.readAllBytes(s);
        VmdkSparseHeader h = VmdkHostileInputTest.readHeader(s);
        metadataBytes = (int) (h.overHead() * 512);
        Path raw = dir.resolve("t.raw");
        byte[] data = new byte[2 << 20];
        for (int i = 0; i < data.length; i += 4096) {
            data[i] = (byte) i;
        }
        Files.write(raw, data);
        Path so = dir.resolve("so.vmdk");
        QemuImg.ok("qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized",
                raw.toString(), so.toString());
        stream = Files.readAllBytes(so);
        Path flat = dir.resolve("flat.vmdk");
        QemuImg.ok("qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=twoGbMaxExtentFlat",
                raw.toString(), flat.toString());
        flatDescriptor = Files.readString(flat);
        Files.delete(flat);
        Files.delete(raw);
        Files.delete(s);
        Files.delete(so);
    }

    @AfterContainer
    static void cleanup() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Provide
    Arbitrary<List<Mutation>> headerMutations() {
        Integer[] fieldOffsets = {4, 8, 12, 20, 28, 36, 44, 48, 56, 64, 72, 77};
        Arbitrary<Long> interesting = Arbitraries.oneOf(
                Arbitraries.of(0L, 1L, 2L, -1L, -2L, Long.MIN_VALUE, Long.MAX_VALUE, 0xffffffffL, 0x80000000L,
                        1L << 32, 512L, 128L, 127L, 129L, 21L, 26L, 1L << 20, 1L << 40),
                Arbitraries.longs());
        Arbitrary<Mutation> field = Combinators.combine(Arbitraries.of(fieldOffsets),
                Arbitraries.of(1, 2, 4, 8), interesting).as(Mutation::new);
        Arbitrary<Mutation> anywhere = Combinators.combine(Arbitraries.integers().between(0, 1 << 20),
                Arbitraries.of(1, 4), Arbitraries.longs()).as(Mutation::new);
        return Arbitraries.oneOf(field, anywhere).list().ofMinSize(1).ofMaxSize(4);
    }

    private static Path mutate(byte[] template, List<Mutation> ms, String name) throws IOException {
        byte[] b = template.clone();
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        for (Mutation m : ms) {
            // Spread "anywhere" offsets over the metadata, where damage matters most, and sometimes the grains.
            int off = m.offset() < 512 ? m.offset() : m.offset() % Math.max(1, metadataBytes + 4096);
            off = Math.min(off, b.length - m.width());
            switch (m.width()) {
                case 1 -> bb.put(off, (byte) m.value());
                case 2 -> bb.putShort(off, (short) m.value());
                case 4 -> bb.putInt(off, (int) m.value());
                default -> bb.putLong(off, m.value());
            }
        }
        Path f = dir.resolve(name);
        Files.write(f, b);
        return f;
    }

    private static void readsOrRefuses(Path f) {
        String outcome = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            try {
                HostileImages.openMapAndReadAll(f);
                return "read";
            } catch (ImageFormatException expected) {
                String m = expected.getMessage();
                if (!m.startsWith(f.getFileName() + ": ")) {
                    throw new AssertionError("message does not name the file: " + m);
                }
                return "refused: " + m.substring(m.indexOf(": ") + 2).replaceAll("\".*\"", "S")
                        .replaceAll("[0-9]+", "N").split("[:(]")[0].strip();
            }
        });
        Statistics.label("outcome").collect(outcome);
    }

    @Property(tries = 400)
    void mutatedSparseHeadersAndTables(@ForAll("headerMutations") List<Mutation> ms) throws IOException {
        Path f = mutate(sparse, ms, "fuzz-sparse.vmdk");
        readsOrRefuses(f);
        Files.delete(f);
    }

    @Property(tries = 250)
    void mutatedStreamOptimized(@ForAll("headerMutations") List<Mutation> ms) throws IOException {
        Path f = mutate(stream, ms, "fuzz-stream.vmdk");
        readsOrRefuses(f);
        Files.delete(f);
    }

    @Provide
    Arbitrary<List<Edit>> descriptorEdits() {
        Arbitrary<String> tokens = Arbitraries.oneOf(
                Arbitraries.of("\"", "=", "\n", " ", "\t", "\0", "RW ", "RDONLY ", "NOACCESS ", "SPARSE", "FLAT",
                        "ZERO", "VMFS", "VMFSRAW", "..", "/", "/etc/passwd", "../", "0", "-1", "99999999999999999999",
                        "9223372036854775807", "4194304", "createType=", "CID=", "parentCID=", "version=",
                        "parentFileNameHint=", "ddb.adapterType = ", "ffffffff", "#", "\r\n", "\u00e9", "\uffff"),
                Arbitraries.strings().ofMaxLength(20),
                Arbitraries.strings().withChars('a').ofMinLength(9_000).ofMaxLength(12_000));
        return Combinators.combine(Arbitraries.integers().between(0, 2000), Arbitraries.integers().between(0, 30),
                tokens).as(Edit::new).list().ofMinSize(1).ofMaxSize(5);
    }

    @Property(tries = 400)
    void mutatedDescriptors(@ForAll("descriptorEdits") List<Edit> edits) throws IOException {
        StringBuilder sb = new StringBuilder(flatDescriptor);
        for (Edit e : edits) {
            int at = Math.min(e.at(), sb.length());
            int end = Math.min(sb.length(), at + e.length());
            sb.replace(at, end, e.text());
        }
        Path sub = Files.createDirectories(dir.resolve("d"));
        // The extent files exist (sparse, empty) so edits that keep them valid get read.
        for (String n : new String[] {"flat-f001.vmdk", "flat-f002.vmdk"}) {
            try (var raf = new java.io.RandomAccessFile(sub.resolve(n).toFile(), "rw")) {
                raf.setLength(2 << 20);
            }
        }
        Path f = sub.resolve("fuzz.vmdk");
        Files.writeString(f, sb, StandardCharsets.UTF_8);
        readsOrRefuses(f);
        try (Stream<Path> s = Files.list(sub)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
    }
}
