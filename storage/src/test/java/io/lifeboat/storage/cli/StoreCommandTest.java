package io.lifeboat.storage.cli;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class StoreCommandTest {

    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new StoreCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString().trim(), err.toString().trim());
    }

    static int qemuImg(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "qemu-img";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    @Test
    void backupListRestoreVerifyAndGcThroughTheCommandLine() throws Exception {
        Path image = tmp.resolve("disk.raw");
        TestImages.sparseRaw(image, 64L << 20, 8, 256 << 10, new Random(1));
        Path store = tmp.resolve("store");

        Run backup = run("backup", image.toString(), "--store", store.toString(), "--guest", "guest-1");
        assertThat(backup.exit()).as(backup.err()).isZero();
        String point = backup.out();
        assertThat(point).matches("guest-1/\\d{8}T\\d{6}Z");

        TestImages.rewrite(image, 3L * (8L << 20), 65536, new Random(2));
        Run second = run("backup", image.toString(), "--store", store.toString(), "--guest", "guest-1", "--json");
        assertThat(second.exit()).as(second.err()).isZero();
        JsonObject s = new JsonObject(second.out());
        assertThat(s.getBoolean("fullCompare")).isFalse();
        assertThat(s.getLong("grainsHashed")).isEqualTo(1);
        assertThat(s.getLong("storedBytes")).isEqualTo(65536);

        Run list = run("list", "--store", store.toString(), "--json");
        assertThat(list.exit()).isZero();
        JsonObject doc = new JsonObject(list.out());
        assertThat(doc.getJsonArray("points")).hasSize(2);
        assertThat(doc.getJsonArray("points").getJsonObject(0).getBoolean("verified")).isTrue();
        assertThat(doc.getJsonArray("points").getJsonObject(1).getLong("dataBytes")).isEqualTo(8L * (256 << 10));

        Path vmdk = tmp.resolve("restored.vmdk");
        Run restore = run("restore", s.getString("pointId"), "--store", store.toString(), "--out", vmdk.toString(),
                "--format", "vmdk");
        assertThat(restore.exit()).as(restore.err()).isZero();
        assertThat(qemuImg("compare", "-q", image.toString(), vmdk.toString())).isZero();
        assertThat(qemuImg("check", "-q", vmdk.toString())).isZero();
        Path raw = tmp.resolve("restored.raw");
        assertThat(run("restore", s.getString("pointId"), "--store", store.toString(), "--out", raw.toString(),
                "--format", "raw").exit()).isZero();
        assertThat(qemuImg("compare", "-q", "-f", "raw", "-F", "raw", image.toString(), raw.toString())).isZero();

        Run verify = run("verify", "--store", store.toString(), "--json");
        assertThat(verify.exit()).isZero();
        assertThat(new JsonObject(verify.out()).getBoolean("ok")).isTrue();

        Path pack;
        try (var files = Files.list(store.resolve("packs"))) {
            // the first backup's pack (the biggest), whose chunks both points share
            pack = files.filter(f -> f.toString().endsWith(".pack"))
                    .max(java.util.Comparator.comparingLong(f -> f.toFile().length())).orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(pack);
        bytes[4096] ^= 1;
        Files.write(pack, bytes);
        Run bad = run("verify", "--store", store.toString(), "--json");
        assertThat(bad.exit()).isEqualTo(1);
        JsonObject badDoc = new JsonObject(bad.out());
        assertThat(badDoc.getBoolean("ok")).isFalse();
        assertThat(badDoc.getJsonArray("corruptChunks")).hasSize(1);
        assertThat(badDoc.getJsonArray("unusablePoints")).hasSize(2);
        Run refused = run("restore", point, "--store", store.toString(), "--out", tmp.resolve("x.raw").toString(),
                "--format", "raw");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("not usable");

        Run gc = run("gc", "--store", store.toString(), "--keep-last", "1", "--keep-daily", "0", "--keep-weekly", "0",
                "--grace-seconds", "0", "--json");
        assertThat(gc.exit()).as(gc.err()).isZero();
        assertThat(new JsonObject(gc.out()).getJsonArray("pointsRemoved")).containsExactly(point);
    }

    @Test
    void usageAndInputErrorsAreOneLineWithTheRightExitCodes() {
        assertThat(run("restore", "guest/20261130T000000Z", "--store", tmp.toString(), "--out", "x",
                "--format", "qcow9").exit()).isEqualTo(2);
        assertThat(run("list").exit()).isEqualTo(2);
        Run missing = run("list", "--store", tmp.resolve("nowhere").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("not a store");
        assertThat(run("push", "x.raw", "--to", "nohost", "--guest", "g", "--secret-file", "s").exit()).isEqualTo(2);
    }
}
