package io.lifeboat.protocol;

import io.lifeboat.protocol.v1.Envelope;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.util.Objects;

/**
 * An envelope link over a Vert.x {@link NetSocket}: frames outgoing envelopes, decodes incoming ones, and closes the
 * socket on the first bad frame, after which it delivers nothing more.
 */
public final class FramedConnection {

    private final NetSocket socket;
    private final FrameEncoder encoder;
    private final FrameDecoder decoder;
    private final Handler<FrameException> failureHandler;
    private final Promise<Void> closed = Promise.promise();
    private volatile boolean stopped;

    /**
     * Wraps a socket with the default maximum frame size; see {@link #FramedConnection(NetSocket, int, Handler, Handler)}.
     *
     * @param socket the connected socket
     * @param envelopeHandler receives each incoming envelope, in order, on the socket's context
     * @param failureHandler told once about a bad frame, just before the socket is closed
     */
    public FramedConnection(NetSocket socket, Handler<Envelope> envelopeHandler, Handler<FrameException> failureHandler) {
        this(socket, FrameFormat.DEFAULT_MAX_FRAME_BYTES, envelopeHandler, failureHandler);
    }

    /**
     * Wraps a socket and starts reading from it at once; create it in the connect handler or before the socket's
     * first read, so that no byte is missed.
     *
     * @param socket the connected socket
     * @param maxFrameBytes largest frame body accepted and sent, in bytes
     * @param envelopeHandler receives each incoming envelope, in order, on the socket's context
     * @param failureHandler told once about a bad frame, just before the socket is closed
     */
    public FramedConnection(NetSocket socket, int maxFrameBytes, Handler<Envelope> envelopeHandler,
            Handler<FrameException> failureHandler) {
        this.socket = Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(envelopeHandler, "envelopeHandler");
        this.failureHandler = Objects.requireNonNull(failureHandler, "failureHandler");
        this.encoder = new FrameEncoder(maxFrameBytes);
        this.decoder = new FrameDecoder(maxFrameBytes, String.valueOf(socket.remoteAddress()), envelope -> {
            if (!stopped) {
                deliver(envelopeHandler, envelope);
            }
        });
        // However the peer's stream ends (end of stream, reset, I/O error, and in whichever order Netty reports
        // them), a frame cut short is reported once as a bad frame; a close of our own reports nothing.
        socket.closeHandler(v -> {
            peerEnded();
            closed.tryComplete();
        });
        socket.endHandler(v -> peerEnded());
        socket.exceptionHandler(e -> {
            peerEnded();
            socket.close();
        });
        socket.handler(chunk -> {
            if (stopped) {
                return;
            }
            try {
                decoder.handle(chunk);
            } catch (FrameException e) {
                reject(e);
            }
        });
    }

    /**
     * Sends one envelope.
     *
     * @param envelope the envelope
     * @return completes when the frame was written; fails with {@link FrameException} if the envelope is larger
     *     than the maximum frame size (the connection stays open), or with the socket's error
     */
    public Future<Void> send(Envelope envelope) {
        if (stopped) {
            return Future.failedFuture(new IllegalStateException("connection to " + socket.remoteAddress()
                    + " is closed"));
        }
        try {
            return socket.write(encoder.encode(envelope));
        } catch (FrameException e) {
            return Future.failedFuture(e);
        }
    }

    /**
     * Sends a last envelope (typically a {@code HelloRefused}) and closes the connection once it is written; nothing
     * more is delivered in the meantime.
     *
     * @param last the envelope to send before closing
     * @return completes when the socket is closed; fails if the envelope could not be sent (the socket is closed
     *     all the same)
     */
    public Future<Void> sendAndClose(Envelope last) {
        Future<Void> written = send(last);
        stopped = true;
        return written.eventually(() -> socket.close());
    }

    /**
     * Closes the connection; nothing more is delivered.
     *
     * @return completes when the socket is closed
     */
    public Future<Void> close() {
        stopped = true;
        return socket.close();
    }

    /** @return completes when the socket has closed, for whatever reason */
    public Future<Void> closed() {
        return closed.future();
    }

    /** @return the error that closed the connection, or null */
    public FrameException failure() {
        return decoder.failure();
    }

    /** @return the peer's address */
    public SocketAddress remoteAddress() {
        return socket.remoteAddress();
    }

    /** @return the underlying socket */
    public NetSocket socket() {
        return socket;
    }

    /**
     * Hands one envelope to the handler. A handler that throws must not cost the rest of the chunk (the stream would
     * lose its framing), so its exception is reported to the Vert.x context in a task of its own and decoding goes on.
     */
    private static void deliver(Handler<Envelope> handler, Envelope envelope) {
        try {
            handler.handle(envelope);
        } catch (RuntimeException e) {
            Context context = Vertx.currentContext();
            if (context == null) {
                throw e;
            }
            context.runOnContext(v -> {
                throw e;
            });
        }
    }

    private void peerEnded() {
        if (stopped) {
            return;
        }
        try {
            decoder.end();
            stopped = true;
        } catch (FrameException e) {
            reject(e);
        }
    }

    private void reject(FrameException e) {
        stopped = true;
        try {
            failureHandler.handle(e);
        } finally {
            socket.close();
        }
    }
}
