package io.lifeboat.storage.cli;

import io.lifeboat.storage.ImageFormat;
import io.lifeboat.storage.ImageWriter;
import io.lifeboat.storage.replication.PushRequest;
import io.lifeboat.storage.replication.PushResult;
import io.lifeboat.storage.replication.ReceiverOptions;
import io.lifeboat.storage.replication.ReplicationProgress;
import io.lifeboat.storage.replication.ReplicationReceiver;
import io.lifeboat.storage.replication.ReplicationSender;
import io.lifeboat.storage.replication.SenderOptions;
import io.lifeboat.storage.store.ChunkStore;
import io.lifeboat.storage.store.ImageOpener;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code lifeboat bench replicate}: a full and an incremental replication of a sparse VMDK over loopback, against
 * {@code rsync --inplace --no-whole-file} of the same file and the same change.
 */
@Command(name = "replicate", description = "Benchmark: replicate a 20 GiB-capacity monolithicSparse VMDK holding "
        + "2 GiB of random data over loopback (full, then after rewriting 10%% of its grains), and rsync the same.")
public final class BenchReplicateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data-bytes", defaultValue = "2147483648", description = "Random data in the image (default ${DEFAULT-VALUE}).")
    long dataBytes;

    @Option(names = "--capacity-bytes", defaultValue = "21474836480", description = "Image capacity (default ${DEFAULT-VALUE}).")
    long capacityBytes;

    @Option(names = "--change-percent", defaultValue = "10", description = "Share of allocated grains rewritten (default ${DEFAULT-VALUE}).")
    int changePercent;

    @Option(names = "--dir", paramLabel = "DIR", description = "Working directory (default: a new temporary one, removed after).")
    Path dir;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed for the layout and the data.")
    long seed;

    @Option(names = "--skip-rsync", description = "Do not run rsync.")
    boolean skipRsync;

    @Mixin
    JsonOption output;

    private static final int GRAIN = 64 * 1024;

    @Override
    public Integer call() throws Exception {
        if (dataBytes < GRAIN || dataBytes > capacityBytes / 2 || changePercent < 1 || changePercent > 100) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "need 64 KiB <= --data-bytes <= capacity/2 and 1 <= --change-percent <= 100");
        }
        boolean temporary = dir == null;
        Path work = temporary ? Files.createTempDirectory("lifeboat-bench") : Files.createDirectories(dir);
        Path image = work.resolve("bench.vmdk");
        Path store = work.resolve("store");
        Path digests = work.resolve("digests");
        Path rsyncCopy = work.resolve("rsync-copy.vmdk");
        for (Path p : new Path[]{store, digests, rsyncCopy}) {
            delete(p);
        }
        PrintWriter err = spec.commandLine().getErr();
        Vertx vertx = Vertx.vertx();
        try {
            note(err, "writing " + dataBytes + " bytes of random data into " + image);
            long t = System.nanoTime();
            List<long[]> runs = writeImage(image);
            double createSeconds = secondsSince(t);

            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            ReplicationReceiver receiver = new ReplicationReceiver(ChunkStore.open(store),
                    ReceiverOptions.plain("127.0.0.1", 0, secret));
            StoreCommand.await(vertx.deployVerticle(receiver));
            ReplicationSender sender = new ReplicationSender(vertx,
                    SenderOptions.plain("127.0.0.1", receiver.actualPort(), secret));
            PushRequest request = new PushRequest("bench-guest", List.of(image), digests, ImageOpener.DEFAULT,
                    ReplicationProgress.NONE);

            note(err, "full replication");
            PushResult full = StoreCommand.await(sender.push(request));

            double rsyncFull = Double.NaN;
            if (!skipRsync) {
                note(err, "rsync full copy");
                rsyncFull = rsync(image, rsyncCopy)[0];
            }

            note(err, "rewriting " + changePercent + "% of the allocated grains in place");
            long changed = rewriteGrains(image, runs);

            note(err, "incremental replication");
            PushResult inc = StoreCommand.await(sender.push(request));

            double[] rsyncInc = {Double.NaN, -1};
            if (!skipRsync) {
                note(err, "rsync incremental");
                rsyncInc = rsync(image, rsyncCopy);
            }
            double ratio = inc.seconds() / rsyncInc[0];
            double budget = 1.05 * changed + inc.chunkListBytes();
            JsonObject doc = new JsonObject()
                    .put("capacityBytes", capacityBytes).put("dataBytes", dataBytes)
                    .put("createSeconds", round(createSeconds))
                    .put("fullSeconds", round(full.seconds())).put("fullSentBytes", full.wireBytesSent())
                    .put("incrementalSeconds", round(inc.seconds()))
                    .put("incrementalScanSeconds", round(inc.scanSeconds()))
                    .put("sentBytes", inc.wireBytesSent()).put("chunkListBytes", inc.chunkListBytes())
                    .put("changedBytes", changed).put("sentOverChanged", round((double) inc.wireBytesSent() / changed))
                    .put("readBytes", inc.bytesRead()).put("grainsHashed", inc.grainsHashed())
                    .put("rsyncFullSeconds", Double.isNaN(rsyncFull) ? null : round(rsyncFull))
                    .put("rsyncSeconds", Double.isNaN(rsyncInc[0]) ? null : round(rsyncInc[0]))
                    .put("rsyncSentBytes", rsyncInc[1] < 0 ? null : (long) rsyncInc[1])
                    .put("ratio", Double.isNaN(ratio) ? null : round(ratio))
                    .put("targets", new JsonObject()
                            .put("incrementalAtMost5Seconds", inc.seconds() <= 5)
                            .put("ratioAtMost0_3", !Double.isNaN(ratio) && ratio <= 0.3)
                            .put("sentWithinBudget", inc.wireBytesSent() <= budget));
            output.print(doc, String.format(Locale.ROOT, "full replication:        %8.2f s (%,d bytes sent)%n"
                    + "incremental replication: %8.2f s (%,d bytes sent for %,d bytes changed, %.3fx)%n"
                    + "rsync incremental:       %8.2f s%n"
                    + "ratio incremental/rsync: %8.3f", full.seconds(), full.wireBytesSent(), inc.seconds(),
                    inc.wireBytesSent(), changed, (double) inc.wireBytesSent() / changed, rsyncInc[0], ratio));
            return 0;
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            if (temporary) {
                delete(work);
            }
        }
    }

    /** Writes the image; returns its data runs as {start, length}, ascending. */
    private List<long[]> writeImage(Path image) throws IOException {
        Random layout = new Random(seed);
        long grains = dataBytes / GRAIN;
        int runCount = (int) Math.max(1, Math.min(grains, dataBytes / (4L << 20)));
        long slot = capacityBytes / runCount / GRAIN * GRAIN;
        List<long[]> runs = new ArrayList<>();
        long left = grains;
        for (int i = 0; i < runCount; i++) {
            long runGrains = i == runCount - 1 ? left : grains / runCount;
            left -= runGrains;
            long room = slot / GRAIN - runGrains;
            long start = i * slot + (room > 0 ? (long) (layout.nextDouble() * room) * GRAIN : 0);
            runs.add(new long[]{start, runGrains * GRAIN});
        }
        SplittableRandom data = new SplittableRandom(seed);
        byte[] buf = new byte[4 << 20];
        ByteBuffer longs = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
        Files.deleteIfExists(image);
        try (ImageWriter w = ImageWriter.create(image, ImageFormat.VMDK, capacityBytes, "lsilogic")) {
            for (long[] r : runs) {
                for (long pos = 0; pos < r[1]; pos += buf.length) {
                    int n = (int) Math.min(buf.length, r[1] - pos);
                    fill(longs, data, n);
                    w.write(r[0] + pos, ByteBuffer.wrap(buf, 0, n));
                }
            }
            w.commit();
        }
        return runs;
    }

    private static void fill(ByteBuffer longs, SplittableRandom rnd, int n) {
        for (int i = 0; i < n; i += 8) {
            longs.putLong(i, rnd.nextLong());
        }
    }

    /** Rewrites {@code changePercent}% of the allocated grains with new random data, in place; returns bytes changed. */
    private long rewriteGrains(Path image, List<long[]> runs) throws IOException {
        List<Long> all = new ArrayList<>();
        for (long[] r : runs) {
            for (long off = r[0]; off < r[0] + r[1]; off += GRAIN) {
                all.add(off / GRAIN);
            }
        }
        Collections.shuffle(all, new Random(seed + 1));
        List<Long> chosen = new ArrayList<>(all.subList(0, (int) Math.max(1, (long) all.size() * changePercent / 100)));
        Collections.sort(chosen);
        SplittableRandom data = new SplittableRandom(seed + 2);
        byte[] buf = new byte[GRAIN];
        ByteBuffer longs = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            SparseGrainLocator locator = new SparseGrainLocator(ch, image);
            for (long g : chosen) {
                long fileOffset = locator.offsetOf(g);
                fill(longs, data, GRAIN);
                ByteBuffer b = ByteBuffer.wrap(buf);
                while (b.hasRemaining()) {
                    ch.write(b, fileOffset + b.position());
                }
            }
        }
        return (long) chosen.size() * GRAIN;
    }

    /** Finds where a grain of a hosted sparse VMDK lives in the file (grain directory, then grain table). */
    static final class SparseGrainLocator {
        private final FileChannel ch;
        private final Path file;
        private final long gdOffset;
        private final int gtes;
        private final long grainSectors;

        SparseGrainLocator(FileChannel ch, Path file) throws IOException {
            this.ch = ch;
            this.file = file;
            ByteBuffer h = read(0, 512);
            if (h.getInt(0) != 0x564d444b) {
                throw new IOException(file + ": not a hosted sparse VMDK (magic)");
            }
            grainSectors = h.getLong(20);
            gtes = h.getInt(44);
            gdOffset = h.getLong(56);
            if (grainSectors * 512 != GRAIN || gtes <= 0 || gdOffset <= 0) {
                throw new IOException(file + ": unexpected sparse header (grain " + grainSectors + " sectors, "
                        + gtes + " GTEs per GT, GD at sector " + gdOffset + ")");
            }
        }

        long offsetOf(long grain) throws IOException {
            long gt = read(gdOffset * 512 + 4 * (grain / gtes), 4).getInt(0) & 0xffffffffL;
            long sector = read(gt * 512 + 4 * (grain % gtes), 4).getInt(0) & 0xffffffffL;
            if (gt == 0 || sector <= 1) {
                throw new IOException(file + ": grain " + grain + " is not allocated");
            }
            return sector * 512;
        }

        private ByteBuffer read(long pos, int n) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining()) {
                if (ch.read(b, pos + b.position()) < 0) {
                    throw new IOException(file + ": unexpected end of file at " + pos);
                }
            }
            return b;
        }
    }

    private static final Pattern SENT = Pattern.compile("Total bytes sent: ([\\d,.]+)");

    /** Runs {@code rsync --inplace --no-whole-file}; returns {seconds, bytes sent}. */
    private static double[] rsync(Path src, Path dst) throws IOException, InterruptedException {
        long t = System.nanoTime();
        Process p;
        try {
            p = new ProcessBuilder("rsync", "--inplace", "--no-whole-file", "--ignore-times", "--stats",
                    src.toString(), dst.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("rsync not found (apt-get install rsync): " + e.getMessage(), e);
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("rsync " + src + " " + dst + " failed: " + output.strip());
        }
        double seconds = secondsSince(t);
        Matcher m = SENT.matcher(output);
        return new double[]{seconds, m.find() ? Double.parseDouble(m.group(1).replace(",", "")) : -1};
    }

    private void note(PrintWriter err, String what) {
        if (!output.json) {
            err.println("bench: " + what);
            err.flush();
        }
    }

    private static double secondsSince(long t) {
        return (System.nanoTime() - t) / 1e9;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static void delete(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
