package io.lifeboat.coordinator.cluster;

import java.util.List;

import io.lifeboat.coordinator.state.CoordinatorState;
import io.vertx.core.Future;

/**
 * What a leading coordinator tells its journal replication: the state its journal held when it opened, then every
 * durable append batch, in order, with the index of its first record. Both calls may come from any thread.
 */
public interface JournalTap {

    /** A tap that ships nothing (a single coordinator). */
    JournalTap NONE = new JournalTap() {
        @Override
        public void opened(CoordinatorState replayed, long nextIndex) {
        }

        @Override
        public Future<Void> appended(long firstIndex, List<byte[]> records) {
            return Future.succeededFuture();
        }
    };

    /** The journal opened with {@code replayed} (a private copy) and will give its next record {@code nextIndex}. */
    void opened(CoordinatorState replayed, long nextIndex);

    /**
     * Records {@code firstIndex ..} were appended and fsynced; the future tells when the leader may act on them
     * (replicated enough, or given up waiting). It never fails.
     */
    Future<Void> appended(long firstIndex, List<byte[]> records);
}
