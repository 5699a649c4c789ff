package io.lifeboat.storage.replication;

import io.lifeboat.storage.replication.internal.ReceiverConnection;
import io.lifeboat.storage.store.ChunkStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;

import java.util.concurrent.TimeUnit;

/**
 * The verticle that receives restore points into a {@link ChunkStore}: it authenticates each peer first, then
 * asks for the chunks the store lacks, verifies every chunk's SHA-256 before storing it, and commits the point
 * only when all chunks are present. Hashing and file I/O run on a named worker pool, never on the event loop.
 */
public final class ReplicationReceiver extends VerticleBase {

    private final ChunkStore store;
    private final ReceiverOptions options;
    private final ReceiverStats stats = new ReceiverStats();
    private NetServer server;
    private WorkerExecutor workers;

    public ReplicationReceiver(ChunkStore store, ReceiverOptions options) {
        this.store = store;
        this.options = options;
    }

    @Override
    public Future<?> start() {
        workers = vertx.createSharedWorkerExecutor(options.workerPool(), options.workerSize(), 1, TimeUnit.DAYS);
        NetServerOptions o = new NetServerOptions().setHost(options.host()).setPort(options.port())
                .setTcpNoDelay(true).setReceiveBufferSize(4 << 20);
        if (options.tlsCert() != null) {
            o.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(options.tlsCert().toString())
                    .setKeyPath(options.tlsKey().toString()));
        }
        server = vertx.createNetServer(o).connectHandler(socket ->
                new ReceiverConnection(socket, store, options.secret(), workers, stats).start());
        return server.listen();
    }

    @Override
    public Future<?> stop() {
        return server.close().eventually(() -> workers.close());
    }

    /** The port actually bound (useful with port 0). */
    public int actualPort() {
        return server.actualPort();
    }

    public ReceiverStats stats() {
        return stats;
    }
}
