package io.lifeboat.storage.vmdk;

import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.DiskImages;
import io.lifeboat.storage.ImageFormat;
import io.lifeboat.storage.ImageRange;
import io.lifeboat.storage.ImageWriter;
import io.lifeboat.storage.vmdk.VmdkQemuCompatProperties.Pattern;
import io.lifeboat.storage.vmdk.VmdkQemuCompatProperties.Write;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Assume;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Images we write pass {@code qemu-img check} and {@code qemu-img compare} against their source. */
class ImageWriterQemuProperties {

    private Path dir;

    @BeforeTry
    void makeDir() throws IOException {
        dir = Files.createTempDirectory("imgwriter");
    }

    @AfterTry
    void removeDir() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Provide
    Arbitrary<Pattern> patterns() {
        return new VmdkQemuCompatProperties().patterns();
    }

    @Provide
    Arbitrary<String> sourceFormats() {
        return Arbitraries.of("raw", "monolithicSparse", "streamOptimized", "twoGbMaxExtentFlat");
    }

    private Path source(Pattern p) throws IOException {
        Path raw = dir.resolve("source.raw");
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(p.capacity());
            for (Write w : p.writes()) {
                byte[] b = new byte[w.length()];
                if (w.seed() != 0) {
                    new Random(w.seed()).nextBytes(b);
                }
                f.seek(w.offset());
                f.write(b);
            }
        }
        return raw;
    }

    /** Copies the data ranges of {@code src} into a new image, in chunks of {@code chunk} bytes. */
    private static void copy(DiskImage src, ImageWriter out, int chunk) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(chunk);
        for (ImageRange r : src.map()) {
            if (!r.data() || r.zero()) {
                continue;
            }
            for (long pos = r.start(); pos < r.end(); pos += chunk) {
                int n = (int) Math.min(chunk, r.end() - pos);
                buf.clear().limit(n);
                src.read(pos, buf);
                buf.flip();
                out.write(pos, buf);
            }
        }
    }

    private Path sourceImage(Pattern p, String format) throws IOException {
        Path raw = source(p);
        if (format.equals("raw")) {
            return raw;
        }
        Path vmdk = dir.resolve("source.vmdk");
        QemuImg.ok("qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=" + format,
                raw.toString(), vmdk.toString());
        return vmdk;
    }

    @Property(tries = 10)
    void vmdkWeWritePassesQemuCheckAndCompare(@ForAll("patterns") Pattern p, @ForAll("sourceFormats") String from,
                                              @ForAll @IntRange(min = 1, max = 300) int chunkKib)
            throws IOException {
        Path src = sourceImage(p, from);
        Path out = dir.resolve("out.vmdk");
        try (DiskImage in = DiskImages.open(src);
             ImageWriter w = ImageWriter.create(out, ImageFormat.VMDK, in.capacity(), p.adapter())) {
            copy(in, w, chunkKib * 1024 - (chunkKib % 3) * 512);
            w.commit();
        }
        assertThat(QemuImg.ok("qemu-img", "check", out.toString())).contains("No errors were found");
        QemuImg.Result cmp = QemuImg.run("qemu-img", "compare", src.toString(), out.toString());
        assertThat(cmp.exitCode()).as(cmp.stdout() + cmp.stderr()).isZero();
        assertThat(cmp.stdout()).contains("Images are identical");
        try (DiskImage back = DiskImages.open(out)) {
            assertThat(back.info().createType()).isEqualTo("monolithicSparse");
            assertThat(back.info().adapterType()).isEqualTo(p.adapter());
            assertThat(back.info().parentCid()).isEqualTo("ffffffff");
            assertThat(QemuImg.withoutFiles(((VmdkImage) back).detailedMap())).isEqualTo(QemuImg.map(out));
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(x -> x.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));
        }
    }

    @Property(tries = 6)
    void rawWeWriteIsSparseAndIdentical(@ForAll("patterns") Pattern p, @ForAll("sourceFormats") String from)
            throws IOException {
        Path src = sourceImage(p, from);
        Path out = dir.resolve("out.raw");
        try (DiskImage in = DiskImages.open(src);
             ImageWriter w = ImageWriter.create(out, ImageFormat.RAW, in.capacity(), null)) {
            copy(in, w, 1 << 20);
            w.commit();
        }
        QemuImg.Result cmp = QemuImg.run("qemu-img", "compare", "-F", "raw", src.toString(), out.toString());
        assertThat(cmp.exitCode()).as(cmp.stdout() + cmp.stderr()).isZero();
        long written = p.writes().stream().mapToLong(Write::length).sum();
        // Holes stay holes: the file takes no more blocks than the data written (plus grain rounding).
        long blocks = Long.parseLong(QemuImg.ok("stat", "-c", "%b", out.toString()).strip()) * 512L;
        assertThat(blocks).isLessThanOrEqualTo(written + p.writes().size() * 2L * 65536 + 65536);
        try (DiskImage back = DiskImages.open(out)) {
            VmdkQemuCompatProperties.compareBytes(back, out, back.map());
        }
    }

    @Property(tries = 4)
    void aWriterThatIsNotCommittedLeavesNothing(@ForAll ImageFormat format, @ForAll boolean failedWrite)
            throws IOException {
        Assume.that(format != ImageFormat.QCOW2);
        Path out = dir.resolve("gone." + format.name().toLowerCase());
        ByteBuffer b = ByteBuffer.allocate(65536);
        b.put(0, (byte) 1);
        // A caller's own failure in the middle of a copy: try-with-resources closes without a commit.
        assertThatThrownBy(() -> {
            try (ImageWriter w = ImageWriter.create(out, format, 8L << 20, "lsilogic")) {
                w.write(65536, b);
                if (failedWrite) {
                    try {
                        w.write(0, ByteBuffer.allocate(512)); // goes backwards: the writer is now failed
                    } catch (IllegalArgumentException expected) {
                        w.commit(); // and refuses to commit
                    }
                }
                throw new IOException("source disk unreadable");
            }
        }).isInstanceOf(IOException.class);
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.toList()).isEmpty();
        }
    }

}
