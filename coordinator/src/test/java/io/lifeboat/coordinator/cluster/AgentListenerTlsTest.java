package io.lifeboat.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lifeboat.coordinator.CoordinatorVerticle;
import io.lifeboat.coordinator.config.ConfigException;
import io.lifeboat.coordinator.config.CoordinatorConfig;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;
import io.lifeboat.coordinator.config.SiteConfigs;
import io.lifeboat.protocol.FramedConnection;
import io.lifeboat.protocol.HelloCredentials;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.Hello;
import io.lifeboat.protocol.v1.Role;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

/**
 * The coordinator's agent listener with {@code listen.tls} and {@code clientAuth: required}, against clients built
 * like the agent's link (TLS, HTTPS hostname verification, PEM files): certificates are made with {@code openssl} at
 * test time (a CA, a coordinator certificate for 127.0.0.1, an agent certificate, and one from a CA nobody trusts).
 */
class AgentListenerTlsTest {

    private static final byte[] NONCE = "nonce-0123456789".getBytes(StandardCharsets.UTF_8);

    @TempDir
    static Path pki;

    @TempDir
    Path dir;

    private Vertx vertx;
    /** Held while its sockets are used: Vert.x 5 closes a NetClient once it is garbage-collected. */
    private final List<NetClient> clients = new ArrayList<>();
    private CoordinatorVerticle verticle;

    @BeforeAll
    static void makeCertificates() throws Exception {
        ca("ca");
        ca("rogue-ca");
        leaf("coordinator", "ca", "/CN=c1", "subjectAltName=DNS:localhost,IP:127.0.0.1");
        leaf("agent", "ca", "/CN=hostA", "subjectAltName=DNS:hostA");
        leaf("rogue-agent", "rogue-ca", "/CN=hostA", "subjectAltName=DNS:hostA");
    }

    @BeforeEach
    void setUp() throws Exception {
        vertx = Vertx.vertx();
        CoordinatorConfig config = CoordinatorConfigLoader.load(withTls(SiteConfigs.write(dir, "nas", ""),
                "{cert: " + pki.resolve("coordinator.pem") + ", key: " + pki.resolve("coordinator.key")
                        + ", trust: " + pki.resolve("ca.pem") + ", clientAuth: required}"));
        assertThat(config.agentTls()).hasValueSatisfying(t -> assertThat(t.clientAuthRequired()).isTrue());
        verticle = new CoordinatorVerticle(config);
        get(vertx.deployVerticle(verticle));
    }

    @AfterEach
    void tearDown() throws Exception {
        get(vertx.close());
    }

    @Test
    void anAgentWithItsCertificateLinksAndGetsAHelloAck() throws Exception {
        Link link = connect(tlsClient(true, "agent"));
        link.hello();
        await().atMost(Duration.ofSeconds(5)).until(() -> link.received.stream().anyMatch(Envelope::hasHelloAck));
        assertThat(link.received.get(0).getHelloAck().getResponderId()).isEqualTo("c1");
    }

    @Test
    void anAgentWithoutACertificateIsRefusedAtTheHandshake() throws Exception {
        Link link = connect(tlsClient(false, null));
        link.hello();
        await().atMost(Duration.ofSeconds(5)).until(link.connection.closed()::isComplete);
        assertThat(link.received).isEmpty();
    }

    @Test
    void anAgentWhoseCertificateNoTrustedCaSignedIsRefused() throws Exception {
        Link link = connect(tlsClient(true, "rogue-agent"));
        link.hello();
        await().atMost(Duration.ofSeconds(5)).until(link.connection.closed()::isComplete);
        assertThat(link.received).isEmpty();
    }

    @Test
    void aPlainTcpClientIsRefused() throws Exception {
        Link link = connect(vertx.createNetClient(new NetClientOptions().setConnectTimeout(3000)));
        link.hello();
        await().atMost(Duration.ofSeconds(5)).until(link.connection.closed()::isComplete);
        assertThat(link.received).isEmpty();
    }

    @Test
    void clientAuthRequiredWithoutTrustIsAConfigError() throws Exception {
        Path file = withTls(SiteConfigs.write(dir, "nas", ""), "{cert: " + pki.resolve("coordinator.pem")
                + ", key: " + pki.resolve("coordinator.key") + ", clientAuth: required}");
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(file)).isInstanceOf(ConfigException.class)
                .hasMessage(file + ": listen.tls.clientAuth: required needs trust: the CA certificates that sign "
                        + "the agents' certificates");
    }

    private static Path withTls(Path file, String tls) throws IOException {
        String yaml = Files.readString(file).replace("  port: 0\n", "  port: 0\n  tls: " + tls + "\n");
        Files.writeString(file, yaml);
        return file;
    }

    /** Client options as the agent's link sets them: trust the CA, verify the host name, present a certificate. */
    private NetClient tlsClient(boolean withCertificate, String name) {
        NetClientOptions o = new NetClientOptions().setConnectTimeout(3000).setSsl(true)
                .setHostnameVerificationAlgorithm("HTTPS")
                .setTrustOptions(new PemTrustOptions().addCertPath(pki.resolve("ca.pem").toString()));
        if (withCertificate) {
            o.setKeyCertOptions(new PemKeyCertOptions().setCertPath(pki.resolve(name + ".pem").toString())
                    .setKeyPath(pki.resolve(name + ".key").toString()));
        }
        return vertx.createNetClient(o);
    }

    private Link connect(NetClient client) throws Exception {
        clients.add(client);
        NetSocket socket = get(client.connect(verticle.actualPort(), "127.0.0.1"));
        return new Link(socket);
    }

    /** One framed link to the listener, recording what it receives. */
    private static final class Link {
        final List<Envelope> received = new CopyOnWriteArrayList<>();
        final FramedConnection connection;

        Link(NetSocket socket) {
            connection = new FramedConnection(socket, received::add, e -> { });
        }

        void hello() {
            connection.send(Envelope.newBuilder().setMessageId("hello-hostA").setSender("hostA").setIncarnation(1)
                    .setSequence(1).setHello(Hello.newBuilder().setRole(Role.ROLE_AGENT).setSenderId("hostA")
                            .setProtocolMajor(1).setIncarnation(1).setCredentials(new HelloCredentials("site",
                                    SiteConfigs.SECRET.getBytes(StandardCharsets.UTF_8))
                                    .sign(Role.ROLE_AGENT, "hostA", 1, NONCE))).build());
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
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
