package io.lifeboat.agent.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Duration;
import io.lifeboat.agent.fence.LeaseFileWriter;
import io.lifeboat.agent.fence.LeaseKeeper;
import io.lifeboat.agent.fence.MonotonicClock;
import io.lifeboat.agent.fence.SelfFence;
import io.lifeboat.protocol.FramedConnection;
import io.lifeboat.protocol.ProtocolVersion;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.HelloAck;
import io.lifeboat.protocol.v1.LeaseGrant;
import io.lifeboat.protocol.v1.Role;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's {@code tls:} option against a coordinator stand-in that requires client certificates: certificates are
 * made with {@code openssl} at test time (a CA, a server certificate for 127.0.0.1/localhost, an agent certificate,
 * and a second CA nobody trusts).
 */
class AgentLinkTlsTest {
  static final LinkCredentials SECRET =
      new LinkCredentials("site", "0123456789abcdef-site".getBytes(StandardCharsets.UTF_8));

  @TempDir
  static Path pki;

  @TempDir
  Path dir;

  Vertx vertx;
  TlsCoordinator coordinator;
  int port;

  @BeforeAll
  static void makeCertificates() throws Exception {
    ca("ca");
    ca("rogue-ca");
    leaf("server", "ca", "/CN=coordinator", "subjectAltName=DNS:localhost,IP:127.0.0.1");
    leaf("agent", "ca", "/CN=hostP", "subjectAltName=DNS:hostP");
  }

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    coordinator = new TlsCoordinator();
    port = get(coordinator.listen(vertx));
  }

  @AfterEach
  void tearDown() throws Exception {
    get(coordinator.close().recover(e -> Future.succeededFuture()));
    get(vertx.close());
  }

  @Test
  void agentWithItsClientCertificateSaysHelloAndHeartbeatsOverTls() throws Exception {
    AgentLink link = startAgent(new LinkSettings.TlsSettings(pki.resolve("agent.pem"), pki.resolve("agent.key"),
        pki.resolve("ca.pem")));
    await().atMost(30, TimeUnit.SECONDS).until(() -> coordinator.received(Envelope.PayloadCase.HEARTBEAT).size() >= 3);
    Envelope hello = coordinator.received.get(0);
    assertThat(hello.getPayloadCase()).isEqualTo(Envelope.PayloadCase.HELLO);
    assertThat(hello.getHello().getSenderId()).isEqualTo("hostP");
    assertThat(SECRET.verify(hello.getHello())).isTrue();
    assertThat(coordinator.clientSubjects).containsOnly("CN=hostP");
    assertThat(coordinator.received(Envelope.PayloadCase.LEASE_RENEW)).isNotEmpty();
    await().atMost(30, TimeUnit.SECONDS).until(() -> link.links().get(0).isOpen());
  }

  @Test
  void agentWithoutClientCertificateIsRefusedAtTheHandshake() throws Exception {
    AgentLink link = startAgent(new LinkSettings.TlsSettings(null, null, pki.resolve("ca.pem")));
    await().atMost(30, TimeUnit.SECONDS).until(() -> !coordinator.handshakeErrors.isEmpty());
    await().during(1, TimeUnit.SECONDS).atMost(2, TimeUnit.SECONDS)
        .until(() -> coordinator.received.isEmpty() && !link.links().get(0).isOpen());
    assertThat(coordinator.clientSubjects).isEmpty();
    assertThat(coordinator.handshakeErrors).first().asString().contains("Empty client certificate chain");
    assertThat(link.links().get(0).lastError()).startsWith("connection closed before HelloAck (over TLS");
  }

  @Test
  void agentThatDoesNotTrustTheCoordinatorCertificateRefusesIt() throws Exception {
    AgentLink link = startAgent(new LinkSettings.TlsSettings(pki.resolve("agent.pem"), pki.resolve("agent.key"),
        pki.resolve("rogue-ca.pem")));
    await().atMost(30, TimeUnit.SECONDS).until(() -> !link.links().get(0).lastError().isEmpty());
    await().during(1, TimeUnit.SECONDS).atMost(2, TimeUnit.SECONDS)
        .until(() -> coordinator.received.isEmpty() && !link.links().get(0).isOpen());
    assertThat(coordinator.clientSubjects).isEmpty();
    assertThat(link.links().get(0).lastError()).startsWith("connect failed: ").contains("PKIX path building failed");
    await().atMost(30, TimeUnit.SECONDS).until(() -> coordinator.handshakeErrors.stream()
        .anyMatch(e -> String.valueOf(e.getMessage()).contains("certificate_unknown")));
  }

  AgentLink startAgent(LinkSettings.TlsSettings tls) throws Exception {
    Path state = dir.resolve("hostP");
    Files.createDirectories(state);
    java.time.Duration deadline = java.time.Duration.ofMillis(600);
    LeaseKeeper lease = new LeaseKeeper("hostP", List.of("hostP", "c1"), deadline, MonotonicClock.SYSTEM);
    SelfFence selfFence = new SelfFence("hostP", lease, state.resolve("fenced"));
    LinkSettings settings = new LinkSettings("hostP",
        List.of(new VoterAddress("c1", Role.ROLE_COORDINATOR, "127.0.0.1", port)), List.of(), "127.0.0.1", -1,
        java.time.Duration.ofMillis(100), deadline, java.time.Duration.ofMillis(800), java.time.Duration.ofMillis(20),
        java.time.Duration.ofMillis(200), SECRET, tls, state);
    CommandHandler handler = new CommandHandler() {
      @Override
      public boolean supports(Envelope.PayloadCase command) {
        return false;
      }

      @Override
      public Future<CommandResult> handle(Envelope command) {
        return Future.failedFuture("unsupported");
      }
    };
    AgentLink link = new AgentLink(settings, EpochStore.open(state.resolve("epoch")),
        IncarnationStore.bump(state.resolve("incarnation")), lease, selfFence, handler,
        reason -> Future.succeededFuture(List.of()),
        new LeaseFileWriter(state.resolve("lease"), Path.of("/proc/uptime")), List::of, MonotonicClock.SYSTEM, null);
    get(vertx.deployVerticle(link));
    return link;
  }

  /** A coordinator stand-in behind TLS that requires a client certificate signed by the test CA. */
  static final class TlsCoordinator {
    final List<Envelope> received = new CopyOnWriteArrayList<>();
    final List<String> clientSubjects = new CopyOnWriteArrayList<>();
    final List<Throwable> handshakeErrors = new CopyOnWriteArrayList<>();
    final List<FramedConnection> connections = new CopyOnWriteArrayList<>();
    private NetServer server;

    Future<Integer> listen(Vertx vertx) {
      NetServerOptions options = new NetServerOptions().setSsl(true).setClientAuth(ClientAuth.REQUIRED)
          .setKeyCertOptions(new PemKeyCertOptions().setCertPath(pki.resolve("server.pem").toString())
              .setKeyPath(pki.resolve("server.key").toString()))
          .setTrustOptions(new PemTrustOptions().addCertPath(pki.resolve("ca.pem").toString()));
      server = vertx.createNetServer(options).exceptionHandler(handshakeErrors::add).connectHandler(socket -> {
        try {
          socket.peerCertificates().forEach(c ->
              clientSubjects.add(((X509Certificate) c).getSubjectX500Principal().getName()));
        } catch (Exception e) {
          handshakeErrors.add(e);
        }
        FramedConnection[] c = {null};
        c[0] = new FramedConnection(socket, env -> handle(c[0], env), e -> { });
        connections.add(c[0]);
      });
      return server.listen(0, "127.0.0.1").map(NetServer::actualPort);
    }

    Future<Void> close() {
      connections.forEach(FramedConnection::close);
      return server.close();
    }

    List<Envelope> received(Envelope.PayloadCase kind) {
      return received.stream().filter(e -> e.getPayloadCase() == kind).toList();
    }

    private void handle(FramedConnection conn, Envelope env) {
      received.add(env);
      Envelope.Builder reply = Envelope.newBuilder().setMessageId(UUID.randomUUID().toString()).setSender("c1")
          .setEpoch(3).setInReplyTo(env.getMessageId());
      switch (env.getPayloadCase()) {
        case HELLO -> conn.send(reply.setHelloAck(HelloAck.newBuilder().setResponderId("c1")
            .setProtocolMajor(ProtocolVersion.CURRENT.major()).setEpoch(3).setSessionId("s-tls")
            .setHeartbeatInterval(Duration.newBuilder().setNanos(100_000_000))
            .setLeaseTtl(Duration.newBuilder().setSeconds(8))).build());
        case LEASE_RENEW -> conn.send(reply.setLeaseGrant(LeaseGrant.newBuilder()
            .setHostId(env.getLeaseRenew().getHostId()).setRenewalNumber(env.getLeaseRenew().getRenewalNumber())
            .setVoterId("c1").setTtl(Duration.newBuilder().setSeconds(8))).build());
        default -> { }
      }
    }
  }

  static void ca(String name) throws Exception {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", pki.resolve(name + ".key").toString(),
        "-out", pki.resolve(name + ".pem").toString(), "-days", "2", "-subj", "/CN=" + name,
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  }

  static void leaf(String name, String ca, String subject, String san) throws Exception {
    Path ext = pki.resolve(name + ".ext");
    Files.writeString(ext, san + "\nbasicConstraints=CA:FALSE\n"
        + "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n");
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", pki.resolve(name + ".key").toString(),
        "-out", pki.resolve(name + ".csr").toString(), "-subj", subject);
    openssl("x509", "-req", "-in", pki.resolve(name + ".csr").toString(),
        "-CA", pki.resolve(ca + ".pem").toString(), "-CAkey", pki.resolve(ca + ".key").toString(),
        "-CAcreateserial", "-out", pki.resolve(name + ".pem").toString(), "-days", "2",
        "-extfile", ext.toString());
  }

  static void openssl(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("openssl " + args[0] + " " + args[args.length - 1] + " failed: " + output.strip());
    }
  }

  static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
