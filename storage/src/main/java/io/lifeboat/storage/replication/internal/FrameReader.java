package io.lifeboat.storage.replication.internal;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

import java.util.ArrayDeque;

/**
 * Splits a byte stream into {@link Frame}s, refusing any frame longer than the current limit before reading its
 * payload. Every received byte is copied once, into its frame's payload. Pausing it stops frame delivery at once
 * (bytes already received wait in a queue) and pauses the underlying stream. Event-loop confined.
 */
public final class FrameReader {

    private final ReadStream<Buffer> stream;
    private final Handler<Frame> frames;
    private final Handler<String> violation;
    private final ArrayDeque<Buffer> queued = new ArrayDeque<>();
    private final byte[] header = new byte[Frames.HEADER];
    private volatile int maxPayload;
    private int headerFill;
    private byte type;
    private int length;
    private Buffer payload;
    private boolean paused;
    private boolean dead;

    /**
     * Reads frames from {@code stream}; {@code violation} gets a message (and no more frames follow) when a frame
     * breaks the length limit.
     */
    public FrameReader(ReadStream<Buffer> stream, int maxPayload, Handler<Frame> frames, Handler<String> violation) {
        this.stream = stream;
        this.maxPayload = maxPayload;
        this.frames = frames;
        this.violation = violation;
        stream.handler(this::received);
        stream.exceptionHandler(t -> fail("stream error: " + t.getMessage()));
    }

    /** Changes the largest payload accepted (raised after authentication). */
    public void maxPayload(int max) {
        this.maxPayload = max;
    }

    /** Stops delivering frames until {@link #resume()}. */
    public void pause() {
        if (!paused) {
            paused = true;
            stream.pause();
        }
    }

    /** Delivers queued frames, then reads from the stream again. */
    public void resume() {
        if (!paused || dead) {
            return;
        }
        paused = false;
        while (!paused && !dead && !queued.isEmpty()) {
            Buffer b = queued.poll();
            int used = consume(b, 0);
            if (used < b.length()) {
                queued.addFirst(b.slice(used, b.length()));
            }
        }
        if (!paused && !dead) {
            stream.resume();
        }
    }

    private void received(Buffer b) {
        if (dead) {
            return;
        }
        if (paused || !queued.isEmpty()) {
            queued.add(b);
            return;
        }
        int used = consume(b, 0);
        if (used < b.length()) {
            queued.add(b.slice(used, b.length()));
        }
    }

    /** Consumes bytes of {@code b} from {@code pos} until it ends or delivery pauses; returns the next position. */
    private int consume(Buffer b, int pos) {
        int end = b.length();
        while (pos < end && !paused && !dead) {
            if (payload == null) {
                int n = Math.min(Frames.HEADER - headerFill, end - pos);
                b.getBytes(pos, pos + n, header, headerFill);
                headerFill += n;
                pos += n;
                if (headerFill < Frames.HEADER) {
                    break;
                }
                headerFill = 0;
                type = header[0];
                length = (header[1] & 0xff) << 24 | (header[2] & 0xff) << 16 | (header[3] & 0xff) << 8
                        | (header[4] & 0xff);
                if (length < 0 || length > maxPayload) {
                    fail("frame " + Frames.name(type) + " of " + (length & 0xffffffffL)
                            + " bytes exceeds the limit of " + maxPayload + " bytes");
                    break;
                }
                if (length == 0) {
                    frames.handle(new Frame(type, Buffer.buffer(0)));
                    continue;
                }
                payload = Buffer.buffer(length);
            } else {
                int n = Math.min(length - payload.length(), end - pos);
                payload.appendBuffer(b, pos, n);
                pos += n;
                if (payload.length() == length) {
                    Buffer done = payload;
                    payload = null;
                    frames.handle(new Frame(type, done));
                }
            }
        }
        return pos;
    }

    private void fail(String message) {
        if (!dead) {
            dead = true;
            stream.pause();
            queued.clear();
            violation.handle(message);
        }
    }
}
