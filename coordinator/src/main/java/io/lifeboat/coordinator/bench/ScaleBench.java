package io.lifeboat.coordinator.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

import io.lifeboat.coordinator.bench.internal.BenchCoordinatorMain;
import io.lifeboat.coordinator.bench.internal.ChildProcess;
import io.lifeboat.coordinator.bench.internal.GcLogHeap;
import io.lifeboat.coordinator.bench.internal.ProcStat;
import io.lifeboat.coordinator.bench.internal.ScaleNames;
import io.lifeboat.coordinator.bench.internal.ScaleSiteConfig;
import io.lifeboat.coordinator.bench.sim.SimulatedAgents;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;
import io.lifeboat.coordinator.health.LeaseTimers;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Runs the scale benchmark: writes a site of N hosts × G guests, starts the coordinator and the simulated agents as
 * two child JVMs, waits until every host is linked and every guest protected, measures the coordinator process's CPU
 * (from {@code /proc}) and heap over a window, then kills one agent and times its SUSPECTED and LOST declarations
 * from its last heartbeat.
 */
public final class ScaleBench {

    /**
     * What to run.
     *
     * @param agents simulated agents (hosts), at least 2
     * @param guestsPerAgent guests per agent
     * @param warmupSeconds seconds to let the JIT and the heap settle once all are linked
     * @param measureSeconds length of the measurement window
     * @param workDir where the config, journal and child logs go
     */
    public record Settings(int agents, int guestsPerAgent, int warmupSeconds, int measureSeconds, Path workDir) {
        /** Checks the settings. */
        public Settings {
            if (agents < 2) {
                throw new IllegalArgumentException("--agents must be at least 2, got " + agents);
            }
            if (guestsPerAgent < 0 || warmupSeconds < 0 || measureSeconds < 1) {
                throw new IllegalArgumentException("--guests-per-agent and --warmup must be >= 0 and --measure >= 1,"
                        + " got " + guestsPerAgent + ", " + warmupSeconds + ", " + measureSeconds);
            }
            Objects.requireNonNull(workDir, "workDir");
        }
    }

    /** Extra JVM options for the coordinator process (for example a Flight Recording), split at spaces. */
    public static final String COORDINATOR_OPTS_ENV = "LIFEBOAT_BENCH_COORDINATOR_OPTS";
    private static final long SECOND = 1_000_000_000L;
    private static final long HEAP_SAMPLE_NANOS = 2 * SECOND;

    private final Settings settings;
    private final Consumer<String> progress;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Creates the benchmark; {@code progress} receives one line per phase (for stderr). */
    public ScaleBench(Settings settings, Consumer<String> progress) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    /** Runs it; the children are stopped whatever happens. */
    public ScaleReport run() throws IOException, InterruptedException {
        Path dir = settings.workDir();
        Files.createDirectories(dir);
        int n = settings.agents();
        int guests = n * settings.guestsPerAgent();
        Path config = ScaleSiteConfig.write(dir, n, settings.guestsPerAgent());
        LeaseTimers timers = CoordinatorConfigLoader.load(config).timers();
        progress.accept("site of " + n + " hosts and " + guests + " guests written to " + config);
        List<String> jvm = new java.util.ArrayList<>();
        jvm.add("-Xlog:gc:file=" + dir.resolve("coordinator-gc.log") + ":uptime");
        String extra = System.getenv(COORDINATOR_OPTS_ENV);
        if (extra != null && !extra.isBlank()) {
            jvm.addAll(List.of(extra.strip().split("\\s+")));
        }
        try (ChildProcess coordinator = ChildProcess.start("coordinator", dir, jvm, BenchCoordinatorMain.class,
                List.of(config.toString()))) {
            String ready = coordinator.await("ready", l -> l.startsWith("ready "), 180 * SECOND).text();
            int agentPort = Integer.parseInt(field(ready, "agentPort"));
            int httpPort = Integer.parseInt(field(ready, "httpPort"));
            progress.accept("coordinator pid " + coordinator.pid() + " listening on 127.0.0.1:" + agentPort
                    + ", status on http://127.0.0.1:" + httpPort + "/api/v1/status");
            try (ChildProcess agents = ChildProcess.start("agents", dir, List.of(), SimulatedAgents.class,
                    List.of("--coordinator", "127.0.0.1:" + agentPort, "--agents", Integer.toString(n),
                            "--guests-per-agent", Integer.toString(settings.guestsPerAgent()), "--secret-file",
                            ScaleSiteConfig.secretFile(dir).toString()))) {
                long linkTimeout = Math.max(120, n / 5) * SECOND;
                agents.await("ready", l -> l.startsWith("ready "), linkTimeout);
                progress.accept("all " + n + " simulated agents linked (pid " + agents.pid() + ")");
                awaitProtected(httpPort, n, guests, linkTimeout);
                progress.accept("every host UP and all " + guests + " guests protected; warming up for "
                        + settings.warmupSeconds() + " s");
                Thread.sleep(settings.warmupSeconds() * 1000L);
                return measure(coordinator, agents, httpPort, timers, dir);
            }
        }
    }

