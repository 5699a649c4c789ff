package io.lifeboat.coordinator.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * One event of the REST API ({@code {id, type, at, hostId, guestId, data}}) as one line of text: time, type,
 * host/guest, what happened.
 */
final class EventLine {

    /** Fields of {@code data} that the line shows elsewhere or that only add noise. */
    private static final Set<String> SHOWN_ELSEWHERE = Set.of("hostId", "guestId", "operationId", "step", "detail",
            "failure", "message", "remoteAddress", "cycleId");

    private EventLine() {
    }

    /** The event's id (the paging cursor), or null. */
    static String id(JsonObject event) {
        return Fields.text(event, "id");
    }

    /** The event's type ({@code HostLost}, {@code FailoverStepCompleted}, {@code Audit}, ...), or null. */
    static String type(JsonObject event) {
        return Fields.text(event, "type");
    }

    /** The guest the event is about, or null. */
    static String guestId(JsonObject event) {
        return Fields.text(event, "guestId");
    }

    /** The event's fields ({@code data}), empty when it has none. */
    static JsonObject data(JsonObject event) {
        JsonObject data = Fields.object(event, "data");
        return data == null ? new JsonObject() : data;
    }

    /** What happened, in a few words: the step, the detail, the failure, then the other fields as key=value. */
    static String text(JsonObject event) {
        JsonObject data = data(event);
        List<String> parts = new ArrayList<>();
        String step = Fields.text(data, "step");
        if (step != null) {
            parts.add(step);
        }
        String detail = Fields.text(data, "detail", "message");
        if (detail != null && !detail.isEmpty()) {
            parts.add(detail);
        }
        JsonObject failure = Fields.object(data, "failure");
        if (failure != null) {
            parts.add("failure: " + Fields.orDash(Fields.text(failure, "message", "code")));
        }
        for (String key : data.fieldNames()) {
            Object v = data.getValue(key);
            if (SHOWN_ELSEWHERE.contains(key) || v == null || v instanceof JsonObject) {
                continue;
            }
            parts.add(key + "=" + (v instanceof JsonArray a ? String.join(",", a.stream().map(String::valueOf)
                    .toList()) : v));
        }
        return String.join(", ", parts);
    }

    /** Renders {@code event} as one line. */
    static String render(JsonObject event) {
        List<String> parts = new ArrayList<>();
        parts.add(Fields.orDash(Fields.text(event, "at")));
        parts.add(Fields.orDash(type(event)));
        String host = Fields.text(event, "hostId");
        String guest = guestId(event);
        String who = (host == null ? "" : "host=" + host) + (host != null && guest != null ? " " : "")
                + (guest == null ? "" : "guest=" + guest);
        parts.add(who.isEmpty() ? "-" : who);
        String text = text(event);
        if (!text.isEmpty()) {
            parts.add(text);
        }
        return String.join("  ", parts);
    }

    /** Whether {@code a} comes after {@code b} as cursors: numerically when both are numbers, else when different. */
    static boolean after(String a, String b) {
        if (b == null) {
            return true;
        }
        if (a == null) {
            return false;
        }
        try {
            return Long.parseLong(a) > Long.parseLong(b);
        } catch (NumberFormatException notNumbers) {
            return !a.equals(b);
        }
    }
}
