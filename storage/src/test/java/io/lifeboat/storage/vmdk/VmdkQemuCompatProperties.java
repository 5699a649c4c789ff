package io.lifeboat.storage.vmdk;

import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.DiskImages;
import io.lifeboat.storage.ImageFormat;
import io.lifeboat.storage.ImageRange;
import io.lifeboat.storage.raw.HoleFinder;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
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

/** Our reading of every qemu-img VMDK subformat agrees with qemu-img map and with the source bytes. */
class VmdkQemuCompatProperties {

    static final long MIB = 1024 * 1024;

    /** One write of the random pattern: offset, length, seed (0 = zeros). */
    record Write(long offset, int length, long seed) {
    }

    /** A random disk: capacity, adapter type and writes. */
    record Pattern(long capacity, String adapter, List<Write> writes) {
    }

    private Path dir;

    @BeforeTry
    void makeDir() throws IOException {
        dir = Files.createTempDirectory("vmdkcompat");
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
        Arbitrary<Long> capacity = Arbitraries.oneOf(
                Arbitraries.longs().between(1, 12000).map(k -> 32 * MIB + k * 512),
                Arbitraries.just(2048 * MIB + 5 * MIB));
        Arbitrary<String> adapter = Arbitraries.of("ide", "lsilogic", "buslogic", "legacyESX");
        return Combinators.combine(capacity, adapter, Arbitraries.longs().between(0, Long.MAX_VALUE / 2),
                Arbitraries.integers().between(0, 14)).as((cap, ad, seed, count) -> {
                    Random r = new Random(seed);
                    List<Write> ws = new java.util.ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        int len = 1 + r.nextInt(400 * 1024);
                        long off;
                        if (cap > 1024 * MIB && r.nextBoolean()) {
                            off = 2048 * MIB - len / 2 - r.nextInt(200 * 1024);
                        } else {
                            off = (long) (r.nextDouble() * (cap - len));
                        }
                        ws.add(new Write(off, len, r.nextInt(5) == 0 ? 0 : r.nextLong() | 1));
                    }
                    return new Pattern(cap, ad, ws);
                });
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

    private void check(String subformat, Pattern p) throws IOException {
        Path raw = source(p);
        Path vmdk = dir.resolve("disk.vmdk");
        QemuImg.ok("qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o",
                "subformat=" + subformat + ",adapter_type=" + p.adapter(), raw.toString(), vmdk.toString());
        try (DiskImage img = DiskImages.open(vmdk)) {
            assertThat(img).isInstanceOf(VmdkImage.class);
            VmdkImage v = (VmdkImage) img;
            assertThat(img.info().format()).isEqualTo(ImageFormat.VMDK);
            assertThat(img.info().createType()).isEqualTo(subformat);
            assertThat(img.info().adapterType()).isEqualTo(p.adapter());
            assertThat(img.capacity()).isEqualTo(p.capacity());
            assertThat(QemuImg.withoutFiles(v.detailedMap())).isEqualTo(QemuImg.map(vmdk));
            List<ImageRange> map = img.map();
            assertContract(img, map);
            compareBytes(img, raw, map);
        }
    }

    static void assertContract(DiskImage img, List<ImageRange> map) {
        long pos = 0;
        for (ImageRange r : map) {
            assertThat(r.start()).isEqualTo(pos);
            if (r.end() != img.capacity()) {
                assertThat(r.end() % img.grainSize()).isZero();
            }
            pos = r.end();
        }
        assertThat(pos).isEqualTo(img.capacity());
    }

    /** Every byte that is data in the source or in our map reads the same; zero ranges read as zeros. */
    static void compareBytes(DiskImage img, Path raw, List<ImageRange> map) throws IOException {
        try (DiskImage src = DiskImages.open(raw)) {
            for (long[] d : HoleFinder.dataExtents(raw, Files.size(raw))) {
                compareRange(img, src, d[0], d[1] - d[0]);
            }
            for (ImageRange r : map) {
                if (r.data() && !r.zero()) {
                    compareRange(img, src, r.start(), r.length());
                } else {
                    int n = (int) Math.min(r.length(), MIB);
                    compareRange(img, src, r.start(), n);
                    compareRange(img, src, r.end() - n, n);
                    ByteBuffer b = ByteBuffer.allocate(n);
                    img.read(r.start(), b);
                    assertThat(allZero(b.array())).as("zero range at %d reads zeros", r.start()).isTrue();
                }
            }
        }
    }

    static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    static void compareRange(DiskImage a, DiskImage b, long start, long length) throws IOException {
        ByteBuffer x = ByteBuffer.allocate((int) Math.min(length, 4 * MIB));
        ByteBuffer y = ByteBuffer.allocate(x.capacity());
        for (long pos = start; pos < start + length; pos += x.capacity()) {
            int n = (int) Math.min(x.capacity(), start + length - pos);
            x.clear().limit(n);
            y.clear().limit(n);
            a.read(pos, x);
            b.read(pos, y);
            assertThat(x.flip()).as("bytes at %d..%d", pos, pos + n).isEqualTo(y.flip());
        }
    }

    @Property(tries = 8)
    void monolithicSparse(@ForAll("patterns") Pattern p) throws IOException {
        check("monolithicSparse", p);
    }

    @Property(tries = 6)
    void monolithicFlat(@ForAll("patterns") Pattern p) throws IOException {
        check("monolithicFlat", p);
    }

    @Property(tries = 6)
    void twoGbMaxExtentSparse(@ForAll("patterns") Pattern p) throws IOException {
        check("twoGbMaxExtentSparse", p);
    }

    @Property(tries = 6)
    void twoGbMaxExtentFlat(@ForAll("patterns") Pattern p) throws IOException {
        check("twoGbMaxExtentFlat", p);
    }

    @Property(tries = 8)
    void streamOptimized(@ForAll("patterns") Pattern p) throws IOException {
        check("streamOptimized", p);
    }
}
