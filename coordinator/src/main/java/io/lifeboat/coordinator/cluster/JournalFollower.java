package io.lifeboat.coordinator.cluster;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lifeboat.coordinator.CoordinatorVerticle;
import io.lifeboat.coordinator.journal.Journal;
import io.lifeboat.protocol.v1.CoordinatorSnapshot;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A follower's side of journal replication: owns this node's journal while another coordinator leads, appends each
 * batch the leader publishes (fsync, on the journal worker pool) and applies it to its state, and catches up with a
 * request from the index it expects next when it sees a gap, a new leader or an idle leader further ahead. A
 * snapshot answer replaces the journal's content with the leader's state (so a journal that diverged, an old
 * leader's unshipped tail, is dropped). Batches from a lower epoch than the highest seen (a deposed leader) are
 * ignored.
 */
public final class JournalFollower extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(JournalFollower.class);

    private final String nodeId;
    private final String clusterName;
    private final Path journalDir;
    private WorkerExecutor pool;
    private Journal journal;
    private CoordinatorState state;
    private Future<Void> writes = Future.succeededFuture();
    private long expected = -1;
    private long leaderEpoch;
    private volatile String leaderId;
    private boolean syncing;
    private volatile long epoch;
    private volatile long appliedRecords;

    /** Creates the follower of coordinator {@code nodeId}, journaling into {@code journalDir}. */
    public JournalFollower(String nodeId, String clusterName, Path journalDir) {
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.clusterName = Objects.requireNonNull(clusterName, "clusterName");
        this.journalDir = Objects.requireNonNull(journalDir, "journalDir");
    }

    /** The node id of the leader this follower replicates, once it has heard from one. */
    public Optional<String> leaderId() {
        return Optional.ofNullable(leaderId);
    }

    /** The epoch of the replicated state (the leader's, once caught up). */
    public long epoch() {
        return epoch;
    }

    /** Records received from leaders and made durable so far. */
    public long appliedRecords() {
        return appliedRecords;
    }

    /** A copy of the replicated state, taken on the follower's event loop. */
    public Future<CoordinatorState> stateCopy() {
        Promise<CoordinatorState> copy = Promise.promise();
        context.runOnContext(v -> copy.complete(state.copy()));
        return copy.future();
    }

    @Override
    public Future<?> start() {
        pool = vertx.createSharedWorkerExecutor(CoordinatorVerticle.JOURNAL_POOL, 1);
        return pool.executeBlocking(() -> {
            Journal opened = Journal.open(journalDir);
            CoordinatorState replayed = new CoordinatorState();
            if (opened.replay().snapshot().isPresent()) {
                CoordinatorSnapshot.parseFrom(opened.replay().snapshot().get().state()).getRecordsList()
                        .forEach(replayed::apply);
            }
            for (byte[] bytes : opened.replay().records()) {
                replayed.apply(JournalRecord.parseFrom(bytes));
            }
            journal = opened;
            return replayed;
        }).compose(replayed -> {
            state = replayed;
            epoch = replayed.epoch();
            leaderEpoch = replayed.epoch();
            vertx.setPeriodic(1000, id -> {
                if (expected < 0 && leaderId != null && !syncing) {
                    sync(-1);
                }
            });
            return vertx.eventBus().<JsonObject>consumer(JournalReplicator.journalAddress(clusterName),
                    m -> onBatch(m.body())).completion();
        });
    }

    @Override
    public Future<?> stop() {
        return writes.eventually(() -> pool.executeBlocking(() -> {
            if (journal != null) {
                journal.close();
            }
            return null;
        })).eventually(() -> pool.close());
    }

    private void onBatch(JsonObject batch) {
        long batchEpoch = batch.getLong("epoch");
        String leader = batch.getString("leader");
        if (batchEpoch < leaderEpoch || leader.equals(nodeId)) {
            return;
        }
        if (batchEpoch > leaderEpoch || !leader.equals(leaderId)) {
            LOG.info("[coordinator node={} epoch={}] following {} at epoch {}", nodeId, epoch, leader, batchEpoch);
            leaderEpoch = batchEpoch;
            leaderId = leader;
            expected = -1;
        }
        if (syncing) {
            return;
        }
        if (expected < 0) {
            sync(-1);
            return;
        }
        long first = batch.getLong("first");
        JsonArray records = batch.getJsonArray("records");
        if (first == expected) {
            append(first, records);
        } else if (first > expected) {
            LOG.info("[coordinator node={} epoch={}] missed records {}..{} of {}: catching up", nodeId, epoch,
                    expected, first - 1, leader);
            sync(expected);
        }
    }

    private void sync(long from) {
        syncing = true;
        String leader = leaderId;
        long askedEpoch = leaderEpoch;
        vertx.eventBus().<JsonObject>request(JournalReplicator.fetchAddress(clusterName),
                new JsonObject().put("from", from).put("follower", nodeId), new DeliveryOptions().setSendTimeout(5000))
                .onComplete(ar -> {
                    syncing = false;
                    if (ar.failed()) {
                        LOG.warn("[coordinator node={} epoch={}] catching up from {} failed: {}", nodeId, epoch,
                                leader, ar.cause().getMessage());
                        expected = -1;
                        return;
                    }
                    JsonObject reply = ar.result().body();
                    if (reply.getLong("epoch") != askedEpoch || !reply.getString("leader").equals(leader)) {
                        expected = -1;
                        return;
                    }
                    if (reply.containsKey("snapshot")) {
                        install(reply.getBinary("snapshot"), reply.getLong("first"));
                    } else {
                        append(reply.getLong("first"), reply.getJsonArray("records"));
                    }
                });
    }

    private void install(byte[] snapshot, long next) {
        CoordinatorState fresh = new CoordinatorState();
        try {
            CoordinatorSnapshot.parseFrom(snapshot).getRecordsList().forEach(fresh::apply);
        } catch (Exception e) {
            LOG.error("[coordinator node={} epoch={}] the leader's snapshot does not apply: {}", nodeId, epoch,
                    e.toString());
            expected = -1;
            return;
        }
        state = fresh;
        epoch = fresh.epoch();
        expected = next;
        long ackEpoch = leaderEpoch;
        writes = writes.compose(v -> pool.<Void>executeBlocking(() -> {
            journal.snapshot(snapshot);
            return null;
        }, true)).onSuccess(v -> ack(ackEpoch, next)).onFailure(this::writeFailed);
        LOG.info("[coordinator node={} epoch={}] journal replaced by {}'s state at its record {}", nodeId, epoch,
                leaderId, next - 1);
    }

    private void append(long first, JsonArray encoded) {
        List<byte[]> bytes = new ArrayList<>(encoded.size());
        try {
            for (int i = 0; i < encoded.size(); i++) {
                byte[] record = encoded.getBinary(i);
                state.apply(JournalRecord.parseFrom(record));
                bytes.add(record);
            }
        } catch (Exception e) {
            LOG.warn("[coordinator node={} epoch={}] record {} from {} does not apply: {}; catching up by snapshot",
                    nodeId, epoch, first + bytes.size(), leaderId, e.toString());
            expected = -1;
            return;
        }
        epoch = state.epoch();
        expected = first + bytes.size();
        long next = expected;
        long ackEpoch = leaderEpoch;
        if (bytes.isEmpty()) {
            return;
        }
        writes = writes.compose(v -> pool.<Void>executeBlocking(() -> {
            journal.append(bytes);
            return null;
        }, true)).onSuccess(v -> {
            appliedRecords += bytes.size();
            ack(ackEpoch, next);
        }).onFailure(this::writeFailed);
    }

    /** Tells the leader that its records before {@code next} are durable here. */
    private void ack(long ackEpoch, long next) {
        vertx.eventBus().publish(JournalReplicator.ackAddress(clusterName), new JsonObject().put("follower", nodeId)
                .put("epoch", ackEpoch).put("next", next));
    }

    private void writeFailed(Throwable e) {
        LOG.error("[coordinator node={} epoch={}] journal write failed while following {}: {}", nodeId, epoch,
                leaderId, e.getMessage());
    }
}
