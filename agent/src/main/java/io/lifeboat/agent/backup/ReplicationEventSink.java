package io.lifeboat.agent.backup;

import com.google.protobuf.Message;

/**
 * Receives the events of backup cycles: lifeboat.v1 {@code ReplicationStarted}, {@code ReplicationProgress},
 * {@code ReplicationCommitted} and {@code ReplicationFailed}. Called from worker threads and event loops alike, so
 * implementations must be thread-safe and must not block.
 */
@FunctionalInterface
public interface ReplicationEventSink {

    /** Ignores every event. */
    ReplicationEventSink NONE = event -> { };

    void publish(Message event);
}
