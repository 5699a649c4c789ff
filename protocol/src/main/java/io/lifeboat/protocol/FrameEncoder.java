package io.lifeboat.protocol;

import io.lifeboat.protocol.v1.Envelope;
import io.vertx.core.buffer.Buffer;

/** Turns envelopes into length-prefixed frames, refusing any larger than the maximum frame size. */
public final class FrameEncoder {

    private final int maxFrameBytes;

    /** Creates an encoder with the default maximum of {@link FrameFormat#DEFAULT_MAX_FRAME_BYTES}. */
    public FrameEncoder() {
        this(FrameFormat.DEFAULT_MAX_FRAME_BYTES);
    }

    /**
     * Creates an encoder.
     *
     * @param maxFrameBytes largest envelope, in serialized bytes, it will encode
     */
    public FrameEncoder(int maxFrameBytes) {
        this.maxFrameBytes = FrameFormat.requireValidMax(maxFrameBytes);
    }

    /** @return the largest envelope, in serialized bytes, this encoder encodes */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /**
     * Encodes one envelope as a frame.
     *
     * @param envelope the envelope
     * @return a buffer holding the 4-byte big-endian length and the serialized envelope
     * @throws FrameException if the serialized envelope is larger than the maximum frame size
     */
    public Buffer encode(Envelope envelope) {
        int size = envelope.getSerializedSize();
        if (size > maxFrameBytes) {
            throw new FrameException("envelope " + describe(envelope) + " of " + size
                    + " bytes exceeds the maximum frame size of " + maxFrameBytes + " bytes");
        }
        byte[] frame = new byte[FrameFormat.HEADER_BYTES + size];
        frame[0] = (byte) (size >>> 24);
        frame[1] = (byte) (size >>> 16);
        frame[2] = (byte) (size >>> 8);
        frame[3] = (byte) size;
        envelope.toByteString().copyTo(frame, FrameFormat.HEADER_BYTES);
        return Buffer.buffer(frame);
    }

    private static String describe(Envelope envelope) {
        return envelope.getPayloadCase().name().toLowerCase(java.util.Locale.ROOT)
                + (envelope.getMessageId().isEmpty() ? "" : " " + envelope.getMessageId());
    }
}
