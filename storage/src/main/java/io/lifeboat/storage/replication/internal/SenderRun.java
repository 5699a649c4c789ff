package io.lifeboat.storage.replication.internal;

import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.replication.PushRequest;
import io.lifeboat.storage.replication.PushResult;
import io.lifeboat.storage.replication.RateLimiter;
import io.lifeboat.storage.replication.ReplicationException;
import io.lifeboat.storage.replication.SenderOptions;
import io.lifeboat.storage.store.BackupSession;
import io.lifeboat.storage.store.ChunkId;
import io.lifeboat.storage.store.ChunkList;
import io.lifeboat.storage.store.GrainDigests;
import io.lifeboat.storage.store.ImageScanner;
import io.lifeboat.storage.store.LocalBackup;
import io.lifeboat.storage.store.RestorePointId;
import io.lifeboat.storage.store.ScanResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemTrustOptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One push, run start to end on a worker thread: scan, connect, handshake, offer, needs, chunks, commit. Frames
 * arriving on the event loop are queued for this thread; writes wait for the socket to drain when its queue is
 * full.
 */
public final class SenderRun {

    private static final long TIMEOUT_SECONDS = 120;
    private static final int BATCH_BYTES = 256 << 10; // below G1's humongous threshold
    private static final Object CLOSED = new Object();

    private final Vertx vertx;
    private final SenderOptions options;
    private final PushRequest request;
    private final String peer;
    private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private volatile boolean closed;
    private NetSocket socket;
    private long wireBytes;

    public SenderRun(Vertx vertx, SenderOptions options, PushRequest request) {
        this.vertx = vertx;
        this.options = options;
        this.request = request;
        this.peer = options.host() + ":" + options.port();
    }

    public PushResult run() throws Exception {
        long t0 = System.nanoTime();
        RestorePointId.checkGuest(request.guestId());
        ImageScanner scanner = new ImageScanner();
        List<ScanResult> scans = new ArrayList<>();
        List<Path> digestFiles = new ArrayList<>();
        JsonArray disks = new JsonArray();
        long bytesRead = 0;
        long hashed = 0;
        boolean full = false;
        long chunks = 0;
        for (Path image : request.images()) {
            try (DiskImage img = request.opener().open(image)) {
                String identity = LocalBackup.identity(img);
                Path df = LocalBackup.digestFile(request.digestDir(), request.guestId(), identity);
                ScanResult r = scanner.scan(img, identity, GrainDigests.readOrNull(df), null);
                scans.add(r);
                digestFiles.add(df);
                bytesRead += r.bytesRead();
                hashed += r.grainsHashed();
                full |= r.fullCompare();
                chunks += r.chunks().size();
                var info = img.info();
                disks.add(new JsonObject().put("name", image.getFileName().toString()).put("capacity", img.capacity())
                        .put("grainSize", img.grainSize()).put("format", info.format().name())
                        .put("createType", info.createType()).put("adapterType", info.adapterType())
                        .put("chunks", r.chunks().size()));
            }
        }
        double scanSeconds = (System.nanoTime() - t0) / 1e9;
        NetClientOptions co = new NetClientOptions().setTcpNoDelay(true).setSendBufferSize(4 << 20)
                .setConnectTimeout(10_000);
        if (options.tls()) {
            co.setSsl(true).setHostnameVerificationAlgorithm("HTTPS");
            if (options.tlsTrust() != null) {
                co.setTrustOptions(new PemTrustOptions().addCertPath(options.tlsTrust().toString()));
            }
        }
        NetClient client = vertx.createNetClient(co);
        try {
            socket = await(client.connect(options.port(), options.host()), "connecting");
            socket.setWriteQueueMaxSize(4 << 20);
            new FrameReader(socket, Frames.MAX_FRAME, inbox::add, msg -> inbox.add(new IOException(msg)));
            socket.closeHandler(v -> {
                closed = true;
                inbox.add(CLOSED);
            });
            try {
                handshake();
                String sessionId = UUID.randomUUID().toString();
                write(Frames.frame(Frames.OFFER, new JsonObject().put("guestId", request.guestId())
                        .put("sessionId", sessionId).put("sourceCycleId", sessionId).put("disks", disks).toBuffer()));
                long listBytes = sendEntries(scans);
                write(Frames.empty(Frames.OFFER_END));
                int[] needs = receiveNeeds();
                long[] sent = sendChunks(scans, needs);
                bytesRead += sent[1];
                write(Frames.empty(Frames.DONE));
                JsonObject committed = new JsonObject(expect(Frames.COMMITTED, "the commit").payload());
                String pointId = committed.getString("pointId");
                for (int i = 0; i < scans.size(); i++) {
                    scans.get(i).digests().committedAs(pointId).write(digestFiles.get(i));
                }
                return new PushResult(pointId, committed.getString("rootDigest"), bytesRead, hashed, full, chunks,
                        sent[0], sent[1], wireBytes, listBytes, scanSeconds, (System.nanoTime() - t0) / 1e9);
            } catch (ReplicationException e) {
                if (e.getMessage().contains("chunk mismatch")) {
                    // a reused digest did not match the bytes: never trust these digests again, compare everything
                    // on the next cycle
                    for (Path df : digestFiles) {
                        Files.deleteIfExists(df);
                    }
                }
                throw e;
            }
        } finally {
            if (socket != null) {
                socket.close();
            }
            client.close();
        }
    }

