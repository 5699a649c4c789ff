package io.lifeboat.agent.link;

import io.lifeboat.protocol.FrameException;
import io.lifeboat.protocol.FramedConnection;
import io.lifeboat.protocol.IncompatibleProtocolVersionException;
import io.lifeboat.protocol.ProtocolVersion;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.HelloAck;
import io.lifeboat.protocol.v1.Role;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One outgoing link from this agent to one voter (a coordinator or a peer agent): connects, says Hello, waits for
 * HelloAck, then delivers incoming envelopes; on any loss it reconnects with exponential backoff and jitter.
 * All methods run on the owning verticle's event loop.
 */
public final class VoterLink {
  private static final Logger LOG = LoggerFactory.getLogger(VoterLink.class);

  /** Link state. */
  public enum State {
    /** Not connected; a reconnect may be scheduled. */
    DISCONNECTED,
    /** TCP connect or Hello in progress. */
    CONNECTING,
    /** HelloAck received: envelopes flow. */
    OPEN,
    /** Stopped for good. */
    STOPPED
  }

  private final Vertx vertx;
  private final NetClient client;
  private final VoterAddress target;
  private final String hostId;
  private final Supplier<Envelope> hello;
  private final Function<HelloAck, Future<Void>> ackCheck;
  private final Consumer<VoterLink> onOpen;
  private final Consumer<Envelope> inbound;
  private final Duration backoffMin;
  private final Duration backoffMax;
  private FramedConnection connection;
  private State state = State.DISCONNECTED;
  private int failures;
  private long reconnectTimer = -1;
  private String lastError = "";
  private HelloAck ack;

  /**
   * Creates the link; {@link #start()} connects.
   *
   * @param vertx Vert.x
   * @param client the TCP client (TLS or plain)
   * @param target the voter
   * @param hostId this host's id, for logs
   * @param hello makes the Hello envelope for each attempt (fresh nonce, next sequence number)
   * @param ackCheck checks a HelloAck (e.g. the coordinator's epoch); a failed future closes the link
   * @param onOpen told when the link opens
   * @param inbound receives every envelope after the HelloAck
   * @param backoffMin first reconnect delay
   * @param backoffMax largest reconnect delay
   */
  public VoterLink(Vertx vertx, NetClient client, VoterAddress target, String hostId, Supplier<Envelope> hello,
      Function<HelloAck, Future<Void>> ackCheck, Consumer<VoterLink> onOpen, Consumer<Envelope> inbound,
      Duration backoffMin, Duration backoffMax) {
    this.vertx = vertx;
    this.client = client;
    this.target = target;
    this.hostId = hostId;
    this.hello = hello;
    this.ackCheck = ackCheck;
    this.onOpen = onOpen;
    this.inbound = inbound;
    this.backoffMin = backoffMin;
    this.backoffMax = backoffMax;
  }

  /** @return the voter */
  public VoterAddress target() {
    return target;
  }

  /** @return the current state */
  public State state() {
    return state;
  }

  /** @return the last HelloAck, or null before the first */
  public HelloAck helloAck() {
    return ack;
  }

  /** @return the last error, one line, empty when none */
  public String lastError() {
    return lastError;
  }

  /** @return whether envelopes can be sent */
  public boolean isOpen() {
    return state == State.OPEN;
  }

  /** Connects now. */
  public void start() {
    if (state == State.DISCONNECTED) {
      connect();
    }
  }

  /**
   * Sends an envelope when the link is open.
   *
   * @param envelope the envelope
   * @return the write; fails when the link is not open
   */
  public Future<Void> send(Envelope envelope) {
    if (state != State.OPEN) {
      return Future.failedFuture(new IllegalStateException("link " + hostId + " -> " + target + " is not open"));
    }
    return connection.send(envelope);
  }

  /**
   * Stops the link for good.
   *
   * @return completes when the socket is closed
   */
  public Future<Void> stop() {
    state = State.STOPPED;
    if (reconnectTimer >= 0) {
      vertx.cancelTimer(reconnectTimer);
    }
    return connection == null ? Future.succeededFuture() : connection.close();
  }

  /** Drops the connection (for tests and for a stale coordinator); it reconnects after the backoff. */
  public void drop() {
    if (connection != null) {
      connection.close();
    }
  }

