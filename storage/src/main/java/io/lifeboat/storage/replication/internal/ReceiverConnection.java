package io.lifeboat.storage.replication.internal;

import io.lifeboat.storage.replication.ReceiverStats;
import io.lifeboat.storage.store.BackupSession;
import io.lifeboat.storage.store.ChunkId;
import io.lifeboat.storage.store.ChunkList;
import io.lifeboat.storage.store.ChunkMismatchException;
import io.lifeboat.storage.store.ChunkStore;
import io.lifeboat.storage.store.DiskManifest;
import io.lifeboat.storage.store.RestorePoint;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One inbound replication link, driven by frames on the event loop: handshake, offer, need list, chunks, commit.
 * Every store operation is handed to the ordered worker executor; the socket is paused while too many chunks wait
 * there (back-pressure).
 */
public final class ReceiverConnection {

    private static final Logger LOG = LoggerFactory.getLogger(ReceiverConnection.class);
    private static final int PAUSE_AT = 16;
    private static final int RESUME_AT = 4;

    private enum State { HELLO, AUTH, READY, OFFERING, WAITING_NEEDS, CHUNKS, COMMITTING, CLOSED }

    private final NetSocket socket;
    private final ChunkStore store;
    private final byte[] secret;
    private final WorkerExecutor workers;
    private final ReceiverStats stats;
    private final String peer;
    private FrameReader reader;
    private State state = State.HELLO;
    private byte[] clientNonce;
    private byte[] serverNonce;
    private JsonObject offer;
    private final List<ChunkList.Builder> lists = new ArrayList<>();
    private int currentDisk;
    private BackupSession session;
    private List<DiskManifest> offerManifests;
    private int pendingChunks;
    private boolean paused;
    private final ThreadLocal<byte[]> scratch = ThreadLocal.withInitial(() -> new byte[BackupSession.MAX_CHUNK]);

    public ReceiverConnection(NetSocket socket, ChunkStore store, byte[] secret, WorkerExecutor workers,
                              ReceiverStats stats) {
        this.socket = socket;
        this.store = store;
        this.secret = secret;
        this.workers = workers;
        this.stats = stats;
        this.peer = String.valueOf(socket.remoteAddress());
    }

    public void start() {
        reader = new FrameReader(socket, Frames.MAX_PREAUTH, this::onFrame, this::protocolError);
        socket.closeHandler(v -> onClose());
    }

    private void onFrame(Frame f) {
        try {
            switch (state) {
                case HELLO -> onHello(f);
                case AUTH -> onAuth(f);
                case READY -> onOffer(f);
                case OFFERING -> onOffering(f);
                case CHUNKS -> onChunk(f);
                default -> protocolError("unexpected " + Frames.name(f.type()) + " in state " + state);
            }
        } catch (RuntimeException e) {
            protocolError("bad " + Frames.name(f.type()) + " frame: " + e.getMessage());
        }
    }

    private void onHello(Frame f) {
        if (f.type() != Frames.HELLO || f.payload().length() != 2 + Handshake.NONCE) {
            refuse("expected HELLO, got " + Frames.name(f.type()));
            return;
        }
        int version = f.payload().getUnsignedShort(0);
        if (version != Frames.VERSION) {
            refuse("protocol version " + version + " not supported (this receiver speaks " + Frames.VERSION + ")");
            return;
        }
        clientNonce = f.payload().getBytes(2, 2 + Handshake.NONCE);
        serverNonce = Handshake.nonce();
        byte[] proof = Handshake.serverProof(secret, clientNonce, serverNonce);
        socket.write(Frames.frame(Frames.CHALLENGE, Buffer.buffer(serverNonce).appendBytes(proof)));
        state = State.AUTH;
    }

    private void onAuth(Frame f) {
        if (f.type() != Frames.AUTH || f.payload().length() != 32) {
            refuse("expected AUTH, got " + Frames.name(f.type()));
            return;
        }
        byte[] expected = Handshake.clientProof(secret, serverNonce, clientNonce);
        if (!Handshake.same(expected, f.payload().getBytes())) {
            refuse("authentication failed: the sender does not know this store's shared secret");
            return;
        }
        stats.authenticated.incrementAndGet();
        reader.maxPayload(Frames.MAX_FRAME);
        socket.write(Frames.frame(Frames.READY, new JsonObject().put("storeId", store.storeId()).toBuffer()));
        state = State.READY;
    }

