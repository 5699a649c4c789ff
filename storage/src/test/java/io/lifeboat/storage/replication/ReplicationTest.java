package io.lifeboat.storage.replication;

import io.lifeboat.storage.replication.internal.Frames;
import io.lifeboat.storage.store.ChunkStore;
import io.lifeboat.storage.store.MemoryDiskImage;
import io.lifeboat.storage.store.RestorePoint;
import io.lifeboat.storage.store.RestorePointId;
import io.lifeboat.storage.store.RestorePointImage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class ReplicationTest {

    private static final int GRAIN = 64 * 1024;
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;
    private Vertx vertx;
    private ChunkStore store;
    private ReplicationReceiver receiver;
    private MemoryDiskImage disk;
    private final Random rnd = new Random(7);

    @BeforeEach
    void setUp() throws Exception {
        vertx = Vertx.vertx();
        store = ChunkStore.open(tmp.resolve("store"));
        receiver = new ReplicationReceiver(store, ReceiverOptions.plain("127.0.0.1", 0, SECRET));
        result(vertx.deployVerticle(receiver));
        disk = new MemoryDiskImage(tmp.resolve("disk.vmdk"), 1024L * GRAIN, GRAIN);
        for (long g = 0; g < 1024; g += 3) {
            disk.randomGrain(g, rnd);
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        result(vertx.close());
    }

    private PushResult push(SenderOptions options) throws Exception {
        MemoryDiskImage snapshot = disk.copy();
        return result(new ReplicationSender(vertx, options).push(new PushRequest("guest-1", List.of(disk.path()),
                tmp.resolve("digests"), f -> snapshot.copy(), ReplicationProgress.NONE)));
    }

    private SenderOptions direct() {
        return SenderOptions.plain("127.0.0.1", receiver.actualPort(), SECRET);
    }

    private byte[] restored(String pointId) throws Exception {
        RestorePoint p = store.load(RestorePointId.parse(pointId));
        try (RestorePointImage img = new RestorePointImage(store, p.disks().get(0))) {
            return MemoryDiskImage.readAll(img);
        }
    }

    @Test
    void fullThenIncrementalSendsOnlyChangedChunksWithinTheWireBudget() throws Exception {
        PushResult full = push(direct());
        assertThat(full.fullCompare()).isTrue();
        assertThat(full.chunksSent()).isEqualTo(disk.grains().size());
        assertThat(restored(full.pointId())).isEqualTo(disk.content());

        List<Long> grains = new ArrayList<>(disk.grains().keySet());
        Collections.shuffle(grains, rnd);
        int changed = grains.size() / 10;
        for (long g : grains.subList(0, changed)) {
            disk.randomGrain(g, rnd);
        }
        PushResult inc = push(direct());
        long changedBytes = (long) changed * GRAIN;
        assertThat(inc.fullCompare()).isFalse();
        assertThat(inc.grainsHashed()).isEqualTo(changed);
        assertThat(inc.chunksSent()).isEqualTo(changed);
        assertThat(inc.wireBytesSent()).isLessThanOrEqualTo((long) (1.05 * changedBytes) + inc.chunkListBytes());
        assertThat(restored(inc.pointId())).isEqualTo(disk.content());
        assertThat(store.isVerified(store.load(RestorePointId.parse(full.pointId())))).isTrue();
        assertThat(receiver.stats().pointsCommitted.get()).isEqualTo(2);
    }

    @Test
    void aSenderWithTheWrongSecretIsRefusedBeforeAnyDataIsRead() throws Exception {
        byte[] wrong = "not-the-secret-not-the-secret!!!".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> push(SenderOptions.plain("127.0.0.1", receiver.actualPort(), wrong)))
                .hasMessageContaining("does not know the shared secret");

        // a raw peer that answers the challenge wrongly is refused by the receiver
        Conversation c = new Conversation(vertx, receiver.actualPort());
        c.send(Frames.frame(Frames.HELLO, Buffer.buffer().appendUnsignedShort(Frames.VERSION).appendBytes(new byte[32])));
        await().atMost(Duration.ofSeconds(5)).until(() -> c.received().length() >= Frames.HEADER + 64);
        c.send(Frames.frame(Frames.AUTH, Buffer.buffer(new byte[32])));
        await().atMost(Duration.ofSeconds(5)).until(c::closed);
        assertThat(c.received().toString(StandardCharsets.ISO_8859_1)).contains("authentication failed");

        // a peer that skips the handshake and sends an offer, or a huge frame, is cut off at the frame header
        Conversation offer = new Conversation(vertx, receiver.actualPort());
        offer.send(Frames.frame(Frames.OFFER, Buffer.buffer("{\"guestId\":\"x\"}")));
        await().atMost(Duration.ofSeconds(5)).until(offer::closed);
        Conversation huge = new Conversation(vertx, receiver.actualPort());
        huge.send(Buffer.buffer().appendByte(Frames.CHUNK).appendInt(1 << 30).appendBytes(new byte[1 << 16]));
        await().atMost(Duration.ofSeconds(5)).until(huge::closed);

        // the wrong-secret sender gave up itself when the receiver's proof did not match; the other three were refused
        assertThat(receiver.stats().refused.get()).isEqualTo(3);
        assertThat(receiver.stats().authenticated.get()).isZero();
        assertThat(store.points(null)).isEmpty();
        try (var s = Files.list(store.directory().resolve("sessions"))) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void anInterruptedPushResumesWithoutResendingVerifiedChunks() throws Exception {
        CuttingProxy proxy = new CuttingProxy(vertx, receiver.actualPort(), 20L * GRAIN);
        int proxyPort = proxy.start();
        assertThatThrownBy(() -> push(SenderOptions.plain("127.0.0.1", proxyPort, SECRET)))
                .isInstanceOf(ReplicationException.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.stats().sessionsInterrupted.get() == 1);
        long verifiedFirst = receiver.stats().chunksVerified.get();
        assertThat(verifiedFirst).isPositive();
        assertThat(store.points(null)).isEmpty();

        PushResult second = push(direct());
        int total = disk.grains().size();
        assertThat(second.chunksSent()).isEqualTo(total - verifiedFirst);
        assertThat(receiver.stats().chunksVerified.get()).isEqualTo(total);
        assertThat(restored(second.pointId())).isEqualTo(disk.content());
    }

    @Test
    void theBandwidthLimitIsHonoured() throws Exception {
        disk = new MemoryDiskImage(tmp.resolve("small.vmdk"), 64L * GRAIN, GRAIN);
        for (long g = 0; g < 64; g++) {
            disk.randomGrain(g, rnd);
        }
        AtomicLong lastProgress = new AtomicLong();
        long limit = 2L << 20;
        long t0 = System.nanoTime();
        MemoryDiskImage snapshot = disk.copy();
        PushResult r = result(new ReplicationSender(vertx, direct().withLimit(limit)).push(new PushRequest("guest-1",
                List.of(disk.path()), tmp.resolve("digests"), f -> snapshot.copy(), (done, all) -> lastProgress.set(done))));
        double seconds = (System.nanoTime() - t0) / 1e9;
        // 4 MiB at 2 MiB/s with a 512 KiB burst: at least 1.75 s
        assertThat(seconds).isBetween(1.6, 8.0);
        assertThat(r.chunkBytesSent()).isEqualTo(4L << 20);
        assertThat(lastProgress.get()).isEqualTo(4L << 20);
    }

    @Test
    void aDigestThatLiesIsCaughtByTheReceiverAndNeverTrustedAgain() throws Exception {
        push(direct());
        // forge the digest file: same CRCs for the last grain, but another SHA-256 (what a CRC collision would do)
        Path digestFile;
        try (var s = Files.walk(tmp.resolve("digests"))) {
            digestFile = s.filter(Files::isRegularFile).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(digestFile);
        bytes[bytes.length - 1] ^= 1;
        Files.write(digestFile, bytes);

        assertThatThrownBy(() -> push(direct())).hasMessageContaining("chunk mismatch");
        assertThat(digestFile).doesNotExist();
        assertThat(store.points(null)).hasSize(1);

        PushResult healed = push(direct());
        assertThat(healed.fullCompare()).isTrue();
        assertThat(restored(healed.pointId())).isEqualTo(disk.content());
    }

    @Test
    void tlsCarriesThePushWhenBothSidesUseIt() throws Exception {
        Path cert = tmp.resolve("cert.pem");
        Path key = tmp.resolve("key.pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        ReplicationReceiver tls = new ReplicationReceiver(store, new ReceiverOptions("127.0.0.1", 0, SECRET, cert, key,
                "lifeboat-store-io", 2));
        result(vertx.deployVerticle(tls));
        SenderOptions o = new SenderOptions("127.0.0.1", tls.actualPort(), SECRET, 0, true, cert,
                "lifeboat-replication-send");
        PushResult r = push(o);
        assertThat(restored(r.pointId())).isEqualTo(disk.content());
        assertThatThrownBy(() -> push(SenderOptions.plain("127.0.0.1", tls.actualPort(), SECRET)))
                .isInstanceOf(ReplicationException.class);
    }

    static <T> T result(Future<T> f) throws Exception {
        try {
            return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** A raw TCP peer that records what it receives. */
    static final class Conversation {
        /** Held while the socket is used: Vert.x 5 closes a NetClient once it is garbage-collected. */
        private final NetClient client;
        private final NetSocket socket;
        private final Buffer received = Buffer.buffer();
        private volatile boolean closed;

        Conversation(Vertx vertx, int port) throws Exception {
            client = vertx.createNetClient();
            socket = ReplicationTest.result(client.connect(port, "127.0.0.1"));
            socket.handler(b -> {
                synchronized (received) {
                    received.appendBuffer(b);
                }
            });
            socket.closeHandler(v -> closed = true);
        }

        void send(Buffer b) {
            socket.write(b);
        }

        Buffer received() {
            synchronized (received) {
                return received.copy();
            }
        }

        boolean closed() {
            return closed;
        }
    }

    /** Forwards a connection to the receiver and cuts it after a number of sender bytes. */
    static final class CuttingProxy {
        private final Vertx vertx;
        /** Held while the proxy runs: Vert.x 5 closes a NetClient once it is garbage-collected. */
        private NetClient client;
        private final int target;
        private final long cutAfter;

        CuttingProxy(Vertx vertx, int target, long cutAfter) {
            this.vertx = vertx;
            this.target = target;
            this.cutAfter = cutAfter;
        }

        int start() throws Exception {
            client = vertx.createNetClient();
            CompletableFuture<Integer> port = new CompletableFuture<>();
            vertx.createNetServer().connectHandler(in -> {
                in.pause();
                client.connect(target, "127.0.0.1").onSuccess(out -> {
                    AtomicLong forwarded = new AtomicLong();
                    in.handler(b -> {
                        if (forwarded.addAndGet(b.length()) > cutAfter) {
                            in.close();
                            out.close();
                        } else {
                            out.write(b);
                        }
                    });
                    out.handler(in::write);
                    in.closeHandler(v -> out.close());
                    out.closeHandler(v -> in.close());
                    in.resume();
                });
            }).listen(0, "127.0.0.1").onSuccess(s -> port.complete(s.actualPort()));
            return port.get(10, TimeUnit.SECONDS);
        }
    }
}
