package io.lifeboat.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lifeboat.coordinator.config.CoordinatorConfig;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;
import io.lifeboat.coordinator.config.SiteConfigs;
import io.lifeboat.coordinator.journal.Journal;
import io.lifeboat.protocol.FramedConnection;
import io.lifeboat.protocol.HelloCredentials;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.Hello;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.Inventory;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.LeaseRenew;
import io.lifeboat.protocol.v1.RefusalReason;
import io.lifeboat.protocol.v1.Role;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;

/** The verticle on loopback with real frames: Hello check, lease grants, journaling, epoch across restarts. */
class CoordinatorVerticleTest {

    private static final byte[] NONCE = "nonce-0123456789".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private Vertx vertx;
    /** Held while its sockets are used: Vert.x 5 closes a NetClient once it is garbage-collected. */
    private NetClient netClient;
    private CoordinatorConfig config;

    @BeforeEach
    void setUp() throws Exception {
        vertx = Vertx.vertx();
        netClient = vertx.createNetClient();
        config = CoordinatorConfigLoader.load(SiteConfigs.write(dir, "nas", ""));
    }

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static <T> T join(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** A minimal agent link: connects and collects what the coordinator sends. */
    private final class TestAgent {
        final List<Envelope> received = new CopyOnWriteArrayList<>();
        final FramedConnection connection;
        volatile boolean closed;

        TestAgent(int port) throws Exception {
            NetSocket socket = join(netClient.connect(port, "127.0.0.1"));
            connection = new FramedConnection(socket, received::add, e -> { });
            connection.closed().onComplete(v -> closed = true);
        }

        void send(Envelope envelope) throws Exception {
            join(connection.send(envelope));
        }
    }

    private static Envelope hello(String host, String keyId, String secret, int major) {
        return Envelope.newBuilder().setMessageId("hello-" + host).setSender(host).setHello(Hello.newBuilder()
                .setRole(Role.ROLE_AGENT).setSenderId(host).setProtocolMajor(major).setIncarnation(1)
                .setCredentials(new HelloCredentials(keyId, secret.getBytes(StandardCharsets.UTF_8))
                        .sign(Role.ROLE_AGENT, host, 1, NONCE))).build();
    }

    @Test
    void anAgentWithTheRightSecretGetsAHelloAckAndLeaseGrantsAndItsInventoryIsJournaled() throws Exception {
        CoordinatorVerticle verticle = new CoordinatorVerticle(config);
        String id = join(vertx.deployVerticle(verticle));
        assertThat(verticle.epoch()).isEqualTo(1);
        assertThat(verticle.failoverNotArmedReason()).isEmpty();

        TestAgent agent = new TestAgent(verticle.actualPort());
        agent.send(hello("hostA", "site", SiteConfigs.SECRET, 1));
        await().atMost(Duration.ofSeconds(5)).until(() -> !agent.received.isEmpty());
        Envelope ack = agent.received.get(0);
        assertThat(ack.hasHelloAck()).as(ack.toString()).isTrue();
        assertThat(ack.getHelloAck().getEpoch()).isEqualTo(1);
        assertThat(ack.getHelloAck().getLeaseTtl().getSeconds()).isEqualTo(8);
        assertThat(ack.getInReplyTo()).isEqualTo("hello-hostA");

        agent.send(Envelope.newBuilder().setMessageId("renew-1").setSender("hostA")
                .setLeaseRenew(LeaseRenew.newBuilder().setHostId("hostA").setRenewalNumber(1)).build());
        await().atMost(Duration.ofSeconds(5)).until(() -> agent.received.stream().anyMatch(Envelope::hasLeaseGrant));
        Envelope grant = agent.received.stream().filter(Envelope::hasLeaseGrant).findFirst().orElseThrow();
        assertThat(grant.getInReplyTo()).isEqualTo("renew-1");
        assertThat(grant.getEpoch()).isEqualTo(1);
        assertThat(grant.getLeaseGrant().getVoterId()).isEqualTo("c1");

        agent.send(Envelope.newBuilder().setMessageId("inv-1").setSender("hostA").setInventory(Inventory.newBuilder()
                .setHostId("hostA").setFacts(HostFacts.newBuilder().setHostId("hostA"))
                .addGuests(GuestSpec.newBuilder().setName("mail").setMemoryBytes(1L << 30))).build());
        await().atMost(Duration.ofSeconds(5)).until(() -> verticle.epoch() == 1
                && journalRecords().stream().anyMatch(JournalRecord::hasGuestProtected));
        join(vertx.undeploy(id));

        List<JournalRecord> journal = journalRecords();
        assertThat(journal).filteredOn(JournalRecord::hasGuestProtected).singleElement().satisfies(r -> {
            assertThat(r.getGuestProtected().getSpec().getGuestId()).isEqualTo("7f1c8d2e-0000-4000-8000-000000000001");
            assertThat(r.getGuestProtected().getStandbyHostId()).isEqualTo("hostB");
        });
        assertThat(journal).filteredOn(JournalRecord::hasRecoveryPlanDefined).hasSize(1);

        CoordinatorVerticle restarted = new CoordinatorVerticle(config);
        join(vertx.deployVerticle(restarted));
        assertThat(restarted.epoch()).isEqualTo(2);
        assertThat(journalRecords()).filteredOn(JournalRecord::hasRecoveryPlanDefined)
                .as("an unchanged plan is not journaled again").hasSize(1);
    }

    @Test
    void badCredentialsAWrongKeyAnotherMajorOrNoHelloFirstAreRefusedAndTheLinkClosed() throws Exception {
        CoordinatorVerticle verticle = new CoordinatorVerticle(config);
        join(vertx.deployVerticle(verticle));
        record Case(Envelope first, RefusalReason reason) {
        }
        List<Case> cases = List.of(
                new Case(hello("hostA", "site", "not the site secret at all", 1),
                        RefusalReason.REFUSAL_REASON_BAD_CREDENTIALS),
                new Case(hello("hostB", "site", SiteConfigs.SECRET, 1), RefusalReason.REFUSAL_REASON_BAD_CREDENTIALS),
                new Case(hello("hostA", "site", SiteConfigs.SECRET, 2),
                        RefusalReason.REFUSAL_REASON_INCOMPATIBLE_VERSION),
                new Case(hello("intruder", "site", SiteConfigs.SECRET, 1), RefusalReason.REFUSAL_REASON_UNKNOWN_SENDER),
                new Case(Envelope.newBuilder().setMessageId("x").setSender("hostA").setLeaseRenew(LeaseRenew
                        .newBuilder().setHostId("hostA")).build(), RefusalReason.REFUSAL_REASON_MALFORMED));
        for (Case c : cases) {
            TestAgent agent = new TestAgent(verticle.actualPort());
            agent.send(c.first());
            await().atMost(Duration.ofSeconds(5)).until(() -> agent.closed);
            assertThat(agent.received).singleElement().satisfies(e -> {
                assertThat(e.hasHelloRefused()).isTrue();
                assertThat(e.getHelloRefused().getReason()).as(e.getHelloRefused().getMessage()).isEqualTo(c.reason());
            });
        }
    }

    @Test
    void silentHostsAreSuspectedJournaledAndAnnouncedOnTheEventBus() throws Exception {
        List<Envelope> events = new CopyOnWriteArrayList<>();
        vertx.eventBus().<Envelope>consumer(io.lifeboat.protocol.Addresses.EVENTS, m -> events.add(m.body()));
        CoordinatorVerticle verticle = new CoordinatorVerticle(config);
        join(vertx.deployVerticle(verticle));
        await().atMost(Duration.ofSeconds(8)).until(() -> events.stream().filter(Envelope::hasHostSuspected).count() == 2);
        assertThat(events).filteredOn(Envelope::hasHostSuspected)
                .extracting(e -> e.getHostSuspected().getHostId()).containsExactlyInAnyOrder("hostA", "hostB");
        assertThat(events).allSatisfy(e -> assertThat(e.getEpoch()).isEqualTo(1));
        assertThat(journalRecords()).filteredOn(JournalRecord::hasHostStateChanged).hasSize(2);
    }

    private List<JournalRecord> journalRecords() throws Exception {
        Path copy = dir.resolve("journal-copy-" + System.nanoTime());
        java.nio.file.Files.createDirectories(copy);
        try (var files = java.nio.file.Files.list(config.journalDir())) {
            for (Path f : files.toList()) {
                java.nio.file.Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        try (Journal journal = Journal.open(copy)) {
            List<JournalRecord> out = new java.util.ArrayList<>();
            for (byte[] b : journal.replay().records()) {
                out.add(JournalRecord.parseFrom(b));
            }
            return out;
        }
    }
}