    private void onOffer(Frame f) {
        if (f.type() != Frames.OFFER) {
            protocolError("expected OFFER, got " + Frames.name(f.type()));
            return;
        }
        offer = new JsonObject(f.payload());
        JsonArray disks = offer.getJsonArray("disks");
        if (disks == null || disks.isEmpty() || disks.size() > 64) {
            protocolError("OFFER must list 1 to 64 disks");
            return;
        }
        for (int i = 0; i < disks.size(); i++) {
            JsonObject d = disks.getJsonObject(i);
            String name = d.getString("name", "");
            if (name.isEmpty() || name.length() > 255 || name.contains("/") || name.contains("\\")
                    || name.contains("\0")) {
                protocolError("disk " + i + ": bad name '" + name + "'");
                return;
            }
            lists.add(ChunkList.builder(d.getInteger("chunks")));
        }
        state = State.OFFERING;
    }

    private void onOffering(Frame f) {
        if (f.type() == Frames.ENTRIES) {
            Buffer b = f.payload();
            if (b.length() % 40 != 0) {
                protocolError("ENTRIES payload of " + b.length() + " bytes is not a multiple of 40");
                return;
            }
            JsonArray disks = offer.getJsonArray("disks");
            byte[] entries = b.getBytes();
            for (int o = 0; o < entries.length; o += 40) {
                while (currentDisk < lists.size()
                        && lists.get(currentDisk).size() >= disks.getJsonObject(currentDisk).getInteger("chunks")) {
                    currentDisk++;
                }
                if (currentDisk == lists.size()) {
                    protocolError("more ENTRIES than the OFFER announced");
                    return;
                }
                long grain = b.getLong(o);
                lists.get(currentDisk).add(grain, entries, o + 8);
            }
            return;
        }
        if (f.type() != Frames.OFFER_END) {
            protocolError("expected ENTRIES or OFFER_END, got " + Frames.name(f.type()));
            return;
        }
        JsonArray disks = offer.getJsonArray("disks");
        List<DiskManifest> manifests = new ArrayList<>();
        List<ChunkList> chunkLists = new ArrayList<>();
        for (int i = 0; i < lists.size(); i++) {
            JsonObject d = disks.getJsonObject(i);
            ChunkList l = lists.get(i).build();
            if (l.size() != d.getInteger("chunks")) {
                protocolError("disk " + i + " announced " + d.getInteger("chunks") + " chunks, got " + l.size());
                return;
            }
            long capacity = d.getLong("capacity");
            int grainSize = d.getInteger("grainSize");
            if (grainSize <= 0 || grainSize > BackupSession.MAX_CHUNK || Integer.bitCount(grainSize) != 1
                    || capacity <= 0 || (l.size() > 0 && l.grain(l.size() - 1) * grainSize >= capacity)) {
                protocolError("disk " + d.getString("name") + ": bad geometry (capacity " + capacity + ", grain size "
                        + grainSize + ")");
                return;
            }
            manifests.add(new DiskManifest(d.getString("name"), capacity, grainSize, d.getString("format"),
                    d.getString("createType"), d.getString("adapterType"), l));
            chunkLists.add(l);
        }
        state = State.WAITING_NEEDS;
        String guest = offer.getString("guestId");
        String sessionId = offer.getString("sessionId");
        workers.executeBlocking(() -> {
            session = store.beginSession(sessionId, guest);
            return session.register(chunkLists);
        }, true).onSuccess(missing -> {
            offerManifests = manifests;
            for (int from = 0; from < missing.length; from += Frames.NEEDS_PER_FRAME) {
                int to = Math.min(missing.length, from + Frames.NEEDS_PER_FRAME);
                Buffer b = Buffer.buffer((to - from) * 4);
                for (int i = from; i < to; i++) {
                    b.appendInt(missing[i]);
                }
                socket.write(Frames.frame(Frames.NEED, b));
            }
            socket.write(Frames.frame(Frames.NEED_END, Buffer.buffer().appendInt(missing.length)));
            state = State.CHUNKS;
        }).onFailure(e -> protocolError("cannot start session for guest " + guest + ": " + e.getMessage()));
    }

