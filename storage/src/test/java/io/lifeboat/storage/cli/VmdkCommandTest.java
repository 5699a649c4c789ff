package io.lifeboat.storage.cli;

import io.lifeboat.storage.vmdk.QemuImg;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class VmdkCommandTest {

    @TempDir
    Path dir;

    /** The outcome of one command run. */
    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new VmdkCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        // As the launcher does: one line naming what and where, exit 1.
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            c.getErr().println(ex.getMessage());
            c.getErr().flush();
            return 1;
        });
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private Path sparseWithZeroedGrains() {
        Path f = dir.resolve("disk.vmdk");
        QemuImg.ok("qemu-img", "create", "-q", "-f", "vmdk", "-o", "zeroed_grain=on,adapter_type=lsilogic",
                f.toString(), "64M");
        QemuImg.ok("qemu-io", "-f", "vmdk", "-c", "write -P 0xab 1M 100k", "-c", "write -z 4M 128k",
                "-c", "write -P 7 20M 64k", "-c", "write -P 9 20544k 1k", "-c", "write -P 3 63M 1M", f.toString());
        return f;
    }

    @Test
    void mapJsonEqualsQemuImgMap() {
        Path f = sparseWithZeroedGrains();
        Run r = run("map", f.toString(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonArray ours = new JsonArray(r.out());
        JsonArray qemu = new JsonArray(QemuImg.ok("qemu-img", "map", "--output=json", f.toString()));
        assertThat(ours).isEqualTo(qemu);
        // The zeroed grains are reported present, zero, without data.
        assertThat(ours.stream().map(JsonObject.class::cast)
                .anyMatch(o -> o.getLong("start") == 4L << 20 && o.getBoolean("zero") && !o.getBoolean("data")
                        && o.getBoolean("present"))).isTrue();
    }

    @Test
    void mapOfAFlatVmdkAndOfAStreamOptimizedVmdkEqualQemuImgMap() throws IOException {
        Path raw = dir.resolve("src.raw");
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(48L << 20);
            f.seek(5L << 20);
            f.write(new byte[] {1, 2, 3});
            f.seek(30L << 20);
            f.write(new byte[300_000]);
            f.write(new byte[] {4});
        }
        for (String sub : new String[] {"monolithicFlat", "streamOptimized", "twoGbMaxExtentSparse"}) {
            Path f = dir.resolve(sub + ".vmdk");
            QemuImg.ok("qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=" + sub, raw.toString(),
                    f.toString());
            Run r = run("map", "--json", f.toString());
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(new JsonArray(r.out())).as(sub)
                    .isEqualTo(new JsonArray(QemuImg.ok("qemu-img", "map", "--output=json", f.toString())));
        }
    }

    @Test
    void inspectJsonReportsFormatFacts() {
        Path f = sparseWithZeroedGrains();
        Run r = run("inspect", "--json", f.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        JsonObject doc = new JsonObject(r.out());
        assertThat(doc.getString("format")).isEqualTo("vmdk");
        assertThat(doc.getString("createType")).isEqualTo("monolithicSparse");
        assertThat(doc.getString("adapterType")).isEqualTo("lsilogic");
        assertThat(doc.getLong("capacityBytes")).isEqualTo(64L << 20);
        assertThat(doc.getInteger("grainSizeBytes")).isEqualTo(65536);
        // 100k -> 2 grains, 64k -> 1, 20M+512k.. 1k -> 1, 1M -> 16: 20 grains of 64 KiB.
        assertThat(doc.getLong("allocatedBytes")).isEqualTo(20L * 65536);
        assertThat(doc.getBoolean("uncleanShutdown")).isFalse();
        assertThat(doc.getString("parentCid")).isEqualTo("ffffffff");
        assertThat(doc.getJsonObject("flags").getBoolean("zeroedGrainEntries")).isTrue();
        assertThat(doc.getJsonObject("flags").getBoolean("redundantGrainDirectory")).isTrue();
        assertThat(doc.getJsonArray("extents")).hasSize(1);
        assertThat(doc.getJsonArray("extents").getJsonObject(0).getString("type")).isEqualTo("SPARSE");
    }

    @Test
    void inspectTextNamesTheFacts() {
        Path f = sparseWithZeroedGrains();
        Run r = run("inspect", f.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("createType:", "monolithicSparse", "capacityBytes:", "67108864",
                "zeroedGrainEntries");
    }

    @Test
    void corruptImageFailsWithOneLineNamingFileAndField() throws IOException {
        Path f = sparseWithZeroedGrains();
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(20);
            raf.write(new byte[] {100, 0, 0, 0, 0, 0, 0, 0});
        }
        Run r = run("map", "--json", f.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip()).doesNotContain("\n").contains("disk.vmdk", "grainSize", "100");
    }

    @Test
    void missingFileAndUsageErrors() {
        Run missing = run("inspect", dir.resolve("nope.vmdk").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("nope.vmdk: no such file");
        assertThat(run("inspect").exit()).isEqualTo(2);
        assertThat(run("map", "a", "b").exit()).isEqualTo(2);
    }

    @Test
    void inspectReportsAnUncleanShutdown() throws IOException {
        Path f = sparseWithZeroedGrains();
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(72);
            raf.write(1);
        }
        Run r = run("inspect", "--json", f.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        JsonObject doc = new JsonObject(r.out());
        assertThat(doc.getBoolean("uncleanShutdown")).isTrue();
        assertThat(doc.getJsonArray("extents").getJsonObject(0).getBoolean("uncleanShutdown")).isTrue();
    }

    @Test
    void rawImagesAreMappedByTheirHoles() throws IOException {
        Path f = dir.resolve("disk.raw");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(8L << 20);
            raf.seek(2L << 20);
            raf.write(new byte[] {1});
        }
        Run r = run("map", "--json", f.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        JsonArray a = new JsonArray(r.out());
        assertThat(a.stream().map(JsonObject.class::cast).filter(o -> o.getBoolean("data")).toList())
                .singleElement().satisfies(o -> {
                    assertThat(o.getLong("start")).isEqualTo(2L << 20);
                    assertThat(o.getLong("length")).isEqualTo(65536L);
                    assertThat(o.getLong("offset")).isEqualTo(2L << 20);
                });
        assertThat(a.stream().map(JsonObject.class::cast)).allMatch(o -> o.getBoolean("present")
                && o.getLong("offset").equals(o.getLong("start")));
        Run text = run("map", f.toString());
        assertThat(text.out()).contains("start", "2097152", "65536");
        Run inspect = run("inspect", "--json", f.toString());
        assertThat(new JsonObject(inspect.out()).getString("format")).isEqualTo("raw");
        assertThat(new JsonObject(inspect.out()).getLong("allocatedBytes")).isEqualTo(65536L);
    }
}
