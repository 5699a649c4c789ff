package io.lifeboat.coordinator.metrics;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The coordinator's Prometheus metrics (Micrometer), every name prefixed {@code lifeboat_}: replication bytes and
 * seconds and heartbeats per host, counted from the agents' envelopes; failovers and their RTO/RPO, counted from
 * journaled records; per-guest restore point age, RPO and state, hosts by state, read from a status document at each
 * scrape; drills (issue 8 feeds them); and the JVM's heap, GC, threads and CPU. Feed it and scrape it on the
 * coordinator's event loop.
 */
public final class LifeboatMetrics implements AutoCloseable {

    /** The content type of {@link #scrape}: the Prometheus text exposition format 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final List<String> HOST_STATES = List.of("UP", "SUSPECTED", "LOST", "FENCED", "MAINTENANCE");
    private static final List<String> GUEST_STATES = List.of("UNPROTECTED", "PROTECTED", "AT_RISK", "FAILING_OVER",
            "FAILED_OVER", "FAILING_BACK");

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc;
    private final Map<String, Counter> heartbeats = new HashMap<>();
    private final Map<String, GuestReplication> replication = new HashMap<>();
    private final Timer failoverRto;
    private final Timer failoverRpo;
    private final MultiGauge hostsByState;
    private final MultiGauge hostUp;
    private final MultiGauge guestsByState;
    private final MultiGauge pointAge;
    private final MultiGauge rpo;
    private final MultiGauge inFlight;
    private final MultiGauge backupFailures;
    private final MultiGauge lastRto;
    private final MultiGauge lastRpo;
    private final double[] epoch = {0};
    private final long[] failovers = {0};
    private final long[] guestsFailedOver = {0};

    /** Metrics whose journal-record counter reads {@code journalRecords}. */
    public LifeboatMetrics(LongSupplier journalRecords) {
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

        Gauge.builder("lifeboat.coordinator.epoch", epoch, e -> e[0]).description("Current coordinator epoch.")
                .register(registry);
        FunctionCounter.builder("lifeboat.journal.records", journalRecords, s -> s.getAsLong())
                .description("Journal records replayed at start and appended since.").register(registry);
        FunctionCounter.builder("lifeboat.failovers", failovers, f -> f[0])
                .description("Failover operations started (one per lost host), from the journaled state.")
                .register(registry);
        FunctionCounter.builder("lifeboat.guests.failed.over", guestsFailedOver, f -> f[0])
                .description("Guests recovered and verified on their standby, from the journaled state.")
                .register(registry);
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

        hostsByState = MultiGauge.builder("lifeboat.hosts").description("Hosts by state.").register(registry);
        hostUp = MultiGauge.builder("lifeboat.host.up").description("1 when the host is UP, 0 otherwise.")
                .register(registry);
        guestsByState = MultiGauge.builder("lifeboat.guests").description("Protected guests by state.")
                .register(registry);
        pointAge = MultiGauge.builder("lifeboat.restore.point.age").baseUnit("seconds")
                .description("Age of each guest's newest verified restore point (its RPO age).").register(registry);
        rpo = MultiGauge.builder("lifeboat.rpo").baseUnit("seconds")
                .description("Each guest's recovery point objective.").register(registry);
        inFlight = MultiGauge.builder("lifeboat.backup.in.flight").description("1 while a backup of the guest runs.")
                .register(registry);
        backupFailures = MultiGauge.builder("lifeboat.backup.consecutive.failures")
                .description("Backups of the guest that failed in a row.").register(registry);
        lastRto = MultiGauge.builder("lifeboat.last.failover.rto").baseUnit("seconds")
                .description("Achieved RTO of the latest verified recovery.").register(registry);
        lastRpo = MultiGauge.builder("lifeboat.last.failover.rpo").baseUnit("seconds")
                .description("Achieved RPO of the latest verified recovery.").register(registry);
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
     * The Prometheus text of every metric, with the per-guest and per-host gauges read from {@code status} (the
     * {@code GET /api/v1/status} document of this instant).
     */
    public String scrape(JsonObject status) {
        refresh(status);
        return registry.scrape();
    }

    /** The registry (for more binders, such as Vert.x's own metrics). */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }

