package io.lifeboat.coordinator.failover;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;

import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.Envelope;

/** Builds command envelopes and reads or replaces the header every command payload carries. */
public final class Commands {

    private Commands() {
    }

    /** A UUID derived from {@code name}: the same name always yields the same id, so replays are idempotent. */
    public static String stableId(String name) {
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** Wraps a command payload (already holding its header) in an envelope from {@code nodeId} at {@code epoch}. */
    public static Envelope envelope(String nodeId, long epoch, Message payload) {
        Envelope.Builder envelope = Envelope.newBuilder().setSender(nodeId).setEpoch(epoch);
        FieldDescriptor field = payloadField(payload);
        envelope.setField(field, payload);
        String commandId = header(payload).getCommandId();
        return envelope.setMessageId(stableId(commandId + "@" + epoch)).build();
    }

    /** The command id of a command envelope, or empty when the envelope carries no command. */
    public static Optional<String> commandId(Envelope envelope) {
        return payload(envelope).map(p -> header(p).getCommandId());
    }

    /** The same command (same command id) carried at another epoch, for a resend by a newer coordinator. */
    public static Envelope atEpoch(Envelope envelope, long epoch) {
        Message payload = payload(envelope).orElseThrow(() -> new IllegalArgumentException(
                "envelope " + envelope.getMessageId() + " carries no command"));
        FieldDescriptor headerField = payload.getDescriptorForType().findFieldByName("header");
        CommandHeader header = header(payload).toBuilder().setEpoch(epoch).build();
        Message moved = payload.toBuilder().setField(headerField, header).build();
        Envelope.Builder out = envelope.toBuilder().setEpoch(epoch)
                .setMessageId(stableId(header.getCommandId() + "@" + epoch));
        out.setField(payloadField(moved), moved);
        return out.build();
    }

    private static Optional<Message> payload(Envelope envelope) {
        FieldDescriptor field = envelope.getOneofFieldDescriptor(Envelope.getDescriptor().getOneofs().get(0));
        if (field == null || field.getMessageType().findFieldByName("header") == null) {
            return Optional.empty();
        }
        return Optional.of((Message) envelope.getField(field));
    }

    private static CommandHeader header(Message payload) {
        FieldDescriptor field = payload.getDescriptorForType().findFieldByName("header");
        if (field == null || !(payload.getField(field) instanceof CommandHeader header)) {
            throw new IllegalArgumentException(payload.getDescriptorForType().getName() + " has no command header");
        }
        return header;
    }

    private static FieldDescriptor payloadField(Message payload) {
        for (FieldDescriptor field : Envelope.getDescriptor().getOneofs().get(0).getFields()) {
            if (field.getMessageType().equals(payload.getDescriptorForType())) {
                return field;
            }
        }
        throw new IllegalArgumentException(payload.getDescriptorForType().getName() + " is not an envelope payload");
    }
}