    private void handshake() throws Exception {
        byte[] clientNonce = Handshake.nonce();
        write(Frames.frame(Frames.HELLO, Buffer.buffer().appendUnsignedShort(Frames.VERSION).appendBytes(clientNonce)));
        Frame challenge = expect(Frames.CHALLENGE, "the challenge");
        if (challenge.payload().length() != Handshake.NONCE + 32) {
            throw new ReplicationException(peer + ": malformed CHALLENGE");
        }
        byte[] serverNonce = challenge.payload().getBytes(0, Handshake.NONCE);
        byte[] serverProof = challenge.payload().getBytes(Handshake.NONCE, Handshake.NONCE + 32);
        if (!Handshake.same(serverProof, Handshake.serverProof(options.secret(), clientNonce, serverNonce))) {
            throw new ReplicationException(peer + ": the receiver does not know the shared secret (wrong secret file "
                    + "or an impostor); nothing was sent");
        }
        write(Frames.frame(Frames.AUTH, Buffer.buffer(Handshake.clientProof(options.secret(), serverNonce, clientNonce))));
        expect(Frames.READY, "authentication");
    }

    private long sendEntries(List<ScanResult> scans) throws Exception {
        long bytes = 0;
        Buffer b = Buffer.buffer(Frames.ENTRIES_PER_FRAME * 40);
        int n = 0;
        byte[] id = new byte[ChunkId.LENGTH];
        for (ScanResult r : scans) {
            ChunkList l = r.chunks();
            for (int i = 0; i < l.size(); i++) {
                l.copyId(i, id, 0);
                b.appendLong(l.grain(i)).appendBytes(id);
                if (++n == Frames.ENTRIES_PER_FRAME) {
                    Buffer f = Frames.frame(Frames.ENTRIES, b);
                    bytes += f.length();
                    write(f);
                    b = Buffer.buffer(Frames.ENTRIES_PER_FRAME * 40);
                    n = 0;
                }
            }
        }
        if (n > 0) {
            Buffer f = Frames.frame(Frames.ENTRIES, b);
            bytes += f.length();
            write(f);
        }
        return bytes;
    }

    private int[] receiveNeeds() throws Exception {
        int[] needs = new int[1024];
        int n = 0;
        while (true) {
            Frame f = next("the list of missing chunks");
            if (f.type() == Frames.NEED_END) {
                int announced = f.payload().getInt(0);
                if (announced != n) {
                    throw new ReplicationException(peer + ": receiver announced " + announced + " missing chunks, sent "
                            + n);
                }
                return java.util.Arrays.copyOf(needs, n);
            }
            if (f.type() != Frames.NEED) {
                throw new ReplicationException(peer + ": expected NEED, got " + Frames.name(f.type()));
            }
            for (int o = 0; o + 4 <= f.payload().length(); o += 4) {
                if (n == needs.length) {
                    needs = java.util.Arrays.copyOf(needs, n * 2);
                }
                needs[n++] = f.payload().getInt(o);
            }
        }
    }