    private ScaleReport measure(ChildProcess coordinator, ChildProcess agents, int httpPort, LeaseTimers timers,
                                Path dir) throws IOException, InterruptedException {
        Path gcLog = dir.resolve("coordinator-gc.log");
        long gcOffset = Files.exists(gcLog) ? Files.size(gcLog) : 0;
        long ticksPerSecond = ProcStat.clockTicksPerSecond();
        progress.accept("measuring the coordinator's CPU and heap for " + settings.measureSeconds() + " s");
        long start = System.nanoTime();
        long ticksBefore = ProcStat.cpuTicks(coordinator.pid());
        long end = start + settings.measureSeconds() * SECOND;
        long heapPeak = 0;
        int suspicions = 0;
        while (true) {
            long now = System.nanoTime();
            if (now >= end) {
                break;
            }
            long wait = Math.min(HEAP_SAMPLE_NANOS, end - now);
            // Any host suspected while all agents heartbeat is a false suspicion: count them while waiting.
            try {
                ChildProcess.Line line = coordinator.await("suspicion", l -> l.startsWith("event HOST_SUSPECTED "),
                        wait);
                if (line.receivedNanos() >= start) {
                    suspicions++;
                }
            } catch (IOException timedOut) {
                coordinator.send("heap");
                heapPeak = Math.max(heapPeak, Long.parseLong(field(coordinator.await("heap",
                        l -> l.startsWith("heap "), 10 * SECOND).text(), "usedBytes")));
            }
        }
        long ticksAfter = ProcStat.cpuTicks(coordinator.pid());
        long wall = System.nanoTime() - start;
        double cpu = ProcStat.shareOfOneCore(ticksBefore, ticksAfter, ticksPerSecond, wall);
        GcLogHeap gc = new GcLogHeap();
        if (Files.exists(gcLog)) {
            String text = Files.readString(gcLog, java.nio.charset.StandardCharsets.UTF_8);
            gc.read(text.substring((int) Math.min(gcOffset, text.length())));
        }
        heapPeak = Math.max(heapPeak, gc.peakBeforeBytes());
        progress.accept(String.format(java.util.Locale.ROOT, "CPU %.1f %% of one core, heap peak %.1f MiB; killing "
                + "one agent", cpu * 100, heapPeak / 1048576.0));

        String victim = ScaleNames.hostId(settings.agents() / 2);
        agents.send("kill " + victim);
        ChildProcess.Line killed = agents.await("killed " + victim, l -> l.startsWith("killed " + victim + " "),
                10 * SECOND);
        long lastBeat = killed.receivedNanos() - Long.parseLong(field(killed.text(), "lastHeartbeatAgoNanos"));
        long wait = timers.recoveryStartNanos() + 30 * SECOND;
        ChildProcess.Line suspected = coordinator.await("HOST_SUSPECTED " + victim,
                l -> l.startsWith("event HOST_SUSPECTED " + victim + " "), wait);
        ChildProcess.Line lost = coordinator.await("HOST_LOST " + victim,
                l -> l.startsWith("event HOST_LOST " + victim + " "), wait);
        String state = hostState(httpPort, victim);
        if (!"LOST".equals(state)) {
            throw new IOException("coordinator announced " + victim + " LOST, but its status says " + state);
        }
        progress.accept(victim + " declared LOST; status confirms it");
        return new ScaleReport(settings.agents(), settings.guestsPerAgent(), wall / 1e9, cpu, heapPeak,
                gc.maxAfterBytes(), gc.collections(), suspicions, victim,
                (suspected.receivedNanos() - lastBeat) / 1e9, (lost.receivedNanos() - lastBeat) / 1e9,
                Long.parseLong(field(lost.text(), "silenceNanos")) / 1e9,
                Integer.parseInt(field(lost.text(), "agreeing")), timers.leaseTtlNanos() / 1e9);
    }

    private void awaitProtected(int httpPort, int hosts, int guests, long timeoutNanos) throws IOException,
            InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        String last = "no status yet";
        while (System.nanoTime() < deadline) {
            JsonObject status;
            try {
                status = status(httpPort);
            } catch (java.net.http.HttpTimeoutException slow) {
                // A busy coordinator renders 10,000 guests slowly on a loaded machine: ask again.
                last = "GET /api/v1/status timed out";
                continue;
            }
            JsonArray h = status.getJsonArray("hosts");
            long up = h.stream().filter(o -> "UP".equals(((JsonObject) o).getString("state"))
                    && ((JsonObject) o).getString("hypervisorKind") != null).count();
            int protectedGuests = status.getJsonArray("guests").size();
            if (up == hosts && protectedGuests == guests) {
                return;
            }
            last = up + " of " + hosts + " hosts UP with facts, " + protectedGuests + " of " + guests
                    + " guests protected";
            // Rendering 10,000 guests takes the coordinator's event loop 1-4 s: ask rarely.
            Thread.sleep(5000);
        }
        throw new IOException("coordinator on port " + httpPort + ": not ready within " + timeoutNanos / SECOND
                + " s: " + last);
    }

    private String hostState(int httpPort, String hostId) throws IOException, InterruptedException {
        return status(httpPort).getJsonArray("hosts").stream().map(o -> (JsonObject) o)
                .filter(o -> hostId.equals(o.getString("hostId"))).map(o -> o.getString("state")).findFirst()
                .orElse("absent");
    }

    private JsonObject status(int httpPort) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + httpPort + "/api/v1/status");
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + uri + ": HTTP " + response.statusCode());
        }
        return new JsonObject(response.body());
    }

    /** The value of {@code key=value} in a control line. */
    static String field(String line, String key) throws IOException {
        for (String part : line.split(" ")) {
            if (part.startsWith(key + "=")) {
                return part.substring(key.length() + 1);
            }
        }
        throw new IOException("no " + key + "= in '" + line + "'");
    }
}