  /**
   * Joins the distinct messages of a failure's cause chain, so a TLS refusal says why (e.g. "Failed to create SSL
   * connection: PKIX path building failed ...") rather than only Vert.x's outer message.
   */
  static String causes(Throwable failure) {
    StringBuilder out = new StringBuilder();
    java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
      String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage().strip();
      if (!m.isEmpty() && out.indexOf(m) < 0) {
        out.append(out.length() == 0 ? "" : ": ").append(m.replace('\n', ' '));
      }
    }
    return out.toString();
  }

  private void connect() {
    state = State.CONNECTING;
    client.connect(target.port(), target.host()).onComplete(ar -> {
      if (state == State.STOPPED) {
        if (ar.succeeded()) {
          ar.result().close();
        }
        return;
      }
      if (ar.failed()) {
        lost("connect failed: " + causes(ar.cause()));
        return;
      }
      lastError = ""; // an error of an earlier attempt must not be reported as this connection's end
      FramedConnection c = new FramedConnection(ar.result(), this::onEnvelope, this::onBadFrame);
      connection = c;
      c.closed().onComplete(v -> {
        if (connection == c) {
          lost(!lastError.isEmpty() ? lastError
              : state != State.CONNECTING ? "connection closed"
              : ar.result().isSsl() ? "connection closed before HelloAck (over TLS: the voter may have refused this"
                  + " agent's client certificate)"
              : "connection closed before HelloAck");
        }
      });
      c.send(hello.get()).onFailure(e -> fail("hello not sent: " + e.getMessage()));
    });
  }

  private void onEnvelope(Envelope envelope) {
    if (state == State.OPEN) {
      inbound.accept(envelope);
      return;
    }
    switch (envelope.getPayloadCase()) {
      case HELLO_ACK -> {
        HelloAck a = envelope.getHelloAck();
        try {
          ProtocolVersion.CURRENT.requireCompatible(ProtocolVersion.of(a), a.getResponderId());
        } catch (IncompatibleProtocolVersionException e) {
          fail(e.getMessage());
          return;
        }
        if (!a.getResponderId().equals(target.voterId())) {
          fail("voter at " + target.host() + ":" + target.port() + " answered as " + a.getResponderId()
              + ", expected " + target.voterId());
          return;
        }
        ackCheck.apply(a).onComplete(ok -> {
          if (state == State.STOPPED || connection == null) {
            return;
          }
          if (ok.failed()) {
            fail(ok.cause().getMessage());
            return;
          }
          ack = a;
          state = State.OPEN;
          failures = 0;
          lastError = "";
          LOG.info("[agent host={}] link to {} {} open (session {})", hostId, roleName(), target,
              a.getSessionId());
          onOpen.accept(this);
        });
      }
      case HELLO_REFUSED -> fail("refused by " + target + ": " + envelope.getHelloRefused().getReason() + ": "
          + envelope.getHelloRefused().getMessage());
      default -> fail("expected HelloAck from " + target + ", got " + envelope.getPayloadCase());
    }
  }

  private void onBadFrame(FrameException e) {
    lastError = "bad frame from " + target + ": " + e.getMessage();
  }

  private void fail(String why) {
    lastError = why;
    LOG.warn("[agent host={}] link to {} {}: {}", hostId, roleName(), target, why);
    if (connection != null) {
      connection.close();
    } else {
      lost(why);
    }
  }

  private void lost(String why) {
    if (state == State.STOPPED) {
      return;
    }
    if (state == State.OPEN) {
      LOG.warn("[agent host={}] link to {} {} lost: {}", hostId, roleName(), target, why);
    }
    lastError = why;
    connection = null;
    state = State.DISCONNECTED;
    failures++;
    long base = backoffMin.toMillis() << Math.min(failures - 1, 16);
    long delay = Math.min(backoffMax.toMillis(), Math.max(1, base));
    delay = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
    reconnectTimer = vertx.setTimer(Math.max(1, delay), id -> {
      reconnectTimer = -1;
      if (state == State.DISCONNECTED) {
        connect();
      }
    });
  }

  private String roleName() {
    return target.role() == Role.ROLE_COORDINATOR ? "coordinator" : "peer";
  }
}