    /** Sends the needed chunks; returns {chunks sent, raw bytes sent}. */
    private long[] sendChunks(List<ScanResult> scans, int[] needs) throws Exception {
        long total = 0;
        int base = 0;
        int m = 0;
        for (ScanResult r : scans) {
            ChunkList l = r.chunks();
            while (m < needs.length && needs[m] < base + l.size()) {
                total += grainLength(r, l.grain(needs[m] - base));
                m++;
            }
            base += l.size();
        }
        RateLimiter limiter = new RateLimiter(options.limitBytesPerSecond());
        byte[] buf = new byte[BackupSession.MAX_CHUNK];
        byte[] id = new byte[ChunkId.LENGTH];
        long sent = 0;
        long bytes = 0;
        Buffer batch = Buffer.buffer(BATCH_BYTES + 70_000);
        m = 0;
        base = 0;
        for (int d = 0; d < scans.size() && m < needs.length; d++) {
            ScanResult r = scans.get(d);
            ChunkList l = r.chunks();
            if (needs[m] >= base + l.size()) {
                base += l.size();
                continue;
            }
            try (DiskImage img = request.opener().open(request.images().get(d))) {
                int gs = img.grainSize();
                while (m < needs.length && needs[m] < base + l.size()) {
                    int i = needs[m++] - base;
                    if (i < 0) {
                        throw new ReplicationException(peer + ": receiver asked for chunk ordinals out of order");
                    }
                    long grain = l.grain(i);
                    int len = grainLength(r, grain);
                    img.read(grain * gs, ByteBuffer.wrap(buf, 0, len));
                    l.copyId(i, id, 0);
                    limiter.acquire(Frames.HEADER + ChunkId.LENGTH + len);
                    batch.appendByte(Frames.CHUNK).appendInt(ChunkId.LENGTH + len).appendBytes(id).appendBytes(buf, 0, len);
                    sent++;
                    bytes += len;
                    if (batch.length() >= BATCH_BYTES || limiter.limited()) {
                        write(batch);
                        batch = Buffer.buffer(BATCH_BYTES + 70_000);
                        request.progress().update(bytes, total);
                    }
                }
            }
            base += l.size();
        }
        if (batch.length() > 0) {
            write(batch);
        }
        request.progress().update(bytes, total);
        return new long[]{sent, bytes};
    }

    private static int grainLength(ScanResult r, long grain) {
        return (int) Math.min(r.digests().grainSize(), r.digests().capacity() - grain * r.digests().grainSize());
    }

    private void write(Buffer b) throws Exception {
        failIfClosed();
        while (socket.writeQueueFull()) {
            CompletableFuture<Void> drained = new CompletableFuture<>();
            socket.drainHandler(v -> drained.complete(null));
            if (!socket.writeQueueFull()) {
                break;
            }
            while (!drained.isDone()) {
                try {
                    drained.get(200, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    failIfClosed();
                }
            }
        }
        wireBytes += b.length();
        socket.write(b);
    }

    private void failIfClosed() throws Exception {
        if (closed) {
            Object o;
            while ((o = inbox.poll()) != null) {
                if (o instanceof Frame f && f.type() == Frames.ERROR) {
                    throw refused(f);
                }
            }
            throw new ReplicationException(peer + ": connection closed by the receiver");
        }
    }

    private Frame expect(byte type, String what) throws Exception {
        Frame f = next(what);
        if (f.type() != type) {
            throw new ReplicationException(peer + ": expected " + Frames.name(type) + " while waiting for " + what
                    + ", got " + Frames.name(f.type()));
        }
        return f;
    }

    private Frame next(String what) throws Exception {
        Object o = inbox.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (o == null) {
            throw new ReplicationException(peer + ": no answer within " + TIMEOUT_SECONDS + " s while waiting for " + what);
        }
        if (o == CLOSED) {
            throw new ReplicationException(peer + ": connection closed by the receiver while waiting for " + what);
        }
        if (o instanceof IOException e) {
            throw new ReplicationException(peer + ": " + e.getMessage(), e);
        }
        Frame f = (Frame) o;
        if (f.type() == Frames.ERROR) {
            throw refused(f);
        }
        return f;
    }

    private ReplicationException refused(Frame f) {
        return new ReplicationException(peer + ": receiver refused: " + f.payload().toString(StandardCharsets.UTF_8));
    }

    private <T> T await(Future<T> future, String what) throws Exception {
        try {
            return future.toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new ReplicationException(peer + ": " + what + " failed: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
