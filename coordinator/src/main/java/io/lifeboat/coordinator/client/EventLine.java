package io.lifeboat.coordinator.client;

import java.util.ArrayList;
import java.util.List;

import io.vertx.core.json.JsonObject;

/** One event of the REST API as one line of text: time, type, host/guest, what happened. */
final class EventLine {

    private EventLine() {
    }

    /** The event's id (the paging cursor), or null. */
    static String id(JsonObject event) {
        return Fields.text(event, "id", "eventId");
    }

    /** The event's type, or null. */
    static String type(JsonObject event) {
        return Fields.text(event, "type", "kind");
    }

    /** The guest the event is about, or null. */
    static String guestId(JsonObject event) {
        return Fields.text(event, "guestId");
    }

    /** Renders {@code event}. */
    static String render(JsonObject event) {
        List<String> parts = new ArrayList<>();
        parts.add(Fields.orDash(Fields.text(event, "at", "time", "timestamp")));
        parts.add(Fields.orDash(type(event)));
        String host = Fields.text(event, "hostId", "sourceHostId", "targetHostId");
        String guest = Fields.text(event, "guestName", "guestId");
        String who = (host == null ? "" : "host=" + host) + (host != null && guest != null ? " " : "")
                + (guest == null ? "" : "guest=" + guest);
        parts.add(who.isEmpty() ? "-" : who);
        String text = Fields.text(event, "text", "summary", "message", "detail", "description");
        if (text != null) {
            parts.add(text);
        }
        String user = Fields.text(event, "user");
        if (user != null) {
            parts.add("(by " + user + ")");
        }
        return String.join("  ", parts);
    }

    /** Whether {@code a} comes after {@code b} as cursors: numerically when both are numbers, else as text. */
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
