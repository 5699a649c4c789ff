package io.lifeboat.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import io.lifeboat.protocol.v1.Envelope;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import java.util.Objects;

/**
 * Reassembles length-prefixed frames from chunks split at any byte boundary and hands each decoded
 * {@code Envelope} to a sink.
 *
 * <p>It checks a frame's length against the maximum before allocating anything for it, so it never holds more than
 * the maximum frame size. On the first bad frame (oversized, not an {@code Envelope}, or cut short by
 * {@link #end()}) it throws {@link FrameException} and refuses all further input. Not thread-safe: feed it from one
 * thread (a socket's event loop) at a time.
 */
public final class FrameDecoder implements Handler<Buffer> {

    private final int maxFrameBytes;
    private final String where;
    private final Handler<Envelope> sink;

    private final byte[] header = new byte[FrameFormat.HEADER_BYTES];
    private int headerFilled;
    private byte[] body;
    private int bodyFilled;
    private long frameStartOffset;
    private long bytesConsumed;
    private long framesDecoded;
    private int largestAllocationBytes;
    private FrameException failure;
    private boolean ended;

    /**
     * Creates a decoder with the default maximum frame size and no source label.
     *
     * @param sink receives every decoded envelope, in order
     */
    public FrameDecoder(Handler<Envelope> sink) {
        this(FrameFormat.DEFAULT_MAX_FRAME_BYTES, null, sink);
    }

    /**
     * Creates a decoder.
     *
     * @param maxFrameBytes largest frame body (serialized envelope) accepted, in bytes
     * @param source where the bytes come from (e.g. the peer address), prefixed to error messages; may be null
     * @param sink receives every decoded envelope, in order
     */
    public FrameDecoder(int maxFrameBytes, String source, Handler<Envelope> sink) {
        this.maxFrameBytes = FrameFormat.requireValidMax(maxFrameBytes);
        this.where = source == null || source.isEmpty() ? "" : source + ": ";
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    /**
     * Consumes the next chunk of the stream, emitting every envelope it completes.
     *
     * @param chunk the next bytes, of any length
     * @throws FrameException on a bad frame, or if an earlier call failed or {@link #end()} was called
     */
    @Override
    public void handle(Buffer chunk) {
        if (failure != null) {
            throw new FrameException(where + "decoder refuses further input after an earlier error: "
                    + failure.getMessage(), failure);
        }
        if (ended) {
            throw fail("received " + chunk.length() + " bytes after the end of the stream");
        }
        int length = chunk.length();
        int pos = 0;
        while (pos < length) {
            if (body == null) {
                int n = Math.min(FrameFormat.HEADER_BYTES - headerFilled, length - pos);
                chunk.getBytes(pos, pos + n, header, headerFilled);
                headerFilled += n;
                pos += n;
                bytesConsumed += n;
                if (headerFilled == FrameFormat.HEADER_BYTES) {
                    startBody();
                }
            } else {
                int n = Math.min(body.length - bodyFilled, length - pos);
                chunk.getBytes(pos, pos + n, body, bodyFilled);
                bodyFilled += n;
                pos += n;
                bytesConsumed += n;
            }
            if (body != null && bodyFilled == body.length) {
                completeFrame();
            }
        }
    }

    /**
     * Signals the end of the stream (the connection closed).
     *
     * @throws FrameException if the stream ended inside a frame
     */
    public void end() {
        if (ended || failure != null) {
            ended = true;
            return;
        }
        ended = true;
        if (body != null) {
            throw fail("stream ended inside frame " + (framesDecoded + 1) + " at byte offset " + frameStartOffset
                    + ": " + bodyFilled + " of " + body.length + " bytes received");
        }
        if (headerFilled > 0) {
            throw fail("stream ended inside the length prefix of frame " + (framesDecoded + 1)
                    + " at byte offset " + frameStartOffset + ": " + headerFilled + " of "
                    + FrameFormat.HEADER_BYTES + " bytes received");
        }
    }

    /** @return the largest frame body, in bytes, this decoder accepts */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** @return the number of envelopes emitted so far */
    public long framesDecoded() {
        return framesDecoded;
    }

    /** @return the largest frame buffer this decoder allocated, in bytes; never above {@link #maxFrameBytes()} */
    public int largestAllocationBytes() {
        return largestAllocationBytes;
    }

    /** @return the error that stopped this decoder, or null while it accepts input */
    public FrameException failure() {
        return failure;
    }

    /** @return true once the decoder failed and refuses input */
    public boolean isFailed() {
        return failure != null;
    }

    private void startBody() {
        long size = ((header[0] & 0xFFL) << 24) | ((header[1] & 0xFFL) << 16) | ((header[2] & 0xFFL) << 8)
                | (header[3] & 0xFFL);
        if (size > maxFrameBytes) {
            throw fail("frame " + (framesDecoded + 1) + " at byte offset " + frameStartOffset + ": frame of " + size
                    + " bytes exceeds the maximum of " + maxFrameBytes + " bytes");
        }
        body = new byte[(int) size];
        bodyFilled = 0;
        largestAllocationBytes = Math.max(largestAllocationBytes, body.length);
    }

    private void completeFrame() {
        byte[] bytes = body;
        long offset = frameStartOffset;
        body = null;
        headerFilled = 0;
        bodyFilled = 0;
        frameStartOffset = bytesConsumed;
        Envelope envelope;
        try {
            envelope = Envelope.parser().parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw fail("frame " + (framesDecoded + 1) + " at byte offset " + offset + ": " + bytes.length
                    + " bytes do not parse as a lifeboat.v1.Envelope (" + e.getMessage() + ")", e);
        }
        framesDecoded++;
        sink.handle(envelope);
    }

    private FrameException fail(String message) {
        return fail(message, null);
    }

    private FrameException fail(String message, Throwable cause) {
        body = null;
        failure = cause == null ? new FrameException(where + message) : new FrameException(where + message, cause);
        return failure;
    }
}
