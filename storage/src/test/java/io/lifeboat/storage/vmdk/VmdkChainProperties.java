package io.lifeboat.storage.vmdk;

import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.DiskImages;
import io.lifeboat.storage.ImageRange;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Delta disks are read through their parent chain exactly as qemu reads them. */
class VmdkChainProperties {

    private static final long CAPACITY = 24L << 20;

    /** A qemu-io write: pattern byte (0: write -z), offset and length, 512-aligned. */
    record IoWrite(int pattern, long offset, int length) {
        String command() {
            return pattern == 0 ? "write -z " + offset + " " + length
                    : "write -P " + pattern + " " + offset + " " + length;
        }
    }

    private Path dir;

    @BeforeTry
    void makeDir() throws IOException {
        dir = Files.createTempDirectory("vmdkchain");
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
    Arbitrary<List<List<IoWrite>>> layers() {
        Arbitrary<IoWrite> w = Combinators.combine(Arbitraries.integers().between(0, 255),
                Arbitraries.longs().between(0, CAPACITY / 512 - 1024), Arbitraries.integers().between(1, 600))
                .as((p, sector, sectors) -> new IoWrite(p, sector * 512, sectors * 512));
        return w.list().ofMaxSize(8).list().ofMinSize(2).ofMaxSize(3);
    }

    @Property(tries = 8)
    void chainReadsLikeQemu(@ForAll("layers") List<List<IoWrite>> layers) throws IOException {
        Path prev = null;
        for (int i = 0; i < layers.size(); i++) {
            Path f = dir.resolve("layer" + i + ".vmdk");
            if (prev == null) {
                QemuImg.ok("qemu-img", "create", "-q", "-f", "vmdk", "-o", "zeroed_grain=on", f.toString(),
                        Long.toString(CAPACITY));
            } else {
                QemuImg.ok("qemu-img", "create", "-q", "-f", "vmdk", "-b", prev.getFileName().toString(), "-F",
                        "vmdk", f.toString());
            }
            List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "vmdk"));
            for (IoWrite w : layers.get(i)) {
                cmd.add("-c");
                cmd.add(w.command());
            }
            cmd.add(f.toString());
            if (!layers.get(i).isEmpty()) {
                QemuImg.ok(cmd.toArray(String[]::new));
            }
            prev = f;
        }
        Path top = prev;
        Path flat = dir.resolve("expected.raw");
        QemuImg.ok("qemu-img", "convert", "-O", "raw", top.toString(), flat.toString());
        byte[] expected = Files.readAllBytes(flat);
        try (DiskImage img = DiskImages.open(top)) {
            VmdkImage v = (VmdkImage) img;
            assertThat(v.parent()).isNotNull();
            assertThat(QemuImg.withoutFiles(v.detailedMap())).isEqualTo(QemuImg.map(top));
            ByteBuffer all = ByteBuffer.allocate((int) CAPACITY);
            img.read(0, all);
            assertThat(Arrays.mismatch(all.array(), expected)).isEqualTo(-1);
            // Reading only the data ranges of map() loses nothing.
            byte[] sparse = new byte[(int) CAPACITY];
            for (ImageRange r : img.map()) {
                if (r.data() && !r.zero()) {
                    img.read(r.start(), ByteBuffer.wrap(sparse, (int) r.start(), (int) r.length()));
                }
            }
            assertThat(Arrays.mismatch(sparse, expected)).isEqualTo(-1);
        }
    }
}
