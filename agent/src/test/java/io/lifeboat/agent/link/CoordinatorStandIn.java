package io.lifeboat.agent.link;

import com.google.protobuf.Duration;
import io.lifeboat.protocol.FramedConnection;
import io.lifeboat.protocol.ProtocolVersion;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.HelloAck;
import io.lifeboat.protocol.v1.HelloRefused;
import io.lifeboat.protocol.v1.LeaseGrant;
import io.lifeboat.protocol.v1.RefusalReason;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test double of the lease authority: a real Vert.x NetServer speaking lifeboat.v1 frames through the real codec.
 * It answers Hellos with its epoch, grants renewals while {@code granting}, and records everything it receives.
 */
final class CoordinatorStandIn {
  final String id;
  final LinkCredentials credentials;
  final List<Envelope> received = new CopyOnWriteArrayList<>();
  final List<FramedConnection> connections = new CopyOnWriteArrayList<>();
  volatile long epoch;
  volatile boolean granting = true;
  volatile int protocolMajor = ProtocolVersion.CURRENT.major();
  private NetServer server;

  CoordinatorStandIn(String id, long epoch, LinkCredentials credentials) {
    this.id = id;
    this.epoch = epoch;
    this.credentials = credentials;
  }

  Future<Integer> listen(Vertx vertx, int port) {
    server = vertx.createNetServer().connectHandler(socket -> {
      FramedConnection[] c = {null};
      c[0] = new FramedConnection(socket, env -> handle(c[0], env), e -> { });
      connections.add(c[0]);
      c[0].closed().onComplete(v -> connections.remove(c[0]));
    });
    return server.listen(port, "127.0.0.1").map(NetServer::actualPort);
  }

  Future<Void> close() {
    connections.forEach(FramedConnection::close);
    return server.close();
  }

  void dropAll() {
    connections.forEach(FramedConnection::close);
  }

  Future<Void> send(Envelope envelope) {
    return connections.get(0).send(envelope);
  }

  List<Envelope> received(Envelope.PayloadCase kind) {
    return received.stream().filter(e -> e.getPayloadCase() == kind).toList();
  }

  private void handle(FramedConnection conn, Envelope env) {
    received.add(env);
    Envelope.Builder reply = Envelope.newBuilder().setMessageId(UUID.randomUUID().toString()).setSender(id)
        .setEpoch(epoch).setInReplyTo(env.getMessageId());
    switch (env.getPayloadCase()) {
      case HELLO -> {
        if (!credentials.verify(env.getHello())) {
          conn.send(reply.setHelloRefused(HelloRefused.newBuilder()
              .setReason(RefusalReason.REFUSAL_REASON_BAD_CREDENTIALS).setMessage("bad credentials")).build())
              .onComplete(v -> conn.close());
          return;
        }
        conn.send(reply.setHelloAck(HelloAck.newBuilder().setResponderId(id).setProtocolMajor(protocolMajor)
            .setEpoch(epoch).setSessionId("s-" + UUID.randomUUID())
            .setHeartbeatInterval(Duration.newBuilder().setNanos(100_000_000))
            .setLeaseTtl(Duration.newBuilder().setSeconds(8))).build());
      }
      case LEASE_RENEW -> {
        if (granting) {
          conn.send(reply.setLeaseGrant(LeaseGrant.newBuilder().setHostId(env.getLeaseRenew().getHostId())
              .setRenewalNumber(env.getLeaseRenew().getRenewalNumber()).setVoterId(id)
              .setTtl(Duration.newBuilder().setSeconds(8))).build());
        }
      }
      default -> { }
    }
  }
}
