package io.lifeboat.storage.cli;

import io.lifeboat.storage.ImageFormat;
import io.lifeboat.storage.replication.PushRequest;
import io.lifeboat.storage.replication.PushResult;
import io.lifeboat.storage.replication.RateLimiter;
import io.lifeboat.storage.replication.ReceiverOptions;
import io.lifeboat.storage.replication.ReplicationException;
import io.lifeboat.storage.replication.ReplicationProgress;
import io.lifeboat.storage.replication.ReplicationReceiver;
import io.lifeboat.storage.replication.ReplicationSender;
import io.lifeboat.storage.replication.SenderOptions;
import io.lifeboat.storage.replication.SharedSecrets;
import io.lifeboat.storage.store.ChunkStore;
import io.lifeboat.storage.store.DiskManifest;
import io.lifeboat.storage.store.GcReport;
import io.lifeboat.storage.store.ImageOpener;
import io.lifeboat.storage.store.LocalBackup;
import io.lifeboat.storage.store.RestorePoint;
import io.lifeboat.storage.store.RestorePointId;
import io.lifeboat.storage.store.RestorePointWriter;
import io.lifeboat.storage.store.RetentionPolicy;
import io.lifeboat.storage.store.RetentionReport;
import io.lifeboat.storage.store.ScrubReport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** {@code lifeboat store}: back up, list, verify, collect garbage, restore, serve and push restore points. */
@Command(name = "store", description = "Manage a restore-point store: backup, list, verify, gc, restore, serve, push.",
        subcommands = {StoreCommand.Backup.class, StoreCommand.ListPoints.class, StoreCommand.Verify.class,
                StoreCommand.Gc.class, StoreCommand.Restore.class, StoreCommand.Serve.class, StoreCommand.Push.class})
