package io.lifeboat.coordinator.cluster;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import io.vertx.core.json.JsonObject;

/**
 * What a follower coordinator, a voter like the leader, tells the leader every heartbeat interval: the hosts it has
 * not heard from for longer than that interval, with how long; a host it leaves out was heard. The leader counts these
 * as that coordinator's votes when it decides whether a host is lost (DESIGN.md, "Who may run a guest").
 *
 * @param coordinatorId the follower's node id
 * @param silentNanosByHost host id to the time since the follower last heard from it, by its own monotonic clock
 */
public record SilenceReport(String coordinatorId, Map<String, Long> silentNanosByHost) {

    /** Creates the report, copying the map. */
    public SilenceReport {
        Objects.requireNonNull(coordinatorId, "coordinatorId");
        silentNanosByHost = Map.copyOf(silentNanosByHost);
    }

    /** The clustered event-bus address the followers of cluster {@code clusterName} publish their reports on. */
    public static String address(String clusterName) {
        return "lifeboat.cluster." + clusterName + ".silence";
    }

    /** The report as the JSON published on the event bus. */
    public JsonObject toJson() {
        JsonObject silent = new JsonObject();
        silentNanosByHost.forEach(silent::put);
        return new JsonObject().put("from", coordinatorId).put("silentNanos", silent);
    }

    /**
     * Reads a published report.
     *
     * @throws IllegalArgumentException naming the field when the JSON is not a report
     */
    public static SilenceReport fromJson(JsonObject json) {
        Object from = json.getValue("from");
        Object silent = json.getValue("silentNanos");
        if (!(from instanceof String id) || id.isEmpty() || !(silent instanceof JsonObject hosts)) {
            throw new IllegalArgumentException("silence report without a 'from' coordinator id or a 'silentNanos' "
                    + "object: " + json.encode());
        }
        Map<String, Long> out = new LinkedHashMap<>();
        for (String host : hosts.fieldNames()) {
            if (!(hosts.getValue(host) instanceof Number n) || n.longValue() < 0) {
                throw new IllegalArgumentException("silence report of " + id + ": silentNanos." + host
                        + " is not a non-negative number: " + hosts.getValue(host));
            }
            out.put(host, n.longValue());
        }
        return new SilenceReport(id, out);
    }
}