    private void onChunk(Frame f) {
        if (f.type() == Frames.DONE) {
            state = State.COMMITTING;
            BackupSession s = session;
            workers.executeBlocking(() -> {
                RestorePoint p = s.commit(offer.getString("sourceCycleId"), offerManifests, Instant.now());
                s.close();
                return p;
            }, true).onSuccess(this::committed)
                    .onFailure(e -> protocolError("commit failed: " + e.getMessage()));
            return;
        }
        if (f.type() != Frames.CHUNK || f.payload().length() <= ChunkId.LENGTH
                || f.payload().length() > ChunkId.LENGTH + BackupSession.MAX_CHUNK) {
            protocolError("expected CHUNK or DONE, got " + Frames.name(f.type()) + " of " + f.payload().length()
                    + " bytes");
            return;
        }
        Buffer payload = f.payload();
        if (++pendingChunks >= PAUSE_AT && !paused) {
            paused = true;
            reader.pause();
        }
        workers.executeBlocking(() -> {
            byte[] buf = scratch.get();
            int len = payload.length() - ChunkId.LENGTH;
            payload.getBytes(ChunkId.LENGTH, payload.length(), buf, 0);
            ChunkId id = ChunkId.of(payload.getBytes(0, ChunkId.LENGTH), 0);
            session.put(id, buf, 0, len);
            stats.chunksVerified.incrementAndGet();
            stats.bytesVerified.addAndGet(len);
            return null;
        }, true).onComplete(ar -> {
            if (--pendingChunks <= RESUME_AT && paused) {
                paused = false;
                reader.resume();
            }
            if (ar.failed()) {
                if (ar.cause() instanceof ChunkMismatchException) {
                    stats.chunksRejected.incrementAndGet();
                }
                protocolError(ar.cause() instanceof ChunkMismatchException ? "chunk mismatch: " + ar.cause().getMessage() : ar.cause().getMessage());
            }
        });
    }

    private void committed(RestorePoint p) {
        stats.pointsCommitted.incrementAndGet();
        LOG.info("[receiver peer={}] committed {} ({} chunks stored, {} bytes)", peer, p.id(),
                session.chunksStored(), session.bytesStored());
        socket.write(Frames.frame(Frames.COMMITTED, new JsonObject().put("pointId", p.id().toString())
                .put("rootDigest", p.rootDigest()).put("chunksStored", session.chunksStored())
                .put("bytesStored", session.bytesStored()).toBuffer()));
        session = null;
        state = State.READY;
        lists.clear();
        currentDisk = 0;
    }

    private void refuse(String why) {
        stats.refused.incrementAndGet();
        LOG.warn("[receiver peer={}] refused: {}", peer, why);
        sendErrorAndClose(why);
    }

    private void protocolError(String why) {
        if (state == State.HELLO || state == State.AUTH) {
            refuse(why);
            return;
        }
        LOG.warn("[receiver peer={}] {}", peer, why);
        sendErrorAndClose(why);
    }

    private void sendErrorAndClose(String why) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        reader.pause();
        socket.write(Frames.frame(Frames.ERROR, Buffer.buffer(why.getBytes(StandardCharsets.UTF_8))))
                .eventually(() -> socket.close());
    }

    private void onClose() {
        state = State.CLOSED;
        BackupSession s = session;
        if (s != null) {
            // keep what was verified so far: a retry resumes without resending it
            workers.executeBlocking(() -> {
                s.close();
                stats.sessionsInterrupted.incrementAndGet();
                return null;
            }, true).onFailure(e -> LOG.warn("[receiver peer={}] could not seal received chunks: {}", peer,
                    e.getMessage()));
        }
    }
}
