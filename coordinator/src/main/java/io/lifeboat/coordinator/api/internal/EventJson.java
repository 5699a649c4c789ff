package io.lifeboat.coordinator.api.internal;

import java.time.Instant;
import java.util.Optional;

import com.google.protobuf.Message;

import io.lifeboat.protocol.v1.Envelope;
import io.vertx.core.json.JsonObject;

/**
 * The REST view of a lifeboat.v1 event: {@code {id, type, at, hostId, guestId, data}} where {@code type} is the
 * event's message name ({@code HostLost}, {@code FailoverStepCompleted}, {@code Audit}, ...) and {@code data} its
 * fields. The id is set by the {@link EventLog}.
 */
public final class EventJson {

    private EventJson() {
    }

    /** The event carried by {@code envelope}, or empty when it carries a command or a link message. */
    public static Optional<JsonObject> of(Envelope envelope, Instant received) {
        int number = envelope.getPayloadCase().getNumber();
        // Events are payload numbers 32..63 (envelope.proto); links are below, commands above.
        if (number < 32 || number > 63) {
            return Optional.empty();
        }
        Message payload = (Message) envelope.getField(Envelope.getDescriptor().findFieldByNumber(number));
        JsonObject data = ProtoJson.of(payload);
        Instant at = envelope.hasTimestamp() ? ProtoJson.instant(envelope.getTimestamp()) : received;
        JsonObject out = new JsonObject().put("type", payload.getDescriptorForType().getName())
                .put("at", at.toString()).put("source", envelope.getSender());
        String host = first(data, "hostId", "lostHostId", "sourceHostId", "targetHostId");
        if (host != null) {
            out.put("hostId", host);
        }
        String guest = first(data, "guestId");
        if (guest == null && envelope.hasAudit() && !envelope.getAudit().getTarget().isEmpty()
                && java.util.Set.of("failover", "failback", "restore").contains(envelope.getAudit().getAction())) {
            guest = envelope.getAudit().getTarget();
        }
        if (guest != null) {
            out.put("guestId", guest);
        }
        return Optional.of(out.put("data", data));
    }

    private static String first(JsonObject data, String... keys) {
        for (String k : keys) {
            if (data.getValue(k) instanceof String s && !s.isEmpty()) {
                return s;
            }
        }
        return null;
    }
}
