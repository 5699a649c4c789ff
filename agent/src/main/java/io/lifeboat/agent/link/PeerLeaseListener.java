package io.lifeboat.agent.link;

import com.google.protobuf.Duration;
import io.lifeboat.protocol.FramedConnection;
import io.lifeboat.protocol.IncompatibleProtocolVersionException;
import io.lifeboat.protocol.ProtocolVersion;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.Hello;
import io.lifeboat.protocol.v1.HelloAck;
import io.lifeboat.protocol.v1.HelloRefused;
import io.lifeboat.protocol.v1.LeaseGrant;
import io.lifeboat.protocol.v1.RefusalReason;
import io.lifeboat.protocol.v1.Role;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's small TCP listener for peer agents: it checks each peer's Hello (known id, shared secret, protocol
 * major) and grants every lease renewal it receives, with its lease TTL, as a voter (DESIGN.md, "Who may run a
 * guest"). It grants; it never decides anything about the peer.
 */
public final class PeerLeaseListener {
  private static final Logger LOG = LoggerFactory.getLogger(PeerLeaseListener.class);

  private final Vertx vertx;
  private final String hostId;
  private final long incarnation;
  private final Set<String> knownPeers;
  private final LinkCredentials credentials;
  private final java.time.Duration heartbeatInterval;
  private final java.time.Duration leaseTtl;
  private final EnvelopeFactory envelopes;
  private final Consumer<String> heard;
  private NetServer server;

  /**
   * Creates the listener.
   *
   * @param vertx Vert.x
   * @param hostId this host's id (the voter id in grants)
   * @param incarnation this start's incarnation
   * @param knownPeers host ids of the peer agents allowed to connect
   * @param credentials the shared secret
   * @param heartbeatInterval interval told to peers in the HelloAck
   * @param leaseTtl TTL granted to peers, counted from receipt
   * @param envelopes stamps outgoing envelopes
   * @param heard told the peer id at every envelope received from a peer
   */
  public PeerLeaseListener(Vertx vertx, String hostId, long incarnation, Set<String> knownPeers,
      LinkCredentials credentials, java.time.Duration heartbeatInterval, java.time.Duration leaseTtl,
      EnvelopeFactory envelopes, Consumer<String> heard) {
    this.vertx = vertx;
    this.hostId = hostId;
    this.incarnation = incarnation;
    this.knownPeers = Set.copyOf(knownPeers);
    this.credentials = credentials;
    this.heartbeatInterval = heartbeatInterval;
    this.leaseTtl = leaseTtl;
    this.envelopes = envelopes;
    this.heard = heard;
  }

  /**
   * Listens.
   *
   * @param options server options (host, port, TLS with client authentication)
   * @return the actual port
   */
  public Future<Integer> listen(NetServerOptions options) {
    server = vertx.createNetServer(options).connectHandler(this::accept);
    return server.listen().map(NetServer::actualPort);
  }

  /** @return completes when closed */
  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void accept(NetSocket socket) {
    String[] peer = {null};
    FramedConnection[] conn = {null};
    conn[0] = new FramedConnection(socket, envelope -> {
      if (peer[0] == null) {
        peer[0] = hello(conn[0], envelope);
        return;
      }
      heard.accept(peer[0]);
      if (envelope.getPayloadCase() == Envelope.PayloadCase.LEASE_RENEW) {
        var renew = envelope.getLeaseRenew();
        if (!renew.getHostId().equals(peer[0])) {
          return;
        }
        conn[0].send(envelopes.next().setInReplyTo(envelope.getMessageId()).setLeaseGrant(LeaseGrant.newBuilder()
            .setHostId(peer[0]).setRenewalNumber(renew.getRenewalNumber()).setVoterId(hostId)
            .setTtl(Duration.newBuilder().setSeconds(leaseTtl.getSeconds()).setNanos(leaseTtl.getNano())))
            .build());
      }
    }, e -> LOG.warn("[agent host={}] peer link from {}: {}", hostId, socket.remoteAddress(), e.getMessage()));
  }

  private String hello(FramedConnection conn, Envelope envelope) {
    if (envelope.getPayloadCase() != Envelope.PayloadCase.HELLO) {
      refuse(conn, envelope, RefusalReason.REFUSAL_REASON_MALFORMED, "expected Hello as the first message, got "
          + envelope.getPayloadCase());
      return null;
    }
    Hello hello = envelope.getHello();
    try {
      ProtocolVersion.requireCompatible(hello);
    } catch (IncompatibleProtocolVersionException e) {
      refuse(conn, envelope, RefusalReason.REFUSAL_REASON_INCOMPATIBLE_VERSION, e.getMessage());
      return null;
    }
    if (hello.getRole() != Role.ROLE_AGENT || !knownPeers.contains(hello.getSenderId())) {
      refuse(conn, envelope, RefusalReason.REFUSAL_REASON_UNKNOWN_SENDER, "agent " + hostId + " does not know peer \""
          + hello.getSenderId() + "\" (" + hello.getRole() + ")");
      return null;
    }
    if (!credentials.verify(hello)) {
      refuse(conn, envelope, RefusalReason.REFUSAL_REASON_BAD_CREDENTIALS, "credentials of peer "
          + hello.getSenderId() + " do not verify with key \"" + credentials.keyId() + "\"");
      return null;
    }
    heard.accept(hello.getSenderId());
    conn.send(envelopes.next().setInReplyTo(envelope.getMessageId()).setHelloAck(HelloAck.newBuilder()
        .setResponderId(hostId).setProtocolMajor(ProtocolVersion.CURRENT.major())
        .setProtocolMinor(ProtocolVersion.CURRENT.minor()).setIncarnation(incarnation).setEpoch(0)
        .setSessionId(UUID.randomUUID().toString())
        .setHeartbeatInterval(Duration.newBuilder().setSeconds(heartbeatInterval.getSeconds())
            .setNanos(heartbeatInterval.getNano()))
        .setLeaseTtl(Duration.newBuilder().setSeconds(leaseTtl.getSeconds()).setNanos(leaseTtl.getNano())))
        .build());
    return hello.getSenderId();
  }

  private void refuse(FramedConnection conn, Envelope envelope, RefusalReason reason, String message) {
    LOG.warn("[agent host={}] refused peer link from {}: {}", hostId, conn.remoteAddress(), message);
    conn.send(envelopes.next().setInReplyTo(envelope.getMessageId()).setHelloRefused(HelloRefused.newBuilder()
        .setReason(reason).setMessage(message).setProtocolMajor(ProtocolVersion.CURRENT.major())
        .setProtocolMinor(ProtocolVersion.CURRENT.minor()).setResponderId(hostId)).build())
        .onComplete(v -> conn.close());
  }
}
