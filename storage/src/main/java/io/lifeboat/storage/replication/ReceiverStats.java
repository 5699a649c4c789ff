package io.lifeboat.storage.replication;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of a replication receiver, for tests, metrics and logs. */
public final class ReceiverStats {

    /** Connections refused before or during authentication. */
    public final AtomicLong refused = new AtomicLong();
    /** Connections that authenticated. */
    public final AtomicLong authenticated = new AtomicLong();
    /** Chunks received whose SHA-256 matched their id. */
    public final AtomicLong chunksVerified = new AtomicLong();
    /** Raw bytes of those chunks. */
    public final AtomicLong bytesVerified = new AtomicLong();
    /** Chunks refused because their bytes did not match their id. */
    public final AtomicLong chunksRejected = new AtomicLong();
    /** Sessions that ended without a commit and whose verified chunks were sealed for a resume. */
    public final AtomicLong sessionsInterrupted = new AtomicLong();
    /** Restore points committed. */
    public final AtomicLong pointsCommitted = new AtomicLong();
}