public final class StoreCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandLine.ExitCode.USAGE;
    }

    static double seconds(long t0) {
        return Math.round((System.nanoTime() - t0) / 1e6) / 1e3;
    }

    /** Progress on stderr, only when a terminal is attached and no JSON is requested. */
    static ReplicationProgress terminalProgress(CommandSpec spec, boolean json) {
        if (json || System.console() == null) {
            return ReplicationProgress.NONE;
        }
        PrintWriter err = spec.commandLine().getErr();
        return new ReplicationProgress() {
            private long lastPrint;

            @Override
            public void update(long done, long total) {
                long now = System.nanoTime();
                if (now - lastPrint > 200_000_000L || done == total) {
                    lastPrint = now;
                    err.printf(Locale.ROOT, "\rsent %,d of %,d bytes (%d%%)%s", done, total,
                            total == 0 ? 100 : done * 100 / total, done == total ? "\n" : "");
                    err.flush();
                }
            }
        };
    }

    static <T> T await(Future<T> f) throws Exception {
        try {
            return f.toCompletionStage().toCompletableFuture().get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception c ? c : e;
        }
    }

    /** {@code store backup IMAGE... --store DIR --guest ID}: a local backup; prints the new point's id. */
    @Command(name = "backup", description = "Back up disk images into a local store; prints the new point's id.")
    public static final class Backup implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "The guest's disk images (VMDK or raw).")
        List<Path> images;
        @Mixin
        StoreDirOption store;
        @Option(names = "--guest", required = true, paramLabel = "ID", description = "The guest's stable id.")
        String guest;
        @Option(names = "--state-dir", paramLabel = "DIR",
                description = "Where the per-grain digests of the previous cycle live (default: DIR/source-digests).")
        Path stateDir;
        @Mixin
        JsonOption output;

        @Override
        public Integer call() throws Exception {
            long t0 = System.nanoTime();
            ChunkStore s = store.openOrCreate();
            LocalBackup.Result r = LocalBackup.run(s, guest, images,
                    stateDir != null ? stateDir : s.directory().resolve("source-digests"), Instant.now());
            output.print(new JsonObject().put("pointId", r.point().id().toString())
                    .put("rootDigest", r.point().rootDigest()).put("bytesRead", r.bytesRead())
                    .put("grainsHashed", r.grainsHashed()).put("storedBytes", r.bytesStored())
                    .put("fullCompare", r.fullCompare()).put("durationSeconds", seconds(t0)), r.point().id().toString());
            return 0;
        }
    }

    /** {@code store list --store DIR [--guest ID]}. */
    @Command(name = "list", description = "List restore points, oldest first, with their state.")
    public static final class ListPoints implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        StoreDirOption store;
        @Option(names = "--guest", paramLabel = "ID", description = "Only this guest's points.")
        String guest;
        @Mixin
        JsonOption output;

        @Override
        public Integer call() throws Exception {
            ChunkStore s = store.openExisting();
            JsonArray points = new JsonArray();
            StringBuilder text = new StringBuilder();
            for (RestorePointId id : s.points(guest)) {
                RestorePoint p = s.load(id);
                boolean verified = s.isVerified(p);
                String reason = s.unusableReason(id);
                JsonArray pins = new JsonArray();
                s.pins(id).forEach(pins::add);
                JsonArray disks = new JsonArray();
                for (DiskManifest d : p.disks()) {
                    disks.add(new JsonObject().put("name", d.name()).put("capacityBytes", d.capacity())
                            .put("dataBytes", d.dataBytes()).put("grainSizeBytes", d.grainSize())
                            .put("format", d.format()).put("createType", d.createType())
                            .put("adapterType", d.adapterType()));
                }
                points.add(new JsonObject().put("id", id.toString()).put("guestId", id.guestId())
                        .put("time", id.time().toString()).put("capacityBytes", p.capacity())
                        .put("dataBytes", p.dataBytes()).put("verified", verified).put("unusableReason", reason)
                        .put("pins", pins).put("rootDigest", p.rootDigest()).put("sourceCycleId", p.sourceCycleId())
                        .put("disks", disks));
                text.append(String.format(Locale.ROOT, "%-50s %14d bytes  %s%s%n", id, p.dataBytes(),
                        verified ? "verified" : "UNUSABLE" + (reason == null ? "" : " (" + reason + ")"),
                        pins.isEmpty() ? "" : "  pinned: " + String.join(",", s.pins(id))));
            }
            output.print(new JsonObject().put("store", s.directory().toString()).put("points", points),
                    text.toString().stripTrailing());
            return 0;
        }
    }

    /** {@code store verify --store DIR}: scrub; exit code 1 when corruption is found. */
    @Command(name = "verify", description = "Re-hash every chunk, quarantine bad ones, mark affected points unusable; "
            + "exit code 1 when a problem is found.")
    public static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        StoreDirOption store;
        @Mixin
        JsonOption output;

        @Override
        public Integer call() throws Exception {
            long t0 = System.nanoTime();
            ScrubReport r = store.openExisting().scrub();
            JsonArray unusable = new JsonArray();
            r.unusablePoints().forEach(p -> unusable.add(p.toString()));
            JsonObject doc = new JsonObject().put("ok", !r.problemsFound()).put("chunksChecked", r.chunksChecked())
                    .put("bytesChecked", r.bytesChecked()).put("pointsChecked", r.pointsChecked())
                    .put("corruptChunks", new JsonArray(List.copyOf(r.corruptChunks())))
                    .put("damagedPacks", new JsonArray(List.copyOf(r.damagedPacks())))
                    .put("unusablePoints", unusable).put("durationSeconds", seconds(t0));
            String text = r.problemsFound()
                    ? "PROBLEMS: " + r.corruptChunks().size() + " corrupt chunks, " + r.damagedPacks().size()
                    + " damaged packs, unusable points: " + r.unusablePoints()
                    : "ok: " + r.chunksChecked() + " chunks (" + r.bytesChecked() + " bytes) and "
                    + r.pointsChecked() + " points verified";
            output.print(doc, text);
            return r.problemsFound() ? 1 : 0;
        }
    }

    /** {@code store gc --store DIR}: retention, then mark and sweep. */
    @Command(name = "gc", description = "Apply retention (never to pinned points), then remove unreferenced chunks "
            + "older than the grace period.")
    public static final class Gc implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        StoreDirOption store;
        @Option(names = "--keep-last", defaultValue = "7", description = "Newest points to keep (default ${DEFAULT-VALUE}).")
        int keepLast;
        @Option(names = "--keep-daily", defaultValue = "7", description = "Days whose newest point is kept (default ${DEFAULT-VALUE}).")
        int keepDaily;
        @Option(names = "--keep-weekly", defaultValue = "4", description = "Weeks whose newest point is kept (default ${DEFAULT-VALUE}).")
        int keepWeekly;
        @Option(names = "--grace-seconds", defaultValue = "86400",
                description = "Packs younger than this are never swept (default ${DEFAULT-VALUE}).")
        long graceSeconds;
        @Mixin
        JsonOption output;

        @Override
        public Integer call() throws Exception {
            long t0 = System.nanoTime();
            ChunkStore s = store.openExisting();
            RetentionReport rr = s.applyRetention(new RetentionPolicy(keepLast, keepDaily, keepWeekly));
            GcReport g = s.collectGarbage(Duration.ofSeconds(graceSeconds), Instant.now());
            JsonArray removed = new JsonArray();
            rr.removed().forEach(p -> removed.add(p.toString()));
            output.print(new JsonObject().put("pointsKept", rr.kept().size()).put("pointsRemoved", removed)
                    .put("chunksLive", g.chunksLive()).put("chunksRemoved", g.chunksRemoved())
                    .put("packsDeleted", g.packsDeleted()).put("packsRewritten", g.packsRewritten())
                    .put("packsKeptYoung", g.packsKeptYoung()).put("freedBytes", g.bytesFreed())
                    .put("durationSeconds", seconds(t0)),
                    "removed " + rr.removed().size() + " points, " + g.chunksRemoved() + " chunks, freed "
                            + g.bytesFreed() + " bytes");
            return 0;
        }
    }

    /** {@code store restore POINT --store DIR --out FILE --format vmdk|raw}. */
    @Command(name = "restore", description = "Materialise one disk of a restore point as a VMDK (monolithicSparse) "
            + "or a sparse raw file.")
    public static final class Restore implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "POINT", description = "The point id, <guest id>/<yyyyMMddTHHmmssZ>.")
        String point;
        @Mixin
        StoreDirOption store;
        @Option(names = "--out", required = true, paramLabel = "FILE", description = "The image to write.")
        Path out;
        @Option(names = "--format", required = true, paramLabel = "vmdk|raw", description = "Output format.")
        String format;
        @Option(names = "--disk", defaultValue = "0", description = "Which disk of the point (default ${DEFAULT-VALUE}).")
        int disk;
        @Mixin
        JsonOption output;

        @Override
        public Integer call() throws Exception {
            ImageFormat f = switch (format.toLowerCase(Locale.ROOT)) {
                case "vmdk" -> ImageFormat.VMDK;
                case "raw" -> ImageFormat.RAW;
                default -> throw new CommandLine.ParameterException(spec.commandLine(),
                        "--format must be vmdk or raw, not '" + format + "'");
            };
            RestorePointId id;
            try {
                id = RestorePointId.parse(point);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            long t0 = System.nanoTime();
            ChunkStore s = store.openExisting();
            RestorePoint p = s.load(id);
            if (disk < 0 || disk >= p.disks().size()) {
                throw new IOException(store.dir + ": point " + id + " has " + p.disks().size() + " disks, no disk " + disk);
            }
            if (!s.isVerified(p)) {
                String why = s.unusableReason(id);
                throw new IOException(store.dir + ": point " + id + " is not usable"
                        + (why == null ? " (chunks missing)" : ": " + why));
            }
            DiskManifest d = p.disks().get(disk);
            s.pin(id, "restore");
            long written;
            try {
                written = RestorePointWriter.write(s, d, out, f);
            } finally {
                s.unpin(id, "restore");
            }
            output.print(new JsonObject().put("pointId", id.toString()).put("out", out.toString())
                    .put("format", f.name().toLowerCase(Locale.ROOT)).put("capacityBytes", d.capacity())
                    .put("dataBytes", written).put("durationSeconds", seconds(t0)), out.toString());
            return 0;
        }
    }

    /** {@code store serve --store DIR --listen ADDR --secret-file FILE}: receive pushes until stopped. */
    @Command(name = "serve", description = "Receive restore points over the network until stopped; creates the "
            + "secret file (mode 0600) if missing.")
    public static final class Serve implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        StoreDirOption store;
        @Option(names = "--listen", required = true, paramLabel = "ADDR",
                description = "HOST:PORT, :PORT or PORT to listen on (port 0: any free port).")
        String listen;
        @Option(names = "--secret-file", required = true, paramLabel = "FILE", description = "The shared secret.")
        Path secretFile;
        @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate chain: serve TLS.")
        Path tlsCert;
        @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM private key for --tls-cert.")
        Path tlsKey;
        @Mixin
        JsonOption output;

        @Override
        public Integer call() throws Exception {
            String[] hp = hostPort(spec, listen, "0.0.0.0");
            if ((tlsCert == null) != (tlsKey == null)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together");
            }
            byte[] secret = SharedSecrets.readOrCreate(secretFile);
            ChunkStore s = store.openOrCreate();
            Vertx vertx = Vertx.vertx();
            ReplicationReceiver receiver = new ReplicationReceiver(s, new ReceiverOptions(hp[0],
                    Integer.parseInt(hp[1]), secret, tlsCert, tlsKey, "lifeboat-store-io", 2));
            try {
                await(vertx.deployVerticle(receiver));
            } catch (Exception e) {
                vertx.close();
                throw new IOException("cannot listen on " + listen + ": " + e.getMessage(), e);
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // exiting anyway
                }
                stopped.countDown();
            }, "lifeboat-serve-shutdown"));
            output.print(new JsonObject().put("store", s.directory().toString()).put("host", hp[0])
                    .put("port", receiver.actualPort()).put("tls", tlsCert != null),
                    "listening on " + hp[0] + ":" + receiver.actualPort() + " for store " + s.directory());
            stopped.await();
            return 0;
        }
    }

    /** {@code store push IMAGE... --to HOST:PORT --guest ID --secret-file FILE [--limit-rate RATE]}. */
    @Command(name = "push", description = "Replicate disk images to a remote store: only the chunks it lacks travel.")
    public static final class Push implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "The guest's disk images (VMDK or raw).")
        List<Path> images;
        @Option(names = "--to", required = true, paramLabel = "HOST:PORT", description = "The receiving store.")
        String to;
        @Option(names = "--guest", required = true, paramLabel = "ID", description = "The guest's stable id.")
        String guest;
        @Option(names = "--secret-file", required = true, paramLabel = "FILE", description = "The shared secret.")
        Path secretFile;
        @Option(names = "--limit-rate", paramLabel = "RATE", description = "Bandwidth limit in bytes/s (500k, 10M, 1G).")
        String limitRate;
        @Option(names = "--state-dir", paramLabel = "DIR",
                description = "Where the per-grain digests of the previous cycle live (default: ~/.lifeboat/digests).")
        Path stateDir;
        @Option(names = "--retries", defaultValue = "3", description = "Resume attempts after a broken link (default ${DEFAULT-VALUE}).")
        int retries;
        @Option(names = "--tls", description = "Connect with TLS.")
        boolean tls;
        @Option(names = "--tls-ca", paramLabel = "FILE", description = "PEM CA certificate to trust (implies --tls).")
        Path tlsCa;
        @Mixin
        JsonOption output;

        @Override
        public Integer call() throws Exception {
            String[] hp = hostPort(spec, to, null);
            long limit;
            try {
                limit = limitRate == null ? 0 : RateLimiter.parseRate(limitRate);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            byte[] secret = SharedSecrets.read(secretFile);
            Path digests = stateDir != null ? stateDir
                    : Path.of(System.getProperty("user.home"), ".lifeboat", "digests");
            SenderOptions o = new SenderOptions(hp[0], Integer.parseInt(hp[1]), secret, limit, tls || tlsCa != null,
                    tlsCa, "lifeboat-replication-send");
            Vertx vertx = Vertx.vertx();
            try {
                ReplicationSender sender = new ReplicationSender(vertx, o);
                PushRequest req = new PushRequest(guest, images, digests, ImageOpener.DEFAULT,
                        terminalProgress(spec, output.json));
                PushResult r = null;
                for (int attempt = 0; r == null; attempt++) {
                    try {
                        r = await(sender.push(req));
                    } catch (ReplicationException e) {
                        if (attempt >= retries || e.getMessage().contains("receiver refused")
                                || e.getMessage().contains("shared secret")) {
                            throw e;
                        }
                        spec.commandLine().getErr().println("link to " + to + " broke (" + e.getMessage()
                                + "); resuming");
                    }
                }
                output.print(new JsonObject().put("pointId", r.pointId()).put("rootDigest", r.rootDigest())
                        .put("fullCompare", r.fullCompare()).put("readBytes", r.bytesRead())
                        .put("grainsHashed", r.grainsHashed()).put("chunks", r.chunks())
                        .put("chunksSent", r.chunksSent()).put("chunkBytes", r.chunkBytesSent())
                        .put("sentBytes", r.wireBytesSent()).put("chunkListBytes", r.chunkListBytes())
                        .put("scanSeconds", r.scanSeconds()).put("durationSeconds", r.seconds()), r.pointId());
                return 0;
            } finally {
                vertx.close();
            }
        }
    }

    static String[] hostPort(CommandSpec spec, String text, String defaultHost) {
        String host = defaultHost;
        String port = text;
        int colon = text.lastIndexOf(':');
        if (colon >= 0) {
            host = colon == 0 ? defaultHost : text.substring(0, colon);
            port = text.substring(colon + 1);
        }
        if (host != null && host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int p = Integer.parseInt(port);
            if (host == null || p < 0 || p > 65535) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "'" + text + "' is not HOST:PORT");
        }
        return new String[]{host, port};
    }

}
