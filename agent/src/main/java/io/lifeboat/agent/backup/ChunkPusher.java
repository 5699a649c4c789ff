package io.lifeboat.agent.backup;

import io.lifeboat.protocol.v1.StoreTarget;
import io.lifeboat.storage.replication.PushRequest;
import io.lifeboat.storage.replication.PushResult;
import io.vertx.core.Future;

/** Sends a guest's changed chunks to a store and has it commit a restore point. */
@FunctionalInterface
public interface ChunkPusher {

    /** Pushes {@code request} to the store {@code target} names; fails naming the peer and the reason. */
    Future<PushResult> push(StoreTarget target, PushRequest request);
}
