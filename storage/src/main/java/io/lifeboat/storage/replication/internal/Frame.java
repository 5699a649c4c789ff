package io.lifeboat.storage.replication.internal;

import io.vertx.core.buffer.Buffer;

/**
 * One received frame.
 *
 * @param type    frame type ({@link Frames})
 * @param payload its payload
 */
public record Frame(byte type, Buffer payload) {
}
