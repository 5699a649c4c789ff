package io.lifeboat.storage.cli;

import io.lifeboat.storage.store.ChunkStore;
import io.lifeboat.storage.store.RestorePointId;
import io.vertx.core.json.JsonObject;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * I2 under crashes: the receiver ({@code store serve}, a separate JVM) is killed with -9 at a random moment of a
 * push. No half-written point may ever be visible, and the previous point must still verify; a later push resumes.
 */
class ServeCrashProperties {

    @Property(tries = 3, shrinking = ShrinkingMode.OFF)
    void killingTheReceiverNeverExposesAHalfWrittenPoint(@ForAll @IntRange(min = 0, max = 1000) int killAfterMillis)
            throws Exception {
        Path dir = Files.createTempDirectory("lifeboat-crash");
        try {
            Path image = dir.resolve("disk.raw");
            Random rnd = new Random(killAfterMillis);
            TestImages.sparseRaw(image, 64L << 20, 6, 2 << 20, rnd);
            Path store = dir.resolve("store");
            Path secret = dir.resolve("secret");
            Path digests = dir.resolve("digests");

            Receiver receiver = Receiver.start(store, secret, dir.resolve("serve1.log"));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).isEqualTo("rw-------");
            StoreCommandTest.Run first = push(image, receiver.port, secret, digests, "--retries", "0");
            assertThat(first.exit()).as(first.err()).isZero();
            String p1 = new JsonObject(first.out()).getString("pointId");

            for (int i = 0; i < 6; i++) {
                TestImages.rewrite(image, i * ((64L << 20) / 6) / 65536 * 65536 + 65536, 512 << 10, rnd);
            }
            CompletableFuture<StoreCommandTest.Run> second = CompletableFuture.supplyAsync(() ->
                    push(image, receiver.port, secret, digests, "--retries", "0", "--limit-rate", "4M"));
            Thread.sleep(killAfterMillis); // the random kill moment is the point of this property
            receiver.kill();
            StoreCommandTest.Run interrupted = second.get(60, TimeUnit.SECONDS);

            ChunkStore s = ChunkStore.open(store);
            List<RestorePointId> points = s.points(null);
            assertThat(points).contains(RestorePointId.parse(p1));
            assertThat(points).hasSizeBetween(1, 2);
            if (interrupted.exit() == 0) {
                assertThat(points).hasSize(2);
            }
            for (RestorePointId id : points) {
                assertThat(s.isVerified(s.load(id))).as("%s verified", id).isTrue();
            }
            assertThat(s.scrub().problemsFound()).isFalse();

            Receiver again = Receiver.start(store, secret, dir.resolve("serve2.log"));
            try {
                StoreCommandTest.Run resumed = push(image, again.port, secret, digests, "--retries", "0");
                assertThat(resumed.exit()).as(resumed.err()).isZero();
                String p3 = new JsonObject(resumed.out()).getString("pointId");
                Path out = dir.resolve("restored.raw");
                StoreCommandTest.Run restore = StoreCommandTest.run("restore", p3, "--store", store.toString(),
                        "--out", out.toString(), "--format", "raw");
                assertThat(restore.exit()).as(restore.err()).isZero();
                assertThat(StoreCommandTest.qemuImg("compare", "-q", "-f", "raw", "-F", "raw", image.toString(),
                        out.toString())).isZero();
            } finally {
                again.kill();
            }
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static StoreCommandTest.Run push(Path image, int port, Path secret, Path digests, String... extra) {
        String[] base = {"push", image.toString(), "--to", "127.0.0.1:" + port, "--guest", "guest-1",
                "--secret-file", secret.toString(), "--state-dir", digests.toString(), "--json"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return StoreCommandTest.run(args);
    }

    /** {@code store serve} in its own JVM. */
    static final class Receiver {
        final Process process;
        final int port;

        private Receiver(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        static Receiver start(Path store, Path secret, Path log) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    StoreServeMain.class.getName(), "serve", "--store", store.toString(), "--listen", "127.0.0.1:0",
                    "--secret-file", secret.toString(), "--json")
                    .redirectError(log.toFile()).start();
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = r.readLine();
            if (line == null) {
                p.destroyForcibly();
                throw new IOException("store serve did not start: " + Files.readString(log));
            }
            return new Receiver(p, new JsonObject(line).getInteger("port"));
        }

        void kill() throws InterruptedException {
            process.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
