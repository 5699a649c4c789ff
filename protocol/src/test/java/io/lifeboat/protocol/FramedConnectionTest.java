package io.lifeboat.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.HelloAck;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real Vert.x TCP server speaking frames, driven by a raw client that may send anything. */
class FramedConnectionTest {

    private static final int MAX_FRAME_BYTES = 4096;

    private static Vertx vertx;
    /** Vert.x 5 closes a NetClient once it is garbage-collected (a Cleaner), and a client collected while its connect is in flight closes the new socket at once; so the client is held for as long as its sockets are used. */
    private static NetClient netClient;
    private NetServer server;
    private final List<Envelope> delivered = new CopyOnWriteArrayList<>();
    private final AtomicReference<FrameException> serverFailure = new AtomicReference<>();
    private final AtomicBoolean serverSawClose = new AtomicBoolean();

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
        netClient = vertx.createNetClient();
    }

    @AfterAll
    static void stopVertx() throws Exception {
        join(vertx.close());
    }

    @BeforeEach
    void startServer() throws Exception {
        server = vertx.createNetServer().connectHandler(socket -> {
            AtomicReference<FramedConnection> self = new AtomicReference<>();
            FramedConnection connection = new FramedConnection(socket, MAX_FRAME_BYTES, envelope -> {
                delivered.add(envelope);
                self.get().send(Envelope.newBuilder().setInReplyTo(envelope.getMessageId())
                        .setHelloAck(HelloAck.newBuilder().setResponderId("c1")).build());
            }, serverFailure::set);
            self.set(connection);
            connection.closed().onComplete(v -> serverSawClose.set(true));
        });
        join(server.listen(0, "127.0.0.1"));
    }

    @AfterEach
    void stopServer() throws Exception {
        join(server.close());
    }

    private static <T> T join(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private RawClient connect() throws Exception {
        NetSocket socket = join(netClient.connect(server.actualPort(), "127.0.0.1"));
        return new RawClient(socket);
    }

    /** A client that writes raw bytes and decodes whatever frames come back. */
    private static final class RawClient {
        final NetSocket socket;
        final List<Envelope> replies = new CopyOnWriteArrayList<>();
        final AtomicBoolean closed = new AtomicBoolean();

        RawClient(NetSocket socket) {
            this.socket = socket;
            FrameDecoder decoder = new FrameDecoder(replies::add);
            socket.handler(decoder);
            socket.closeHandler(v -> closed.set(true));
        }
    }

    private static Buffer frame(Envelope envelope) {
        return new FrameEncoder().encode(envelope);
    }

    @Test
    void validFramesAreDeliveredInOrderAndAnsweredOnTheSameLink() throws Exception {
        RawClient client = connect();
        Buffer two = frame(Envelope.newBuilder().setMessageId("m1").setSender("hostA").setSequence(1).build())
                .appendBuffer(frame(Envelope.newBuilder().setMessageId("m2").setSender("hostA").setSequence(2).build()));

        join(client.socket.write(two.getBuffer(0, 7)));
        join(client.socket.write(two.getBuffer(7, two.length())));

        await().atMost(Duration.ofSeconds(5)).until(() -> client.replies.size() == 2);
        assertThat(delivered).extracting(Envelope::getMessageId).containsExactly("m1", "m2");
        assertThat(client.replies).extracting(Envelope::getInReplyTo).containsExactly("m1", "m2");
        assertThat(client.closed).isFalse();
        assertThat(serverFailure.get()).isNull();
    }

    @Test
    void anHttpRequestIsAnOversizedFrameThatClosesTheConnection() throws Exception {
        RawClient client = connect();

        join(client.socket.write(Buffer.buffer("GET / HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.US_ASCII.name())));

        await().atMost(Duration.ofSeconds(5)).untilTrue(client.closed);
        await().atMost(Duration.ofSeconds(5)).untilTrue(serverSawClose);
        assertThat(serverFailure.get()).hasMessageContaining("frame of 1195725856 bytes exceeds the maximum of 4096"
                + " bytes");
        assertThat(delivered).isEmpty();
        assertThat(client.replies).isEmpty();
    }

    @Test
    void aFrameThatIsNotAnEnvelopeClosesTheConnectionAndLaterFramesAreNotDelivered() throws Exception {
        RawClient client = connect();
        Buffer garbage = Buffer.buffer().appendInt(5).appendBytes(new byte[] {-1, -1, -1, -1, -1});

        join(client.socket.write(garbage.appendBuffer(frame(Envelope.newBuilder().setMessageId("after").build()))));

        await().atMost(Duration.ofSeconds(5)).untilTrue(client.closed);
        assertThat(serverFailure.get()).hasMessageContaining("5 bytes do not parse as a lifeboat.v1.Envelope");
        assertThat(delivered).isEmpty();
        assertThat(client.replies).isEmpty();
    }

    @Test
    void aFrameCutShortByTheClientClosingIsReportedAndNotDelivered() throws Exception {
        RawClient client = connect();
        Buffer whole = frame(Envelope.newBuilder().setMessageId("cut").setSender("hostA").build());

        // Bytes and end of stream in one go: the server closes as soon as it sees both, so neither the write's nor
        // the end's future outcome may matter to this test (under load the write used to fail with a closed channel).
        client.socket.end(whole.getBuffer(0, whole.length() - 3));

        await().atMost(Duration.ofSeconds(5)).until(() -> serverFailure.get() != null);
        assertThat(serverFailure.get()).hasMessageContaining("stream ended inside frame 1");
        assertThat(delivered).isEmpty();
    }

    @Test
    void anEnvelopeTooLargeToSendFailsTheSendAndKeepsTheConnection() throws Exception {
        AtomicReference<Future<Void>> tooLarge = new AtomicReference<>();
        NetServer bigSender = vertx.createNetServer().connectHandler(socket -> {
            AtomicReference<FramedConnection> self = new AtomicReference<>();
            self.set(new FramedConnection(socket, 64, trigger -> {
                tooLarge.set(self.get().send(Envelope.newBuilder().setSender("x".repeat(100)).build()));
                self.get().send(Envelope.newBuilder().setMessageId("small").build());
            }, e -> { }));
        });
        join(bigSender.listen(0, "127.0.0.1"));
        RawClient client = new RawClient(join(netClient.connect(bigSender.actualPort(), "127.0.0.1")));
        join(client.socket.write(frame(Envelope.newBuilder().setMessageId("go").build())));

        await().atMost(Duration.ofSeconds(5)).until(() -> client.replies.size() == 1);
        assertThat(client.replies.get(0).getMessageId()).isEqualTo("small");
        assertThat(tooLarge.get().cause()).isInstanceOf(FrameException.class)
                .hasMessageContaining("exceeds the maximum frame size of 64 bytes");
        assertThat(client.closed).isFalse();
    }

    @Test
    void sendAndCloseDeliversTheLastEnvelopeBeforeClosing() throws Exception {
        NetServer refuser = vertx.createNetServer().connectHandler(socket -> {
            AtomicReference<FramedConnection> self = new AtomicReference<>();
            self.set(new FramedConnection(socket, hello -> self.get().sendAndClose(Envelope.newBuilder()
                    .setInReplyTo(hello.getMessageId())
                    .setHelloRefused(new IncompatibleProtocolVersionException("hostA", new ProtocolVersion(2, 0),
                            ProtocolVersion.CURRENT).toHelloRefused("c1"))
                    .build()), e -> { }));
        });
        join(refuser.listen(0, "127.0.0.1"));
        RawClient client = new RawClient(join(netClient.connect(refuser.actualPort(), "127.0.0.1")));

        join(client.socket.write(frame(Envelope.newBuilder().setMessageId("hello-1").build())));

        await().atMost(Duration.ofSeconds(5)).untilTrue(client.closed);
        assertThat(client.replies).hasSize(1);
        assertThat(client.replies.get(0).getInReplyTo()).isEqualTo("hello-1");
        assertThat(client.replies.get(0).getHelloRefused().getMessage()).contains("peer hostA speaks lifeboat"
                + " protocol 2.0");
    }

    @Test
    void aHandlerThatThrowsCostsNeitherTheFollowingFramesNorTheConnection() throws Exception {
        List<String> handled = new CopyOnWriteArrayList<>();
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        vertx.exceptionHandler(reported::add);
        NetServer fragile = vertx.createNetServer().connectHandler(socket -> new FramedConnection(socket, envelope -> {
            handled.add(envelope.getMessageId());
            if (envelope.getMessageId().equals("boom")) {
                throw new IllegalStateException("handler bug on boom");
            }
        }, e -> { }));
        join(fragile.listen(0, "127.0.0.1"));
        RawClient client = new RawClient(join(netClient.connect(fragile.actualPort(), "127.0.0.1")));

        join(client.socket.write(frame(Envelope.newBuilder().setMessageId("boom").build())
                .appendBuffer(frame(Envelope.newBuilder().setMessageId("next").build()))));

        await().atMost(Duration.ofSeconds(5)).until(() -> handled.size() == 2 && reported.size() == 1);
        assertThat(handled).containsExactly("boom", "next");
        assertThat(reported.get(0)).hasMessage("handler bug on boom");
        assertThat(client.closed).isFalse();
        vertx.exceptionHandler(null);
    }
}
