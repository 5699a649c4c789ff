package io.lifeboat.protocol;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Message;
import io.lifeboat.protocol.v1.Envelope;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Builds protobuf messages with every field set to a non-default value, and finds fields left at their default. */
final class MessageSamples {

    static final String GUEST_ID = "3f8e2a6c-1d4b-4c9e-9a57-0b6f2d8c4e11";

    private MessageSamples() {
    }

    /** The fields of the Envelope payload oneof, i.e. every message type that can travel. */
    static List<FieldDescriptor> payloadFields() {
        OneofDescriptor payload = Envelope.getDescriptor().getOneofs().stream()
                .filter(o -> o.getName().equals("payload"))
                .findFirst()
                .orElseThrow();
        return payload.getFields();
    }

    /** An envelope with every header field and the given payload fully populated. */
    static Envelope envelopeWith(FieldDescriptor payloadField) {
        Envelope.Builder builder = Envelope.newBuilder();
        populate(builder, 0);
        builder.setField(payloadField, populate(builder.newBuilderForField(payloadField), 1));
        return builder.build();
    }

    /** Sets every field of {@code builder} (the first member of each oneof) to a non-default value. */
    static Message populate(Message.Builder builder, int depth) {
        if (depth > 8) {
            throw new IllegalStateException("schema nests deeper than 8 levels at "
                    + builder.getDescriptorForType().getFullName());
        }
        for (FieldDescriptor field : builder.getDescriptorForType().getFields()) {
            OneofDescriptor oneof = field.getRealContainingOneof();
            if (oneof != null && oneof.getField(0) != field) {
                continue;
            }
            if (field.isRepeated()) {
                builder.addRepeatedField(field, value(builder, field, 0, depth));
                builder.addRepeatedField(field, value(builder, field, 1, depth));
            } else {
                builder.setField(field, value(builder, field, 0, depth));
            }
        }
        return builder.build();
    }

    private static Object value(Message.Builder builder, FieldDescriptor field, int index, int depth) {
        int n = field.getNumber();
        switch (field.getJavaType()) {
            case INT:
                return n + 1 + index;
            case LONG:
                return 1_000L * n + 7 + index;
            case FLOAT:
                return n + 0.5f;
            case DOUBLE:
                return n + 0.25d;
            case BOOLEAN:
                return true;
            case STRING:
                return stringFor(field.getName(), index);
            case BYTE_STRING:
                return ByteString.copyFromUtf8(field.getName() + "#" + index);
            case ENUM:
                EnumDescriptor type = field.getEnumType();
                return type.getValues().get(type.getValues().size() - 1);
            case MESSAGE:
                return populate(builder.newBuilderForField(field), depth + 1);
            default:
                throw new IllegalStateException("unhandled field type " + field.getJavaType() + " of "
                        + field.getFullName());
        }
    }

    private static String stringFor(String fieldName, int index) {
        if (fieldName.equals("guest_id") || fieldName.endsWith("guest_ids")) {
            return index == 0 ? GUEST_ID : UUID.nameUUIDFromBytes(new byte[] {(byte) index}).toString();
        }
        if (fieldName.endsWith("point_id")) {
            return GUEST_ID + "/20261130T0900" + (10 + index) + "Z";
        }
        return fieldName + "-" + index;
    }

    /** Paths of every field of {@code message} (recursively) that is left at its default value. */
    static List<String> defaultFields(Message message) {
        List<String> found = new ArrayList<>();
        collectDefaults(message, message.getDescriptorForType().getName(), found);
        return found;
    }

    private static void collectDefaults(Message message, String path, List<String> found) {
        for (OneofDescriptor oneof : message.getDescriptorForType().getRealOneofs()) {
            if (!message.hasOneof(oneof)) {
                found.add(path + "." + oneof.getName());
            }
        }
        for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
            String fieldPath = path + "." + field.getName();
            if (field.getRealContainingOneof() != null && !message.hasField(field)) {
                continue;
            }
            if (field.isRepeated()) {
                int count = message.getRepeatedFieldCount(field);
                if (count == 0) {
                    found.add(fieldPath);
                }
                for (int i = 0; i < count; i++) {
                    Object element = message.getRepeatedField(field, i);
                    if (element instanceof Message) {
                        collectDefaults((Message) element, fieldPath + "[" + i + "]", found);
                    }
                }
            } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                if (!message.hasField(field)) {
                    found.add(fieldPath);
                } else {
                    collectDefaults((Message) message.getField(field), fieldPath, found);
                }
            } else if (message.getField(field).equals(field.getDefaultValue())) {
                found.add(fieldPath);
            }
        }
    }
}
