package io.lifeboat.coordinator.metrics;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.ReplicationCommitted;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;

/**
 * The coordinator's Prometheus metrics (Micrometer), every name prefixed {@code lifeboat_}: replication bytes and
 * seconds and heartbeats per host, counted from the agents' envelopes; failovers and their RTO/RPO, counted from
 * journaled records; per-guest restore point age, RPO and state, hosts by state, read from a status document at each
 * scrape ({@link StatusGauges}); drills (issue 8 feeds them); and the JVM's heap, GC, threads and CPU. Feed it on the
 * coordinator's event loop; {@link #scrape(Vertx, JsonObject)} renders the text on a worker pool.
 */
public final class LifeboatMetrics implements AutoCloseable {

    /** The content type of {@link #scrape}: the Prometheus text exposition format 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** Name of the worker pool that renders the scrape, off the event loop. */
    public static final String SCRAPE_POOL = "lifeboat-coordinator-metrics";

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc;
    private final Map<String, Counter> heartbeats = new HashMap<>();
    private final Map<String, GuestReplication> replication = new HashMap<>();
    private final Timer failoverRto;
    private final Timer failoverRpo;
    private final StatusGauges status;
    // Micrometer holds a function counter's object weakly: this field keeps the (capturing) supplier alive.
    private final LongSupplier journalRecords;
    private WorkerExecutor scrapePool;

    /** Metrics whose journal-record counter reads {@code journalRecords}. */
    public LifeboatMetrics(LongSupplier journalRecords) {
        this.journalRecords = java.util.Objects.requireNonNull(journalRecords, "journalRecords");
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(new MeterFilter() {
                    @Override
                    public Meter.Id map(Meter.Id id) {
                        return id.getName().startsWith("lifeboat.") ? id : id.withName("lifeboat." + id.getName());
                    }
                });
        new JvmMemoryMetrics().bindTo(registry);
        gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        Gauge.builder("lifeboat.jvm.heap.used", memory, m -> m.getHeapMemoryUsage().getUsed()).baseUnit("bytes")
                .description("Heap in use by the coordinator's JVM.").register(registry);

        FunctionCounter.builder("lifeboat.journal.records", this.journalRecords, s -> s.getAsLong())
                .description("Journal records replayed at start and appended since.").register(registry);
        failoverRto = Timer.builder("lifeboat.failover.rto")
                .description("Achieved recovery time of each guest failed over since the coordinator started.")
                .register(registry);
        failoverRpo = Timer.builder("lifeboat.failover.rpo")
                .description("Achieved recovery point of each guest failed over since the coordinator started.")
                .register(registry);
        for (String result : List.of("passed", "failed")) {
            Counter.builder("lifeboat.drills").tag("result", result)
                    .description("DR drills finished since the coordinator started, by result.").register(registry);
        }
        Timer.builder("lifeboat.drill.rto").description("Measured RTO of each drilled guest.").register(registry);

        status = new StatusGauges(registry);
    }

    /** Counts what an agent's envelope reports: a heartbeat, a committed or a failed replication cycle. */
    public void onEnvelope(String hostId, Envelope envelope) {
        switch (envelope.getPayloadCase()) {
            case HEARTBEAT -> heartbeats.computeIfAbsent(hostId, h -> Counter.builder("lifeboat.heartbeats")
                    .tag("host", h).description("Heartbeats received from each host's agent.").register(registry))
                    .increment();
            case REPLICATION_COMMITTED -> {
                ReplicationCommitted c = envelope.getReplicationCommitted();
                GuestReplication r = replication(c.getGuestId());
                r.read.increment(c.getBytesRead());
                r.sent.increment(c.getBytesSent());
                r.cycles.record(c.getDuration().getSeconds() * 1_000_000_000L + c.getDuration().getNanos(),
                        TimeUnit.NANOSECONDS);
            }
            case REPLICATION_FAILED -> replication(envelope.getReplicationFailed().getGuestId()).failed.increment();
            default -> {
                // Other envelopes are not metrics.
            }
        }
    }

    /** Records what a durable journal record tells: the achieved RTO and RPO of a guest failed over. */
    public void onRecord(JournalRecord record) {
        if (record.hasGuestFailedOver()) {
            failoverRto.record(duration(record.getGuestFailedOver().getRto()));
            failoverRpo.record(duration(record.getGuestFailedOver().getRpo()));
        }
    }

    /** Counts a finished drill of one guest (issue 8). */
    public void onDrillFinished(boolean passed, Duration rto) {
        registry.counter("lifeboat.drills", "result", passed ? "passed" : "failed").increment();
        if (passed) {
            registry.timer("lifeboat.drill.rto").record(rto);
        }
    }

    /**
     * The Prometheus text of every metric, with the per-guest and per-host gauges read from {@code statusDocument}
     * (the {@code GET /api/v1/status} document of this instant), rendered on the calling thread.
     */
    public String scrape(JsonObject statusDocument) {
        status.update(statusDocument);
        return registry.scrape();
    }

    /**
     * Like {@link #scrape(JsonObject)}, but only the gauges' values are taken on the calling thread (the coordinator's
     * event loop, where the status document is read); the text, which takes long for thousands of guests, is
     * rendered on the {@value #SCRAPE_POOL} worker pool.
     */
    public Future<String> scrape(Vertx vertx, JsonObject statusDocument) {
        status.update(statusDocument);
        if (scrapePool == null) {
            scrapePool = vertx.createSharedWorkerExecutor(SCRAPE_POOL, 1);
        }
        return scrapePool.executeBlocking(registry::scrape, false);
    }

    /** The registry (for more binders, such as Vert.x's own metrics). */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        if (scrapePool != null) {
            scrapePool.close();
        }
        gc.close();
        registry.close();
    }

    private GuestReplication replication(String guestId) {
        return replication.computeIfAbsent(guestId, g -> new GuestReplication(
                Counter.builder("lifeboat.replication.read").baseUnit("bytes").tag("guest", g)
                        .description("Bytes read from each guest's frozen disks by committed replication cycles.")
                        .register(registry),
                Counter.builder("lifeboat.replication.sent").baseUnit("bytes").tag("guest", g)
                        .description("Bytes each guest's committed replication cycles sent to the standby store.")
                        .register(registry),
                Timer.builder("lifeboat.replication").tag("guest", g)
                        .description("Wall time of each committed replication cycle, snapshot to commit.")
                        .register(registry),
                Counter.builder("lifeboat.replication.failures").tag("guest", g)
                        .description("Replication cycles that failed.").register(registry)));
    }

    private static Duration duration(com.google.protobuf.Duration d) {
        return Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }

    /** The replication meters of one guest. */
    private record GuestReplication(Counter read, Counter sent, Timer cycles, Counter failed) {
    }
}
