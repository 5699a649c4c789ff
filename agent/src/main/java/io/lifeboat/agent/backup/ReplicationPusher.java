package io.lifeboat.agent.backup;

import io.lifeboat.protocol.v1.StoreTarget;
import io.lifeboat.storage.replication.PushRequest;
import io.lifeboat.storage.replication.PushResult;
import io.lifeboat.storage.replication.ReplicationSender;
import io.lifeboat.storage.replication.SenderOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.function.Function;

/** A {@link ChunkPusher} over the storage replication protocol, with sender options chosen per store target. */
public final class ReplicationPusher implements ChunkPusher {

    private final Vertx vertx;
    private final Function<StoreTarget, SenderOptions> options;

    /**
     * @param options the address, shared secret, TLS and bandwidth settings for a target (the secret comes from the
     *                agent's configuration, never from the command)
     */
    public ReplicationPusher(Vertx vertx, Function<StoreTarget, SenderOptions> options) {
        this.vertx = vertx;
        this.options = options;
    }

    @Override
    public Future<PushResult> push(StoreTarget target, PushRequest request) {
        SenderOptions o;
        try {
            o = options.apply(target);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        return new ReplicationSender(vertx, o).push(request);
    }
}
