package io.lifeboat.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lifeboat.coordinator.config.CoordinatorConfig;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;
import io.lifeboat.coordinator.config.SiteConfigs;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.RestorePoint;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.FramedConnection;
import io.lifeboat.protocol.HelloCredentials;
import io.lifeboat.protocol.v1.BackupResult;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.FencingCapability;
import io.lifeboat.protocol.v1.GuestBitness;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.Heartbeat;
import io.lifeboat.protocol.v1.Hello;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HypervisorKind;
import io.lifeboat.protocol.v1.Inventory;
import io.lifeboat.protocol.v1.LeaseRenew;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import io.lifeboat.protocol.v1.ReplicationCommitted;
import io.lifeboat.protocol.v1.Role;
import io.lifeboat.protocol.v1.VirtualizationExtension;
import io.lifeboat.protocol.v1.VmdkCreateType;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;

/**
 * Three coordinators in one JVM, each a clustered Vert.x on its own Hazelcast member (loopback, distinct ports, CP
 * timers shortened): one leads; fake agents link to it and a backup is recorded; the followers replicate its
 * journal; the leader is cut off from the cluster (its Hazelcast member stops under it); another takes over with a
 * higher epoch and the same guests and restore points, and the old leader sends nothing more.
 */
class CoordinatorClusterTest {

    static final HazelcastSetup.Tuning FAST = new HazelcastSetup.Tuning(6, 1, 1000, 200, 1, 5, 1);
    private static final byte[] NONCE = "nonce-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final String MAIL = "7f1c8d2e-0000-4000-8000-000000000001";
    private static final String POINT = MAIL + "/20261130T100000Z";

    @TempDir
    Path dir;

