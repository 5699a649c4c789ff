package io.lifeboat.coordinator.client;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The achieved RTO and RPO of a guest's failover, as the coordinator announced them: the
 * {@code FailoverStepCompleted} event whose detail reads {@code FAILED_OVER on HOST: RPO n s, RTO m s}.
 *
 * @param targetHostId the host the guest runs on now, or null
 * @param rtoSeconds achieved recovery time, or null
 * @param rpoSeconds achieved recovery point, or null
 */
record FailoverResult(String targetHostId, Double rtoSeconds, Double rpoSeconds) {

    private static final Pattern DETAIL = Pattern.compile("FAILED_OVER on (\\S+): RPO ([0-9.]+) s, RTO ([0-9.]+) s");

    /** The result an event announces, or null when it announces none. */
    static FailoverResult of(JsonObject event) {
        if (!"FailoverStepCompleted".equals(EventLine.type(event))) {
            return null;
        }
        JsonObject data = EventLine.data(event);
        String detail = Fields.text(data, "detail");
        if (detail == null || !detail.startsWith("FAILED_OVER")) {
            return null;
        }
        Matcher m = DETAIL.matcher(detail);
        Double elapsed = Fields.number(data, "elapsedSeconds");
        if (m.find()) {
            return new FailoverResult(m.group(1), elapsed != null ? elapsed : Double.valueOf(m.group(3)),
                    Double.valueOf(m.group(2)));
        }
        return new FailoverResult(null, elapsed, null);
    }

    /** Whether an event tells that a guest's failover failed for good (a failed step that will not be retried). */
    static boolean failedForGood(JsonObject event) {
        return "FailoverStepFailed".equals(EventLine.type(event))
                && !Boolean.TRUE.equals(EventLine.data(event).getValue("willRetry"));
    }

    /** The newest result announced for {@code guestId}, or null when the coordinator's events hold none. */
    static FailoverResult newest(LifeboatClient client, String guestId) {
        FailoverResult newest = null;
        String cursor = null;
        while (true) {
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("guest", guestId);
            params.put("type", "FailoverStepCompleted");
            params.put("after", cursor);
            params.put("limit", EventsCommand.PAGE);
            JsonArray items = client.getList(LifeboatClient.withQuery("/api/v1/events", params), "events");
            String next = cursor;
            for (int i = 0; i < items.size(); i++) {
                JsonObject e = items.getJsonObject(i);
                FailoverResult r = of(e);
                if (r != null && guestId.equals(EventLine.guestId(e))) {
                    newest = r;
                }
                if (EventLine.id(e) != null) {
                    next = EventLine.id(e);
                }
            }
            if (items.size() < EventsCommand.PAGE || next == null || next.equals(cursor)) {
                return newest;
            }
            cursor = next;
        }
    }
}
