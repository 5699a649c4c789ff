package io.lifeboat.coordinator.client;

import java.util.Locale;

import io.vertx.core.json.JsonObject;

/** Reads the fields of the REST API's JSON documents, and formats durations for people. */
final class Fields {

    private Fields() {
    }

    /** The first of {@code keys} that holds a non-null value, as text, or null. */
    static String text(JsonObject o, String... keys) {
        for (String key : keys) {
            Object v = o.getValue(key);
            if (v != null && !(v instanceof JsonObject) && !(v instanceof io.vertx.core.json.JsonArray)) {
                return v.toString();
            }
        }
        return null;
    }

    /** The first of {@code keys} that holds a number, or null. */
    static Double number(JsonObject o, String... keys) {
        for (String key : keys) {
            if (o.getValue(key) instanceof Number n) {
                return n.doubleValue();
            }
        }
        return null;
    }

    /** The first of {@code keys} that holds an object, or null. */
    static JsonObject object(JsonObject o, String... keys) {
        for (String key : keys) {
            if (o.getValue(key) instanceof JsonObject j) {
                return j;
            }
        }
        return null;
    }

    /** {@code text} or a dash when it is null or empty. */
    static String orDash(String text) {
        return text == null || text.isEmpty() ? "-" : text;
    }

    /** A duration in seconds as people read it: {@code 42 s}, {@code 14 min}, {@code 3.5 h}, {@code 2.0 d}. */
    static String human(Double seconds) {
        if (seconds == null) {
            return "-";
        }
        double s = seconds;
        if (s < 10) {
            return String.format(Locale.ROOT, "%.1f s", s);
        }
        if (s < 120) {
            return String.format(Locale.ROOT, "%.0f s", s);
        }
        if (s < 7200) {
            return String.format(Locale.ROOT, "%.0f min", s / 60);
        }
        if (s < 172_800) {
            return String.format(Locale.ROOT, "%.1f h", s / 3600);
        }
        return String.format(Locale.ROOT, "%.1f d", s / 86_400);
    }
}
