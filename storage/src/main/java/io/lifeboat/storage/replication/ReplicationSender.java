package io.lifeboat.storage.replication;

import io.lifeboat.storage.replication.internal.SenderRun;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import java.util.concurrent.TimeUnit;

/**
 * Pushes a guest's disks to a {@link ReplicationReceiver}: scans the images (reusing the previous cycle's per-grain
 * digests), authenticates, announces the chunk list, streams only the chunks the receiver lacks with
 * back-pressure and an optional bandwidth limit, and keeps the new digests only once the receiver has committed.
 * All reading, hashing and waiting happen on a named worker pool.
 */
public final class ReplicationSender {

    private final Vertx vertx;
    private final SenderOptions options;

    public ReplicationSender(Vertx vertx, SenderOptions options) {
        this.vertx = vertx;
        this.options = options;
    }

    /** Runs one push; the future fails with a {@link ReplicationException} naming the peer and the reason. */
    public Future<PushResult> push(PushRequest request) {
        WorkerExecutor workers = vertx.createSharedWorkerExecutor(options.workerPool(), 2, 1, TimeUnit.DAYS);
        return workers.executeBlocking(() -> new SenderRun(vertx, options, request).run(), false)
                .eventually(workers::close);
    }
}