    private void refresh(JsonObject status) {
        epoch[0] = status.getLong("epoch", 0L);
        JsonArray hosts = status.getJsonArray("hosts", new JsonArray());
        List<MultiGauge.Row<?>> hostRows = new ArrayList<>();
        List<MultiGauge.Row<?>> upRows = new ArrayList<>();
        Map<String, Integer> hostCounts = count(hosts, HOST_STATES);
        hostCounts.forEach((state, n) -> hostRows.add(MultiGauge.Row.of(Tags.of("state", state), n)));
        for (int i = 0; i < hosts.size(); i++) {
            JsonObject h = hosts.getJsonObject(i);
            upRows.add(MultiGauge.Row.of(Tags.of("host", h.getString("hostId")),
                    "UP".equals(h.getString("state")) ? 1 : 0));
        }
        hostsByState.register(hostRows, true);
        hostUp.register(upRows, true);

        JsonArray guests = status.getJsonArray("guests", new JsonArray());
        List<MultiGauge.Row<?>> stateRows = new ArrayList<>();
        count(guests, GUEST_STATES).forEach((state, n) -> stateRows.add(MultiGauge.Row.of(Tags.of("state", state),
                n)));
        guestsByState.register(stateRows, true);
        List<MultiGauge.Row<?>> ageRows = new ArrayList<>();
        List<MultiGauge.Row<?>> rpoRows = new ArrayList<>();
        List<MultiGauge.Row<?>> flightRows = new ArrayList<>();
        List<MultiGauge.Row<?>> failureRows = new ArrayList<>();
        for (int i = 0; i < guests.size(); i++) {
            JsonObject g = guests.getJsonObject(i);
            Tags tags = Tags.of("guest", g.getString("guestId"), "name", g.getString("name", ""));
            if (g.getValue("newestPointAgeSeconds") instanceof Number age) {
                ageRows.add(MultiGauge.Row.of(tags, age.doubleValue()));
            }
            if (g.getValue("rpoSeconds") instanceof Number seconds) {
                rpoRows.add(MultiGauge.Row.of(tags, seconds.doubleValue()));
            }
            flightRows.add(MultiGauge.Row.of(tags, Boolean.TRUE.equals(g.getValue("backupInFlight")) ? 1 : 0));
            if (g.getValue("consecutiveBackupFailures") instanceof Number n) {
                failureRows.add(MultiGauge.Row.of(tags, n));
            }
        }
        pointAge.register(ageRows, true);
        rpo.register(rpoRows, true);
        inFlight.register(flightRows, true);
        backupFailures.register(failureRows, true);

        JsonObject last = null;
        long recovered = 0;
        JsonArray operations = status.getJsonArray("failovers", new JsonArray());
        failovers[0] = operations.size();
        for (int i = 0; i < operations.size(); i++) {
            JsonArray opGuests = operations.getJsonObject(i).getJsonArray("guests", new JsonArray());
            for (int j = 0; j < opGuests.size(); j++) {
                JsonObject r = opGuests.getJsonObject(j);
                if (Boolean.TRUE.equals(r.getValue("failedOver"))) {
                    recovered++;
                    last = r;
                }
            }
        }
        guestsFailedOver[0] = recovered;
        List<MultiGauge.Row<?>> rtoRows = new ArrayList<>();
        List<MultiGauge.Row<?>> rpoAchieved = new ArrayList<>();
        if (last != null) {
            Tags tags = Tags.of("guest", last.getString("guestId"));
            if (last.getValue("rtoSeconds") instanceof Number n) {
                rtoRows.add(MultiGauge.Row.of(tags, n.doubleValue()));
            }
            if (last.getValue("rpoSeconds") instanceof Number n) {
                rpoAchieved.add(MultiGauge.Row.of(tags, n.doubleValue()));
            }
        }
        lastRto.register(rtoRows, true);
        lastRpo.register(rpoAchieved, true);
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

    private static Map<String, Integer> count(JsonArray items, List<String> states) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        states.forEach(s -> counts.put(s, 0));
        for (int i = 0; i < items.size(); i++) {
            counts.computeIfPresent(items.getJsonObject(i).getString("state", ""), (k, n) -> n + 1);
        }
        return counts;
    }

    private static Duration duration(com.google.protobuf.Duration d) {
        return Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }

    /** The replication meters of one guest. */
    private record GuestReplication(Counter read, Counter sent, Timer cycles, Counter failed) {
    }
}
