package io.lifeboat.coordinator.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The gauges read from the coordinator's status document: hosts and guests by state, each host's UP flag, each
 * guest's restore point age, RPO, backup in flight and failures in a row, failovers and the latest RTO/RPO. Each gauge
 * is registered once, when its host or guest first appears, over a value holder that {@link #update} overwrites, and
 * removed when it leaves the document: an update registers nothing for a site that did not change, so that it stays
 * cheap on the event loop with thousands of guests, and a scrape may read the holders from another thread.
 */
final class StatusGauges {

    private static final List<String> HOST_STATES = List.of("UP", "SUSPECTED", "LOST", "FENCED", "MAINTENANCE");
    private static final List<String> GUEST_STATES = List.of("UNPROTECTED", "PROTECTED", "AT_RISK", "FAILING_OVER",
            "FAILED_OVER", "FAILING_BACK");

    private final MeterRegistry registry;
    private final Map<String, Value> hostsByState = new LinkedHashMap<>();
    private final Map<String, Value> guestsByState = new LinkedHashMap<>();
    private final Map<String, Value> hostUp = new HashMap<>();
    private final Map<String, GuestValues> guests = new HashMap<>();
    private final Map<String, Meter> hostMeters = new HashMap<>();
    private final Value epoch = new Value();
    private final Value failovers = new Value();
    private final Value guestsFailedOver = new Value();
    private String lastGuest;
    private final Value lastRto = new Value();
    private final Value lastRpo = new Value();
    private final List<Meter> lastMeters = new ArrayList<>();

    /** A number a gauge reads; written on the event loop, read by the scrape. */
    static final class Value {
        volatile double value;

        double get() {
            return value;
        }
    }

    /** The gauges of one guest and the values they read. */
    private static final class GuestValues {
        final String name;
        final Value age = new Value();
        final Value rpo = new Value();
        final Value inFlight = new Value();
        final Value failures = new Value();
        final List<Meter> meters = new ArrayList<>();
        Meter ageMeter;

        GuestValues(String name) {
            this.name = name;
        }
    }

    StatusGauges(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("lifeboat.coordinator.epoch", epoch, Value::get).description("Current coordinator epoch.")
                .register(registry);
        FunctionCounter.builder("lifeboat.failovers", failovers, Value::get)
                .description("Failover operations started (one per lost host), from the journaled state.")
                .register(registry);
        FunctionCounter.builder("lifeboat.guests.failed.over", guestsFailedOver, Value::get)
                .description("Guests recovered and verified on their standby, from the journaled state.")
                .register(registry);
        for (String state : HOST_STATES) {
            Value v = new Value();
            hostsByState.put(state, v);
            Gauge.builder("lifeboat.hosts", v, Value::get).tag("state", state).description("Hosts by state.")
                    .register(registry);
        }
        for (String state : GUEST_STATES) {
            Value v = new Value();
            guestsByState.put(state, v);
            Gauge.builder("lifeboat.guests", v, Value::get).tag("state", state)
                    .description("Protected guests by state.").register(registry);
        }
    }

    /** Takes the values of {@code status} (the {@code GET /api/v1/status} document). */
    void update(JsonObject status) {
        epoch.value = status.getLong("epoch", 0L);
        JsonArray hosts = status.getJsonArray("hosts", new JsonArray());
        countStates(hosts, hostsByState);
        Set<String> seenHosts = new HashSet<>();
        for (int i = 0; i < hosts.size(); i++) {
            JsonObject h = hosts.getJsonObject(i);
            String hostId = h.getString("hostId");
            seenHosts.add(hostId);
            hostUp.computeIfAbsent(hostId, id -> {
                Value v = new Value();
                hostMeters.put(id, Gauge.builder("lifeboat.host.up", v, Value::get).tag("host", id)
                        .description("1 when the host is UP, 0 otherwise.").register(registry));
                return v;
            }).value = "UP".equals(h.getString("state")) ? 1 : 0;
        }
        for (String gone : new ArrayList<>(hostUp.keySet())) {
            if (!seenHosts.contains(gone)) {
                hostUp.remove(gone);
                registry.remove(hostMeters.remove(gone));
            }
        }

        JsonArray list = status.getJsonArray("guests", new JsonArray());
        countStates(list, guestsByState);
        Set<String> seenGuests = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonObject g = list.getJsonObject(i);
            String guestId = g.getString("guestId");
            String name = g.getString("name", "");
            seenGuests.add(guestId);
            GuestValues v = guests.get(guestId);
            if (v != null && !v.name.equals(name)) {
                remove(guestId);
                v = null;
            }
            if (v == null) {
                v = register(guestId, name);
            }
            if (g.getValue("newestPointAgeSeconds") instanceof Number age) {
                v.age.value = age.doubleValue();
                if (v.ageMeter == null) {
                    v.ageMeter = Gauge.builder("lifeboat.restore.point.age", v.age, Value::get)
                            .tags(Tags.of("guest", guestId, "name", name))
                            .baseUnit("seconds")
                            .description("Age of each guest's newest verified restore point (its RPO age).")
                            .register(registry);
                }
            } else if (v.ageMeter != null) {
                registry.remove(v.ageMeter);
                v.ageMeter = null;
            }
            v.rpo.value = g.getValue("rpoSeconds") instanceof Number n ? n.doubleValue() : Double.NaN;
            v.inFlight.value = Boolean.TRUE.equals(g.getValue("backupInFlight")) ? 1 : 0;
            v.failures.value = g.getValue("consecutiveBackupFailures") instanceof Number n ? n.doubleValue() : 0;
        }
        for (String gone : new ArrayList<>(guests.keySet())) {
            if (!seenGuests.contains(gone)) {
                remove(gone);
            }
        }

        JsonObject last = null;
        long recovered = 0;
        JsonArray operations = status.getJsonArray("failovers", new JsonArray());
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
        failovers.value = operations.size();
        guestsFailedOver.value = recovered;
        lastFailover(last);
    }

    private GuestValues register(String guestId, String name) {
        GuestValues v = new GuestValues(name);
        Tags tags = Tags.of("guest", guestId, "name", name);
        v.meters.add(Gauge.builder("lifeboat.rpo", v.rpo, Value::get).tags(tags).baseUnit("seconds")
                .description("Each guest's recovery point objective.").register(registry));
        v.meters.add(Gauge.builder("lifeboat.backup.in.flight", v.inFlight, Value::get).tags(tags)
                .description("1 while a backup of the guest runs.").register(registry));
        v.meters.add(Gauge.builder("lifeboat.backup.consecutive.failures", v.failures, Value::get).tags(tags)
                .description("Backups of the guest that failed in a row.").register(registry));
        guests.put(guestId, v);
        return v;
    }

    private void remove(String guestId) {
        GuestValues v = guests.remove(guestId);
        v.meters.forEach(registry::remove);
        if (v.ageMeter != null) {
            registry.remove(v.ageMeter);
        }
    }

    private void lastFailover(JsonObject last) {
        String guest = last == null ? null : last.getString("guestId");
        if (guest != null && last.getValue("rtoSeconds") instanceof Number rto) {
            lastRto.value = rto.doubleValue();
        }
        if (guest != null && last.getValue("rpoSeconds") instanceof Number rpo) {
            lastRpo.value = rpo.doubleValue();
        }
        if (java.util.Objects.equals(guest, lastGuest)) {
            return;
        }
        lastMeters.forEach(registry::remove);
        lastMeters.clear();
        lastGuest = guest;
        if (guest == null) {
            return;
        }
        if (last.getValue("rtoSeconds") != null) {
            lastMeters.add(Gauge.builder("lifeboat.last.failover.rto", lastRto, Value::get).tag("guest", guest)
                    .baseUnit("seconds").description("Achieved RTO of the latest verified recovery.")
                    .register(registry));
        }
        if (last.getValue("rpoSeconds") != null) {
            lastMeters.add(Gauge.builder("lifeboat.last.failover.rpo", lastRpo, Value::get).tag("guest", guest)
                    .baseUnit("seconds").description("Achieved RPO of the latest verified recovery.")
                    .register(registry));
        }
    }

    private static void countStates(JsonArray items, Map<String, Value> byState) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            counts.merge(items.getJsonObject(i).getString("state", ""), 1, Integer::sum);
        }
        byState.forEach((state, v) -> v.value = counts.getOrDefault(state, 0));
    }
}
