package io.lifeboat.coordinator.http;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Renders a status document ({@link StatusView}) in the Prometheus text exposition format (version 0.0.4), every
 * metric named {@code lifeboat_*}.
 */
public final class MetricsText {

    /** The content type of the exposition format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final List<String> HOST_STATES = List.of("UP", "SUSPECTED", "LOST", "FENCED", "MAINTENANCE");
    private static final List<String> GUEST_STATES = List.of("UNPROTECTED", "PROTECTED", "AT_RISK", "FAILING_OVER",
            "FAILED_OVER", "FAILING_BACK");

    private MetricsText() {
    }

    /** The metrics of {@code status}, plus the number of journal records written since the journal began. */
    public static String render(JsonObject status, long journalRecords) {
        StringBuilder out = new StringBuilder();
        gauge(out, "lifeboat_coordinator_epoch", "Current coordinator epoch.");
        sample(out, "lifeboat_coordinator_epoch", Map.of(), status.getLong("epoch"));
        counter(out, "lifeboat_journal_records_total", "Journal records replayed at start and appended since.");
        sample(out, "lifeboat_journal_records_total", Map.of(), journalRecords);

        JsonArray hosts = status.getJsonArray("hosts");
        gauge(out, "lifeboat_hosts", "Hosts by state.");
        for (String state : HOST_STATES) {
            sample(out, "lifeboat_hosts", Map.of("state", state), count(hosts, state));
        }
        gauge(out, "lifeboat_host_up", "1 when the host is UP, 0 otherwise.");
        for (int i = 0; i < hosts.size(); i++) {
            JsonObject h = hosts.getJsonObject(i);
            sample(out, "lifeboat_host_up", Map.of("host", h.getString("hostId")),
                    "UP".equals(h.getString("state")) ? 1 : 0);
        }

        JsonArray guests = status.getJsonArray("guests");
        gauge(out, "lifeboat_guests", "Protected guests by state.");
        for (String state : GUEST_STATES) {
            sample(out, "lifeboat_guests", Map.of("state", state), count(guests, state));
        }
        gauge(out, "lifeboat_restore_point_age_seconds", "Age of each guest's newest verified restore point.");
        for (int i = 0; i < guests.size(); i++) {
            JsonObject g = guests.getJsonObject(i);
            if (g.getValue("newestPointAgeSeconds") != null) {
                sample(out, "lifeboat_restore_point_age_seconds", guestLabels(g), g.getDouble("newestPointAgeSeconds"));
            }
        }
        gauge(out, "lifeboat_rpo_seconds", "Each guest's recovery point objective.");
        for (int i = 0; i < guests.size(); i++) {
            JsonObject g = guests.getJsonObject(i);
            sample(out, "lifeboat_rpo_seconds", guestLabels(g), g.getDouble("rpoSeconds"));
        }
        gauge(out, "lifeboat_backup_in_flight", "1 while a backup of the guest runs.");
        for (int i = 0; i < guests.size(); i++) {
            JsonObject g = guests.getJsonObject(i);
            sample(out, "lifeboat_backup_in_flight", guestLabels(g), g.getBoolean("backupInFlight") ? 1 : 0);
        }
        gauge(out, "lifeboat_backup_consecutive_failures", "Backups of the guest that failed in a row.");
        for (int i = 0; i < guests.size(); i++) {
            JsonObject g = guests.getJsonObject(i);
            sample(out, "lifeboat_backup_consecutive_failures", guestLabels(g),
                    g.getInteger("consecutiveBackupFailures"));
        }

        JsonArray failovers = status.getJsonArray("failovers");
        long guestsFailedOver = 0;
        JsonObject last = null;
        for (int i = 0; i < failovers.size(); i++) {
            JsonArray opGuests = failovers.getJsonObject(i).getJsonArray("guests");
            for (int j = 0; j < opGuests.size(); j++) {
                JsonObject r = opGuests.getJsonObject(j);
                if (r.getBoolean("failedOver")) {
                    guestsFailedOver++;
                    last = r;
                }
            }
        }
        counter(out, "lifeboat_failovers_total", "Failover operations started (one per lost host).");
        sample(out, "lifeboat_failovers_total", Map.of(), failovers.size());
        counter(out, "lifeboat_guests_failed_over_total", "Guests recovered and verified on their standby.");
        sample(out, "lifeboat_guests_failed_over_total", Map.of(), guestsFailedOver);
        if (last != null) {
            gauge(out, "lifeboat_last_failover_rto_seconds", "Achieved RTO of the latest verified recovery.");
            sample(out, "lifeboat_last_failover_rto_seconds", Map.of("guest", last.getString("guestId")),
                    last.getDouble("rtoSeconds"));
            if (last.getValue("rpoSeconds") != null) {
                gauge(out, "lifeboat_last_failover_rpo_seconds", "Achieved RPO of the latest verified recovery.");
                sample(out, "lifeboat_last_failover_rpo_seconds", Map.of("guest", last.getString("guestId")),
                        last.getDouble("rpoSeconds"));
            }
        }
        return out.toString();
    }

    private static Map<String, String> guestLabels(JsonObject g) {
        return Map.of("guest", g.getString("guestId"), "name", g.getString("name"));
    }

    private static long count(JsonArray items, String state) {
        long n = 0;
        for (int i = 0; i < items.size(); i++) {
            if (state.equals(items.getJsonObject(i).getString("state"))) {
                n++;
            }
        }
        return n;
    }

    private static void gauge(StringBuilder out, String name, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" gauge\n");
    }

    private static void counter(StringBuilder out, String name, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" counter\n");
    }

    private static void sample(StringBuilder out, String name, Map<String, String> labels, Number value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, String> l : new TreeMap<>(labels).entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                out.append(l.getKey()).append("=\"").append(escape(l.getValue())).append('"');
            }
            out.append('}');
        }
        out.append(' ');
        if (value instanceof Double || value instanceof Float) {
            out.append(String.format(Locale.ROOT, "%.3f", value.doubleValue()));
        } else {
            out.append(value.longValue());
        }
        out.append('\n');
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
