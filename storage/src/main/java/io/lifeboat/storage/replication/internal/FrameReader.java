package io.lifeboat.storage.replication.internal;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.core.streams.ReadStream;

/**
 * Splits a byte stream into {@link Frame}s, refusing any frame longer than the current limit before reading its
 * payload. Pausing it pauses the underlying stream.
 */
public final class FrameReader {

    private final RecordParser parser;
    private final Handler<Frame> frames;
    private final Handler<String> violation;
    private volatile int maxPayload;
    private byte type;
    private boolean inHeader = true;
    private boolean dead;

    /**
     * Reads frames from {@code stream}; {@code violation} gets a message (and no more frames follow) when a frame
     * breaks the length limit.
     */
    public FrameReader(ReadStream<Buffer> stream, int maxPayload, Handler<Frame> frames, Handler<String> violation) {
        this.maxPayload = maxPayload;
        this.frames = frames;
        this.violation = violation;
        this.parser = RecordParser.newFixed(Frames.HEADER, stream);
        parser.handler(this::record);
        parser.exceptionHandler(t -> fail("stream error: " + t.getMessage()));
    }

    /** Changes the largest payload accepted (raised after authentication). */
    public void maxPayload(int max) {
        this.maxPayload = max;
    }

    public void pause() {
        parser.pause();
    }

    public void resume() {
        parser.resume();
    }

    private void record(Buffer b) {
        if (dead) {
            return;
        }
        if (inHeader) {
            type = b.getByte(0);
            int len = b.getInt(1);
            if (len < 0 || len > maxPayload) {
                fail("frame " + Frames.name(type) + " of " + (len & 0xffffffffL) + " bytes exceeds the limit of "
                        + maxPayload + " bytes");
                return;
            }
            if (len == 0) {
                frames.handle(new Frame(type, Buffer.buffer(0)));
            } else {
                inHeader = false;
                parser.fixedSizeMode(len);
            }
        } else {
            inHeader = true;
            parser.fixedSizeMode(Frames.HEADER);
            frames.handle(new Frame(type, b));
        }
    }

    private void fail(String message) {
        if (!dead) {
            dead = true;
            parser.pause();
            violation.handle(message);
        }
    }
}