    private final List<ClusteredCoordinator> members = new ArrayList<>();
    private final int[] httpPorts = new int[3];
    private Vertx agents;
    private final List<NetClient> clients = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        // The test is over: stop every member at once rather than one graceful CP leave after another.
        List<Future<Void>> closing = new ArrayList<>();
        for (ClusteredCoordinator m : members) {
            m.hazelcast().getLifecycleService().terminate();
            closing.add(m.close().recover(e -> Future.succeededFuture()));
        }
        Future.join(closing).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        if (agents != null) {
            get(agents.close());
        }
    }

    @Test
    void oneLeadsTheFollowersReplicateItsJournalAndAnotherTakesOverWithAHigherEpoch() throws Exception {
        int[] ports = {freePort(), freePort(), freePort()};
        for (int i = 0; i < 3; i++) {
            httpPorts[i] = freePort();
        }
        List<Future<ClusteredCoordinator>> starting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            starting.add(ClusteredCoordinator.start(config("c" + (i + 1), ports, i), FAST));
        }
        for (Future<ClusteredCoordinator> f : starting) {
            members.add(f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> leaders().size() == 1);
        ClusteredCoordinator first = leaders().get(0);
        long firstEpoch = first.epoch();
        assertThat(firstEpoch).isPositive();
        List<ClusteredCoordinator> followers = members.stream().filter(m -> m != first).toList();

        // Agents link to the leader; the primary reports the guest and answers the backup it is asked for.
        agents = Vertx.vertx();
        FakeAgent hostA = new FakeAgent(first.agentPort(), "hostA", "site", SiteConfigs.SECRET);
        FakeAgent hostB = new FakeAgent(first.agentPort(), "hostB", "hostb-key", "another secret for hostB only");
        hostA.inventory(mail());
        hostB.inventory(null);
        await().atMost(Duration.ofSeconds(15)).until(() -> points(state(first)).contains(POINT));
        assertThat(hostA.commands()).filteredOn(Envelope::hasBackupGuest).isNotEmpty()
                .allSatisfy(e -> assertThat(e.getEpoch()).isEqualTo(firstEpoch));

        // The followers journal the leader's records and hold the same guests and points.
        for (ClusteredCoordinator f : followers) {
            await().atMost(Duration.ofSeconds(10)).until(() -> points(state(f)).contains(POINT));
            assertThat(state(f).guests().keySet()).isEqualTo(state(first).guests().keySet());
            assertThat(state(f).epoch()).isEqualTo(firstEpoch);
            assertThat(f.isLeader()).isFalse();
        }
        assertThat(first.replicationAcknowledgements()[0]).as("batches a follower held before the leader acted")
                .isPositive();
        // A follower's HTTP sends clients to the leader's page and API (307), and its metrics say it follows.
        HttpClient http = HttpClient.newHttpClient();
        for (ClusteredCoordinator f : followers) {
            String base = "http://127.0.0.1:" + httpPorts[members.indexOf(f)];
            HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/status?x=1"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(status.statusCode()).isEqualTo(307);
            assertThat(status.headers().firstValue("Location")).contains("http://127.0.0.1:"
                    + httpPorts[members.indexOf(first)] + "/api/v1/status?x=1");
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).contains("lifeboat_coordinator_leading{node=\"c"
                    + (members.indexOf(f) + 1) + "\"} 0");
        }
        // A follower accepts an agent link and grants its lease, but sends no command.
        FakeAgent toFollower = new FakeAgent(followers.get(0).agentPort(), "hostB", "hostb-key",
                "another secret for hostB only");
        await().atMost(Duration.ofSeconds(5)).until(() -> toFollower.received.stream()
                .anyMatch(Envelope::hasLeaseGrant));
        assertThat(toFollower.received).filteredOn(Envelope::hasHelloAck).singleElement()
                .satisfies(e -> assertThat(e.getHelloAck().getEpoch()).isEqualTo(firstEpoch));

        // The leader is cut off from the cluster: its Hazelcast member stops, its verticle would go on.
        first.hazelcast().getLifecycleService().terminate();
        await().atMost(Duration.ofSeconds(5)).until(() -> !first.isLeader());
        await().atMost(Duration.ofSeconds(5)).until(() -> hostA.connection.closed().isComplete()
                && hostB.connection.closed().isComplete());
        int heardFromOld = hostA.received.size() + hostB.received.size();
        await().atMost(Duration.ofSeconds(30)).until(() -> followers.stream().filter(ClusteredCoordinator::isLeader)
                .count() == 1);
        ClusteredCoordinator second = followers.stream().filter(ClusteredCoordinator::isLeader).findFirst()
                .orElseThrow();
        long secondEpoch = second.epoch();
        assertThat(secondEpoch).isGreaterThan(firstEpoch);
        CoordinatorState taken = state(second);
        assertThat(taken.guests().keySet()).containsExactly(MAIL);
        assertThat(points(taken)).contains(POINT);

        // The agents relink to the new leader and see its epoch; the old leader's commands are stale for them
        // (I3: an agent refuses an epoch below the highest it has seen), and it has sent nothing since.
        FakeAgent relinkedA = new FakeAgent(second.agentPort(), "hostA", "site", SiteConfigs.SECRET);
        await().atMost(Duration.ofSeconds(5)).until(() -> relinkedA.highestEpoch == secondEpoch);
        assertThat(hostA.commands()).allSatisfy(e -> assertThat(relinkedA.wouldRefuse(e)).isTrue());
        assertThat(hostA.received.size() + hostB.received.size()).isEqualTo(heardFromOld);
        FakeAgent lastFollower = new FakeAgent(followers.stream().filter(m -> m != second).findFirst().orElseThrow()
                .agentPort(), "hostB", "hostb-key", "another secret for hostB only");
        await().atMost(Duration.ofSeconds(10)).until(() -> lastFollower.received.stream()
                .anyMatch(e -> e.hasHelloAck() && e.getEpoch() == secondEpoch));
    }

    private List<ClusteredCoordinator> leaders() {
        return members.stream().filter(ClusteredCoordinator::isLeader).toList();
    }

    private static CoordinatorState state(ClusteredCoordinator c) throws Exception {
        return get(c.stateCopy());
    }

    private static List<String> points(CoordinatorState state) {
        return state.points(MAIL).stream().map(RestorePoint::pointId).toList();
    }

    private CoordinatorConfig config(String nodeId, int[] ports, int self) throws IOException {
        Path nodeDir = Files.createDirectories(dir.resolve(nodeId));
        Path file = SiteConfigs.write(nodeDir, "nas", """
                cluster:
                  name: test-site
                  host: 127.0.0.1
                  port: %d
                  members:
                    - {id: c1, box: box-c1, address: "127.0.0.1:%d", http: "127.0.0.1:%d"}
                    - {id: c2, box: box-c2, address: "127.0.0.1:%d", http: "127.0.0.1:%d"}
                    - {id: c3, box: box-c3, address: "127.0.0.1:%d", http: "127.0.0.1:%d"}
                http:
                  listen: "127.0.0.1:%d"
                """.formatted(ports[self], ports[0], httpPorts[0], ports[1], httpPorts[1], ports[2], httpPorts[2],
                httpPorts[self]));
        Files.writeString(file, Files.readString(file).replace("nodeId: c1", "nodeId: " + nodeId)
                  .replace("box: nas", "box: box-" + nodeId));
        return CoordinatorConfigLoader.load(file);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static <T> T get(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    }

    /** An agent link that heartbeats and renews its lease every 200 ms and answers backups with a restore point. */
    final class FakeAgent {
        final String hostId;
        final List<Envelope> received = new CopyOnWriteArrayList<>();
        final FramedConnection connection;
        volatile long highestEpoch;
        long sequence;

        FakeAgent(int port, String hostId, String keyId, String secret) throws Exception {
            this.hostId = hostId;
            NetClient client = agents.createNetClient();
            clients.add(client);
            NetSocket socket = get(client.connect(port, "127.0.0.1"));
            connection = new FramedConnection(socket, this::receive, e -> { });
            send(Envelope.newBuilder().setMessageId("hello-" + hostId).setHello(Hello.newBuilder()
                    .setRole(Role.ROLE_AGENT).setSenderId(hostId).setProtocolMajor(1).setIncarnation(1)
                    .setCredentials(new HelloCredentials(keyId, secret.getBytes(StandardCharsets.UTF_8))
                            .sign(Role.ROLE_AGENT, hostId, 1, NONCE))));
            long[] renewals = {0};
            long timer = agents.setPeriodic(200, id -> {
                send(Envelope.newBuilder().setMessageId(hostId + "-hb-" + id).setHeartbeat(Heartbeat.newBuilder()
                        .setHostId(hostId)));
                send(Envelope.newBuilder().setMessageId(hostId + "-renew-" + id).setLeaseRenew(LeaseRenew
                        .newBuilder().setRenewalNumber(++renewals[0])));
            });
            connection.closed().onComplete(v -> agents.cancelTimer(timer));
        }

        boolean wouldRefuse(Envelope command) {
            return command.getEpoch() < highestEpoch;
        }

        void inventory(GuestSpec guest) {
            Inventory.Builder inv = Inventory.newBuilder().setHostId(hostId).setFacts(kvm(hostId));
            if (guest != null) {
                inv.addGuests(guest);
            }
            send(Envelope.newBuilder().setMessageId("inv-" + hostId).setInventory(inv));
        }

        void receive(Envelope e) {
            received.add(e);
            highestEpoch = Math.max(highestEpoch, e.getEpoch());
            if (e.hasBackupGuest()) {
                String id = e.getBackupGuest().getHeader().getCommandId();
                Instant snapshot = Instant.now().minusSeconds(5);
                send(Envelope.newBuilder().setMessageId("committed-" + id).setReplicationCommitted(
                        ReplicationCommitted.newBuilder().setGuestId(MAIL).setCycleId(id).setPointId(POINT)
                                .setSnapshotTime(Timestamps.of(snapshot)).setTargetHostId("hostB")));
                send(Envelope.newBuilder().setMessageId("result-" + id).setInReplyTo(e.getMessageId())
                        .setCommandResult(CommandResult.newBuilder().setCommandId(id)
                                .setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED)
                                .setBackup(BackupResult.newBuilder().setPointId(POINT)
                                        .setSnapshotTime(Timestamps.of(snapshot)))));
            }
        }

        void send(Envelope.Builder e) {
            connection.send(e.setSender(hostId).setIncarnation(1).setSequence(++sequence).build());
        }

        List<Envelope> commands() {
            return received.stream().filter(e -> e.getPayloadCase() != Envelope.PayloadCase.HELLO_ACK
                    && e.getPayloadCase() != Envelope.PayloadCase.LEASE_GRANT).toList();
        }
    }

    static HostFacts kvm(String id) {
        return HostFacts.newBuilder().setHostId(id).setHypervisorKind(HypervisorKind.HYPERVISOR_KIND_LIBVIRT_KVM)
                .setHypervisorVersion("9.0.0").setVirtualizationExtension(
                        VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X)
                .setCpu64BitCapable(true).setCpuCount(4).setMemoryBytes(8L << 30).setMemoryFreeBytes(6L << 30)
                .setDatastoreFreeBytes(100L << 30).setFencingCapability(FencingCapability.FENCING_CAPABILITY_SELF_FENCE)
                .build();
    }

    static GuestSpec mail() {
        return GuestSpec.newBuilder().setName("mail").setBitness(GuestBitness.GUEST_BITNESS_64).setVcpus(1)
                .setMemoryBytes(512L << 20)
                .addDisks(DiskSpec.newBuilder().setPath("/var/lib/libvirt/images/mail.vmdk")
                        .setFormat(DiskFormat.DISK_FORMAT_VMDK)
                        .setVmdkCreateType(VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE)
                        .setCapacityBytes(1L << 30))
                .addNics(NicSpec.newBuilder().setMacAddress("52:54:00:12:34:56").setModel(NicModel.NIC_MODEL_VIRTIO)
                        .setNetwork("VM Network"))
                .build();
    }
}
