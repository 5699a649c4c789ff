package io.lifeboat.coordinator.cluster;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.InvalidProtocolBufferException;

import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.protocol.v1.JournalRecord;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The leader's side of journal replication: publishes every durable batch (after the leader's fsync, in order, with
 * the index of its first record) on the clustered event bus, announces its position every 500 ms so that idle
 * followers notice a gap, and answers a follower's catch-up request from index N with the records it still holds or,
 * when N is older (or not from this leader's journal), with a snapshot of the state at its current index. It keeps a
 * mirror of the durable state for those snapshots: the core's own state runs ahead of the disk.
 *
 * <p>Followers acknowledge what they made durable. A batch's future completes once {@code requiredAcks} followers
 * (with the leader, a majority of the members) hold it, so that the leader acts only on records a successor will
 * have; after {@code ackTimeoutMillis} without them it completes anyway (availability over a follower that cannot
 * write), with a warning.
 */
public final class JournalReplicator implements JournalTap {

    /** Records kept in memory for catch-up; an older request gets a snapshot. */
    static final int RETAINED_RECORDS = 20_000;
    private static final Logger LOG = LoggerFactory.getLogger(JournalReplicator.class);

    private final Vertx vertx;
    private final String nodeId;
    private final String clusterName;
    private final Deque<byte[]> retained = new ArrayDeque<>();
    private final int requiredAcks;
    private final long ackTimeoutMillis;
    private final Map<String, Long> followerNext = new HashMap<>();
    private final TreeMap<Long, List<Promise<Void>>> waiting = new TreeMap<>();
    private MessageConsumer<JsonObject> ackConsumer;
    private boolean warnedUnacknowledged;
    private long acknowledgedBatches;
    private long unacknowledgedBatches;
    private CoordinatorState mirror = new CoordinatorState();
    private long retainedFirst = -1;
    private long nextIndex = -1;
    private MessageConsumer<JsonObject> fetchConsumer;
    private long timerId = -1;

    /**
     * Creates the replicator of leader {@code nodeId}; {@link #start()} answers catch-up requests and counts acks.
     *
     * @param requiredAcks followers that must hold a batch before the leader acts on it (0: do not wait)
     * @param ackTimeoutMillis how long to wait for them at most
     */
    public JournalReplicator(Vertx vertx, String nodeId, String clusterName, int requiredAcks,
                             long ackTimeoutMillis) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.clusterName = Objects.requireNonNull(clusterName, "clusterName");
        this.requiredAcks = requiredAcks;
        this.ackTimeoutMillis = ackTimeoutMillis;
    }

    /** Event bus address on which followers acknowledge what they made durable. */
    public static String ackAddress(String clusterName) {
        return "lifeboat.cluster." + clusterName + ".journal.ack";
    }

    /** Event bus address on which leaders publish journal batches and position announcements. */
    public static String journalAddress(String clusterName) {
        return "lifeboat.cluster." + clusterName + ".journal";
    }

    /** Event bus address on which the leader answers catch-up requests. */
    public static String fetchAddress(String clusterName) {
        return "lifeboat.cluster." + clusterName + ".journal.fetch";
    }

    /** Registers the catch-up consumer and the position announcements. */
    public Future<Void> start() {
        fetchConsumer = vertx.eventBus().consumer(fetchAddress(clusterName), this::fetch);
        ackConsumer = vertx.eventBus().consumer(ackAddress(clusterName), m -> ack(m.body()));
        timerId = vertx.setPeriodic(500, id -> announce());
        return fetchConsumer.completion().compose(v -> ackConsumer.completion());
    }

    /** Stops answering and announcing. */
    public Future<Void> close() {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
        List<Promise<Void>> released = new ArrayList<>();
        synchronized (this) {
            waiting.values().forEach(released::addAll);
            waiting.clear();
        }
        released.forEach(Promise::tryComplete);
        Future<Void> acks = ackConsumer == null ? Future.succeededFuture() : ackConsumer.unregister();
        return acks.compose(v -> fetchConsumer == null ? Future.succeededFuture() : fetchConsumer.unregister());
    }

    @Override
    public synchronized void opened(CoordinatorState replayed, long next) {
        mirror = replayed;
        nextIndex = next;
        retainedFirst = next;
        retained.clear();
    }

    @Override
    public Future<Void> appended(long firstIndex, List<byte[]> records) {
        Promise<Void> held = Promise.promise();
        try {
            ship(firstIndex, records);
            long last = firstIndex + records.size() - 1;
            synchronized (this) {
                if (requiredAcks <= 0 || records.isEmpty() || acknowledged(last)) {
                    return Future.succeededFuture();
                }
                waiting.computeIfAbsent(last, k -> new ArrayList<>()).add(held);
            }
            vertx.setTimer(ackTimeoutMillis, id -> {
                if (held.tryComplete()) {
                    synchronized (this) {
                        unacknowledgedBatches++;
                        waiting.values().forEach(l -> l.remove(held));
                        if (!warnedUnacknowledged) {
                            warnedUnacknowledged = true;
                            LOG.warn("[coordinator node={}] record {} not held by {} follower(s) after {} ms: acting "
                                    + "on it anyway", nodeId, last, requiredAcks, ackTimeoutMillis);
                        }
                    }
                }
            });
        } catch (RuntimeException e) {
            // Shipping must never fail the leader's own append: followers catch up later.
            LOG.warn("[coordinator node={}] shipping journal records from {} failed: {}", nodeId, firstIndex,
                    e.toString());
            held.tryComplete();
        }
        return held.future();
    }

    /** Batches a majority acknowledged before the leader acted, and batches it acted on after the timeout. */
    public synchronized long[] acknowledgements() {
        return new long[] {acknowledgedBatches, unacknowledgedBatches};
    }

    private boolean acknowledged(long index) {
        return followerNext.values().stream().filter(next -> next > index).count() >= requiredAcks;
    }

    private void ack(JsonObject body) {
        List<Promise<Void>> released = new ArrayList<>();
        synchronized (this) {
            if (body.getLong("epoch", -1L) != mirror.epoch()) {
                return;
            }
            followerNext.merge(body.getString("follower"), body.getLong("next"), Math::max);
            while (!waiting.isEmpty() && acknowledged(waiting.firstKey())) {
                released.addAll(waiting.pollFirstEntry().getValue());
                acknowledgedBatches++;
            }
            if (!released.isEmpty()) {
                warnedUnacknowledged = false;
            }
        }
        released.forEach(Promise::tryComplete);
    }

    private void ship(long firstIndex, List<byte[]> records) {
        JsonObject batch;
        synchronized (this) {
            if (firstIndex != nextIndex) {
                LOG.error("[coordinator node={}] journal batch at record {} does not follow record {}: followers "
                        + "will catch up by snapshot", nodeId, firstIndex, nextIndex - 1);
                retained.clear();
                retainedFirst = firstIndex + records.size();
            }
            for (byte[] record : records) {
                try {
                    mirror.apply(JournalRecord.parseFrom(record));
                } catch (InvalidProtocolBufferException | RuntimeException e) {
                    LOG.error("[coordinator node={}] journal record {} does not apply to the replicated state: {}",
                            nodeId, firstIndex, e.toString());
                }
                retained.addLast(record);
            }
            while (retained.size() > RETAINED_RECORDS) {
                retained.removeFirst();
                retainedFirst++;
            }
            nextIndex = firstIndex + records.size();
            batch = position(firstIndex).put("records", encode(records));
        }
        vertx.eventBus().publish(journalAddress(clusterName), batch);
    }

    private JsonObject position(long first) {
        return new JsonObject().put("leader", nodeId).put("epoch", mirror.epoch()).put("first", first);
    }

    private void announce() {
        JsonObject ping;
        synchronized (this) {
            if (nextIndex < 0) {
                return;
            }
            ping = position(nextIndex).put("records", new JsonArray());
        }
        vertx.eventBus().publish(journalAddress(clusterName), ping);
    }

    private void fetch(Message<JsonObject> request) {
        long from = request.body().getLong("from", -1L);
        JsonObject reply;
        synchronized (this) {
            if (nextIndex < 0) {
                request.fail(503, "coordinator " + nodeId + " has not opened its journal yet");
                return;
            }
            if (from >= retainedFirst && from <= nextIndex) {
                List<byte[]> records = new ArrayList<>(retained).subList((int) (from - retainedFirst),
                        retained.size());
                reply = position(from).put("records", encode(records));
            } else {
                reply = position(nextIndex).put("snapshot", mirror.toSnapshot().toByteArray());
            }
        }
        LOG.info("[coordinator node={}] follower {} catches up from record {}: {}", nodeId,
                request.body().getString("follower"), from, reply.containsKey("snapshot") ? "snapshot at record "
                        + reply.getLong("first") : (reply.getJsonArray("records").size() + " records"));
        request.reply(reply);
    }

    private static JsonArray encode(List<byte[]> records) {
        JsonArray array = new JsonArray();
        records.forEach(array::add);
        return array;
    }
}
