package io.lifeboat.coordinator.api.internal;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Turns lifeboat.v1 messages into the REST API's JSON: lowerCamel keys, durations as {@code <name>Seconds} numbers,
 * timestamps as ISO-8601 strings, enum values in UPPER_SNAKE without their type prefix, bytes left out.
 */
public final class ProtoJson {

    private ProtoJson() {
    }

    /** The JSON of {@code message}: only the fields that are set. */
    public static JsonObject of(Message message) {
        JsonObject out = new JsonObject();
        for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
            FieldDescriptor f = e.getKey();
            if (f.getType() == FieldDescriptor.Type.BYTES) {
                continue;
            }
            String name = f.getJsonName();
            if (f.isMapField()) {
                JsonObject map = new JsonObject();
                for (Object entry : (List<?>) e.getValue()) {
                    Message m = (Message) entry;
                    FieldDescriptor k = m.getDescriptorForType().findFieldByName("key");
                    FieldDescriptor v = m.getDescriptorForType().findFieldByName("value");
                    map.put(String.valueOf(m.getField(k)), value(v, m.getField(v)));
                }
                out.put(name, map);
            } else if (f.isRepeated()) {
                JsonArray list = new JsonArray();
                for (Object item : (List<?>) e.getValue()) {
                    list.add(value(f, item));
                }
                out.put(key(f, name), list);
            } else {
                out.put(key(f, name), value(f, e.getValue()));
            }
        }
        return out;
    }

    /** A {@code Duration} in seconds. */
    public static double seconds(Duration d) {
        return d.getSeconds() + d.getNanos() / 1e9;
    }

    /** A {@code Timestamp} as an instant. */
    public static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    /** An enum value's name without its type's prefix ({@code HOST_HEALTH_LOST} is {@code LOST}). */
    public static String enumName(EnumValueDescriptor v) {
        String type = v.getType().getName().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT)
                + "_";
        return v.getName().startsWith(type) ? v.getName().substring(type.length()) : v.getName();
    }

    private static String key(FieldDescriptor f, String name) {
        if (f.getType() == FieldDescriptor.Type.MESSAGE
                && f.getMessageType().getFullName().equals(Duration.getDescriptor().getFullName())) {
            return name + "Seconds";
        }
        return name;
    }

    private static Object value(FieldDescriptor f, Object v) {
        switch (f.getJavaType()) {
            case MESSAGE -> {
                if (v instanceof Duration d) {
                    return seconds(d);
                }
                if (v instanceof Timestamp t) {
                    return instant(t).toString();
                }
                return of((Message) v);
            }
            case ENUM -> {
                return enumName((EnumValueDescriptor) v);
            }
            case LONG -> {
                return (Long) v;
            }
            default -> {
                return v;
            }
        }
    }
}
