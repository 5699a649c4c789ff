package io.lifeboat.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lifeboat.coordinator.config.SiteConfigs;
import io.lifeboat.protocol.FramedConnection;
import io.lifeboat.protocol.HelloCredentials;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.Heartbeat;
import io.lifeboat.protocol.v1.Hello;
import io.lifeboat.protocol.v1.Inventory;
import io.lifeboat.protocol.v1.LeaseRenew;
import io.lifeboat.protocol.v1.Role;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;

/**
 * The split-brain case CONVENTIONS.md warns about, with three coordinators in three JVMs: the leader is frozen
 * ({@code kill -STOP}, as a long GC pause or a partition would), another takes over with a higher epoch and resends
 * the outstanding backup with the same command id; when the old leader wakes it steps down, and whatever it still
 * sends carries its stale epoch, which the agent, having seen the new one, refuses (I3).
 */
class CoordinatorPartitionIT {

    private static final byte[] NONCE = "nonce-0123456789".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private final List<Member> members = new ArrayList<>();
    private final Vertx vertx = Vertx.vertx();
    private final List<NetClient> clients = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (Member m : members) {
            m.process.destroyForcibly();
            m.process.waitFor(10, TimeUnit.SECONDS);
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aFrozenLeaderIsReplacedAndOnWakingStepsDownWhileTheAgentRefusesItsStaleEpoch() throws Exception {
        int[] ports = {freePort(), freePort(), freePort()};
        for (int i = 0; i < 3; i++) {
            members.add(new Member("c" + (i + 1), ports, i));
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> leaders().size() == 1);
        Member first = leaders().get(0);
        long firstEpoch = first.epoch();

        // The agents link to the leader; the primary does not answer its backup, which stays outstanding.
        Agent hostA = new Agent("hostA", "site", SiteConfigs.SECRET);
        Agent hostB = new Agent("hostB", "hostb-key", "another secret for hostB only");
        Link toFirst = hostA.link(first.port());
        hostB.link(first.port());
        hostA.inventory(toFirst, CoordinatorClusterTest.mail());
        hostB.inventory(hostB.links.get(0), null);
        await().atMost(Duration.ofSeconds(15)).until(() -> toFirst.commands().stream()
                .anyMatch(Envelope::hasBackupGuest));
        Envelope backup = toFirst.commands().stream().filter(Envelope::hasBackupGuest).findFirst().orElseThrow();
        assertThat(backup.getEpoch()).isEqualTo(firstEpoch);

        // The leader freezes; another takes over with a higher epoch.
        signal("STOP", first);
        await().atMost(Duration.ofSeconds(40)).until(() -> leaders().stream().anyMatch(m -> m != first));
        Member second = leaders().stream().filter(m -> m != first).findFirst().orElseThrow();
        long secondEpoch = second.epoch();
        assertThat(secondEpoch).isGreaterThan(firstEpoch);

        // The primary links to the new leader, sees its epoch, and gets the same backup again at that epoch.
        Link toSecond = hostA.link(second.port());
        await().atMost(Duration.ofSeconds(10)).until(() -> toSecond.commands().stream()
                .anyMatch(Envelope::hasBackupGuest));
        assertThat(hostA.highestEpoch).isEqualTo(secondEpoch);
        assertThat(toSecond.commands()).filteredOn(Envelope::hasBackupGuest).first().satisfies(e -> {
            assertThat(e.getEpoch()).isEqualTo(secondEpoch);
            assertThat(e.getBackupGuest().getHeader().getCommandId())
                    .isEqualTo(backup.getBackupGuest().getHeader().getCommandId());
        });

        // The old leader wakes: it steps down and closes its links; anything it sent meanwhile is refused.
        int beforeWaking = toFirst.received.size();
        signal("CONT", first);
        await().atMost(Duration.ofSeconds(10)).until(() -> first.role().map(r -> r.startsWith("ROLE follower"))
                .orElse(false));
        await().atMost(Duration.ofSeconds(5)).until(() -> toFirst.connection.closed().isComplete());
        List<Envelope> afterWaking = toFirst.received.subList(beforeWaking, toFirst.received.size());
        assertThat(afterWaking).filteredOn(e -> !e.hasLeaseGrant() && !e.hasHelloAck())
                .allSatisfy(e -> assertThat(e.getEpoch()).isEqualTo(firstEpoch));
        assertThat(hostA.refused).allSatisfy(e -> assertThat(e.getEpoch()).isLessThan(secondEpoch));
        assertThat(leaders()).containsExactly(second);
    }

    private List<Member> leaders() {
        return members.stream().filter(m -> m.role().map(r -> r.startsWith("ROLE leader")).orElse(false)
                && m.process.isAlive()).toList();
    }

    private static void signal(String signal, Member m) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(m.process.pid())).inheritIO().start();
        assertThat(kill.waitFor()).as("kill -" + signal + " " + m.nodeId).isZero();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** One coordinator JVM ({@link ClusterMemberProcess}) and the ROLE lines it prints. */
    private final class Member {
        final String nodeId;
        final Process process;
        final List<String> roles = new CopyOnWriteArrayList<>();

