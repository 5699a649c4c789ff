package io.lifeboat.storage.replication;

/** Receives progress of a push: chunk bytes sent so far out of the total to send. Called on a worker thread. */
@FunctionalInterface
public interface ReplicationProgress {

    /** Ignores progress. */
    ReplicationProgress NONE = (done, total) -> { };

    void update(long bytesDone, long bytesTotal);
}
