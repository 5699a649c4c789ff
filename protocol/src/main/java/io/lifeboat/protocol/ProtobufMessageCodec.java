package io.lifeboat.protocol;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.lifeboat.protocol.v1.Envelope;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Event-bus codec for any protobuf {@link Message}; the wire form is the message's full type name followed by its
 * serialized bytes.
 *
 * <p>Generated classes are subclasses of {@code Message}, which {@code registerDefaultCodec} (exact classes only)
 * cannot match, so the codec is chosen by a codec selector: call {@link #install(EventBus)} once per Vert.x instance.
 * Messages are immutable, so local delivery hands over the same instance.
 */
public final class ProtobufMessageCodec implements MessageCodec<Message, Message> {

    /** The codec's registered name. */
    public static final String NAME = "lifeboat.protobuf";

    private final Map<String, Message> prototypes = new ConcurrentHashMap<>();

    /** Creates a codec that knows every message type reachable from {@code lifeboat.v1.Envelope}. */
    public ProtobufMessageCodec() {
        this(List.of(Envelope.getDefaultInstance()));
    }

    /**
     * Creates a codec that knows every message type reachable from the given roots.
     *
     * @param roots default instances of the root message types
     */
    public ProtobufMessageCodec(Iterable<? extends Message> roots) {
        for (Message root : roots) {
            register(root);
        }
    }

    /**
     * Registers this codec on an event bus and makes it the codec for every protobuf message sent without an
     * explicit codec name. It replaces any codec selector set before.
     *
     * @param eventBus the event bus
     * @return the registered codec
     */
    public static ProtobufMessageCodec install(EventBus eventBus) {
        ProtobufMessageCodec codec = new ProtobufMessageCodec();
        eventBus.registerCodec(codec);
        eventBus.codecSelector(selector());
        return codec;
    }

    /**
     * The codec selector: this codec's name for protobuf messages, null (let Vert.x decide) for anything else.
     * Use it to compose with another selector.
     *
     * @return the selector
     */
    public static Function<Object, String> selector() {
        return body -> body instanceof Message ? NAME : null;
    }

    /**
     * Makes a message type, and every message type reachable from its fields, decodable.
     *
     * @param prototype any instance of the type (usually its default instance)
     * @return this codec
     */
    public ProtobufMessageCodec register(Message prototype) {
        Deque<Message> pending = new ArrayDeque<>();
        pending.add(prototype.getDefaultInstanceForType());
        while (!pending.isEmpty()) {
            Message next = pending.poll();
            Descriptor type = next.getDescriptorForType();
            if (prototypes.putIfAbsent(type.getFullName(), next) != null) {
                continue;
            }
            Message.Builder builder = next.newBuilderForType();
            for (FieldDescriptor field : type.getFields()) {
                if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                    pending.add(builder.newBuilderForField(field).getDefaultInstanceForType());
                }
            }
        }
        return this;
    }

    /** @return the full names of the message types this codec can decode */
    public Set<String> knownTypes() {
        return Set.copyOf(prototypes.keySet());
    }

    @Override
    public void encodeToWire(Buffer buffer, Message message) {
        String typeName = message.getDescriptorForType().getFullName();
        prototypes.putIfAbsent(typeName, message.getDefaultInstanceForType());
        byte[] name = typeName.getBytes(StandardCharsets.UTF_8);
        byte[] body = message.toByteArray();
        buffer.appendInt(name.length).appendBytes(name).appendInt(body.length).appendBytes(body);
    }

    @Override
    public Message decodeFromWire(int pos, Buffer buffer) {
        int nameLength = buffer.getInt(pos);
        if (nameLength < 1 || nameLength > 1024 || pos + 4 + nameLength + 4 > buffer.length()) {
            throw new IllegalArgumentException("event-bus message at offset " + pos + ": protobuf type name length "
                    + nameLength + " does not fit the " + buffer.length() + "-byte buffer");
        }
        String typeName = buffer.getString(pos + 4, pos + 4 + nameLength, StandardCharsets.UTF_8.name());
        int bodyPos = pos + 4 + nameLength;
        int bodyLength = buffer.getInt(bodyPos);
        if (bodyLength < 0 || bodyPos + 4 + (long) bodyLength > buffer.length()) {
            throw new IllegalArgumentException("event-bus message of type " + typeName + ": body length " + bodyLength
                    + " does not fit the " + buffer.length() + "-byte buffer");
        }
        Message prototype = prototypes.get(typeName);
        if (prototype == null) {
            throw new IllegalArgumentException("event-bus message of unknown protobuf type " + typeName
                    + ": register it with ProtobufMessageCodec.register");
        }
        try {
            return prototype.getParserForType().parseFrom(buffer.getBytes(bodyPos + 4, bodyPos + 4 + bodyLength));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("event-bus message of type " + typeName + ": " + bodyLength
                    + " bytes do not parse (" + e.getMessage() + ")", e);
        }
    }

    /** Returns the same instance: protobuf messages are immutable. */
    @Override
    public Message transform(Message message) {
        return message;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public byte systemCodecID() {
        return -1;
    }
}