        Member(String nodeId, int[] ports, int self) throws IOException {
            this.nodeId = nodeId;
            Path nodeDir = Files.createDirectories(dir.resolve(nodeId));
            Path file = SiteConfigs.write(nodeDir, "nas", """
                    cluster:
                      name: partition-test
                      host: 127.0.0.1
                      port: %d
                      members:
                        - {id: c1, box: box-c1, address: "127.0.0.1:%d"}
                        - {id: c2, box: box-c2, address: "127.0.0.1:%d"}
                        - {id: c3, box: box-c3, address: "127.0.0.1:%d"}
                    """.formatted(ports[self], ports[0], ports[1], ports[2]));
            Files.writeString(file, Files.readString(file).replace("nodeId: c1", "nodeId: " + nodeId)
                      .replace("box: nas", "box: box-" + nodeId));
            process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx192m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                    ClusterMemberProcess.class.getName(), file.toString())
                    .redirectError(nodeDir.resolve("stderr.log").toFile()).start();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        if (line.startsWith("ROLE ")) {
                            roles.add(line);
                        }
                    }
                } catch (IOException e) {
                    roles.add("EXIT " + e.getMessage());
                }
            }, "member-" + nodeId + "-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        Optional<String> role() {
            return roles.isEmpty() ? Optional.empty() : Optional.of(roles.get(roles.size() - 1));
        }

        long epoch() {
            return Long.parseLong(field("epoch"));
        }

        int port() {
            return Integer.parseInt(field("port"));
        }

        private String field(String name) {
            for (String part : role().orElseThrow().split(" ")) {
                if (part.startsWith(name + "=")) {
                    return part.substring(name.length() + 1);
                }
            }
            throw new IllegalStateException(nodeId + ": no " + name + " in " + role());
        }
    }

    /** One agent (one host id, one highest epoch seen) with links to several coordinators. */
    private final class Agent {
        final String hostId;
        final String keyId;
        final String secret;
        final List<Link> links = new CopyOnWriteArrayList<>();
        final List<Envelope> accepted = new CopyOnWriteArrayList<>();
        final List<Envelope> refused = new CopyOnWriteArrayList<>();
        volatile long highestEpoch;

        Agent(String hostId, String keyId, String secret) {
            this.hostId = hostId;
            this.keyId = keyId;
            this.secret = secret;
        }

        Link link(int port) throws Exception {
            Link link = new Link(this, port);
            links.add(link);
            return link;
        }

        /** I3 as an agent applies it: an envelope below the highest epoch seen is refused. */
        synchronized void receive(Envelope e) {
            if (e.getEpoch() < highestEpoch) {
                refused.add(e);
            } else {
                highestEpoch = e.getEpoch();
                accepted.add(e);
            }
        }

        void inventory(Link link, io.lifeboat.protocol.v1.GuestSpec guest) {
            Inventory.Builder inv = Inventory.newBuilder().setHostId(hostId)
                    .setFacts(CoordinatorClusterTest.kvm(hostId));
            if (guest != null) {
                inv.addGuests(guest);
            }
            link.send(Envelope.newBuilder().setMessageId("inv-" + hostId).setInventory(inv));
        }
    }

    /** One framed link of an agent to one coordinator, heartbeating and renewing every 200 ms. */
    private final class Link {
        final Agent agent;
        final List<Envelope> received = new CopyOnWriteArrayList<>();
        final FramedConnection connection;
        long sequence;

        Link(Agent agent, int port) throws Exception {
            this.agent = agent;
            NetClient client = vertx.createNetClient();
            clients.add(client);
            NetSocket socket = client.connect(port, "127.0.0.1").toCompletionStage().toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            connection = new FramedConnection(socket, e -> {
                received.add(e);
                agent.receive(e);
            }, e -> { });
            send(Envelope.newBuilder().setMessageId("hello-" + agent.hostId).setHello(Hello.newBuilder()
                    .setRole(Role.ROLE_AGENT).setSenderId(agent.hostId).setProtocolMajor(1).setIncarnation(1)
                    .setCredentials(new HelloCredentials(agent.keyId, agent.secret.getBytes(StandardCharsets.UTF_8))
                            .sign(Role.ROLE_AGENT, agent.hostId, 1, NONCE))));
            long[] renewals = {0};
            long timer = vertx.setPeriodic(200, id -> {
                send(Envelope.newBuilder().setMessageId(agent.hostId + "-hb-" + id).setHeartbeat(Heartbeat
                        .newBuilder().setHostId(agent.hostId)));
                send(Envelope.newBuilder().setMessageId(agent.hostId + "-renew-" + id).setLeaseRenew(LeaseRenew
                        .newBuilder().setRenewalNumber(++renewals[0])));
            });
            connection.closed().onComplete(v -> vertx.cancelTimer(timer));
        }

        Future<Void> send(Envelope.Builder e) {
            return connection.send(e.setSender(agent.hostId).setIncarnation(1).setSequence(++sequence).build());
        }

        List<Envelope> commands() {
            return received.stream().filter(e -> !e.hasHelloAck() && !e.hasLeaseGrant()).toList();
        }
    }
}
