package io.lifeboat.storage.replication.internal;

import io.vertx.core.buffer.Buffer;

/**
 * Frame layout of the replication link: type (1 byte), payload length (4 bytes, big-endian), payload. Before
 * authentication a peer may send only frames of at most {@link #MAX_PREAUTH} bytes.
 */
public final class Frames {

    /** Protocol major version; a peer with another major version is refused. */
    public static final int VERSION = 1;

    public static final byte HELLO = 1;
    public static final byte CHALLENGE = 2;
    public static final byte AUTH = 3;
    public static final byte READY = 4;
    public static final byte OFFER = 5;
    public static final byte ENTRIES = 6;
    public static final byte OFFER_END = 7;
    public static final byte NEED = 8;
    public static final byte NEED_END = 9;
    public static final byte CHUNK = 10;
    public static final byte DONE = 11;
    public static final byte COMMITTED = 12;
    public static final byte ERROR = 13;

    public static final int HEADER = 5;
    public static final int MAX_PREAUTH = 64;
    public static final int MAX_FRAME = 8 << 20;
    /** Chunk-list entries per ENTRIES frame: grain index (8) and id (32). */
    public static final int ENTRIES_PER_FRAME = 65536;
    /** Ordinals per NEED frame. */
    public static final int NEEDS_PER_FRAME = 262144;

    private Frames() {
    }

    /** A frame with {@code payload}. */
    public static Buffer frame(byte type, Buffer payload) {
        return Buffer.buffer(HEADER + payload.length()).appendByte(type).appendInt(payload.length())
                .appendBuffer(payload);
    }

    /** A frame without payload. */
    public static Buffer empty(byte type) {
        return Buffer.buffer(HEADER).appendByte(type).appendInt(0);
    }

    /** The name of a frame type, for messages. */
    public static String name(byte type) {
        return switch (type) {
            case HELLO -> "HELLO";
            case CHALLENGE -> "CHALLENGE";
            case AUTH -> "AUTH";
            case READY -> "READY";
            case OFFER -> "OFFER";
            case ENTRIES -> "ENTRIES";
            case OFFER_END -> "OFFER_END";
            case NEED -> "NEED";
            case NEED_END -> "NEED_END";
            case CHUNK -> "CHUNK";
            case DONE -> "DONE";
            case COMMITTED -> "COMMITTED";
            case ERROR -> "ERROR";
            default -> "type " + (type & 0xff);
        };
    }
}
