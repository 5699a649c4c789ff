package io.lifeboat.agent.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lifeboat.agent.fence.Fencer;
import io.lifeboat.agent.fence.LeaseFileWriter;
import io.lifeboat.agent.fence.LeaseKeeper;
import io.lifeboat.agent.fence.MonotonicClock;
import io.lifeboat.agent.fence.SelfFence;
import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandRefusal;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.Role;
import io.lifeboat.protocol.v1.StopGuest;
import io.lifeboat.protocol.v1.StopMode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentLinkTest {
  static final LinkCredentials SECRET =
      new LinkCredentials("site", "0123456789abcdef-site".getBytes(StandardCharsets.UTF_8));
  static final Duration HEARTBEAT = Duration.ofMillis(100);
  static final Duration DEADLINE = Duration.ofMillis(600);
  static final Duration TTL = Duration.ofMillis(800);

  Vertx vertx;
  final List<CoordinatorStandIn> coordinators = new ArrayList<>();

  @TempDir
  Path dir;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (CoordinatorStandIn c : coordinators) {
      get(c.close().recover(e -> Future.succeededFuture()));
    }
    get(vertx.close());
  }

  /** One agent under test, with the objects a test inspects. */
  final class Agent {
    final String id;
    final Path state;
    final AtomicInteger fences = new AtomicInteger();
    final AtomicInteger handled = new AtomicInteger();
    LeaseKeeper lease;
    SelfFence selfFence;
    AgentLink link;
    String deployment;
    final List<VoterAddress> coords;
    final List<VoterAddress> peers;
    final int listenPort;

    Agent(String id, List<VoterAddress> coords, List<VoterAddress> peers, int listenPort) {
      this.id = id;
      this.state = dir.resolve(id);
      this.coords = coords;
      this.peers = peers;
      this.listenPort = listenPort;
    }

    Agent start() throws Exception {
      Files.createDirectories(state);
      List<String> voters = new ArrayList<>();
      voters.add(id);
      coords.forEach(c -> voters.add(c.voterId()));
      peers.forEach(p -> voters.add(p.voterId()));
      lease = new LeaseKeeper(id, voters, DEADLINE, MonotonicClock.SYSTEM);
      selfFence = new SelfFence(id, lease, state.resolve("fenced"));
      LinkSettings settings = new LinkSettings(id, coords, peers, "127.0.0.1", listenPort, HEARTBEAT, DEADLINE, TTL,
          Duration.ofMillis(20), Duration.ofMillis(200), SECRET, null, state);
      Fencer fencer = reason -> {
        fences.incrementAndGet();
        return Future.succeededFuture(List.of("guest-1"));
      };
      CommandHandler handler = new CommandHandler() {
        @Override
        public boolean supports(Envelope.PayloadCase command) {
          return command == Envelope.PayloadCase.STOP_GUEST;
        }

        @Override
        public Future<CommandResult> handle(Envelope command) {
          handled.incrementAndGet();
          return Future.succeededFuture(CommandResult.newBuilder()
              .setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED).build());
        }
      };
      link = new AgentLink(settings, EpochStore.open(state.resolve("epoch")),
          IncarnationStore.bump(state.resolve("incarnation")), lease, selfFence, handler, fencer,
          new LeaseFileWriter(state.resolve("lease"), Path.of("/proc/uptime")), List::of, MonotonicClock.SYSTEM,
          null);
      deployment = get(vertx.deployVerticle(link));
      return this;
    }

    void stop() throws Exception {
      get(vertx.undeploy(deployment));
    }
  }

  CoordinatorStandIn coordinator(String id, long epoch, int port) throws Exception {
    CoordinatorStandIn c = new CoordinatorStandIn(id, epoch, SECRET);
    get(c.listen(vertx, port));
    coordinators.add(c);
    return c;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static Envelope stop(String commandId, long epoch) {
    return Envelope.newBuilder().setMessageId("m-" + commandId + "-" + epoch).setSender("c1").setEpoch(epoch)
        .setStopGuest(StopGuest.newBuilder().setGuestId("guest-1").setMode(StopMode.STOP_MODE_HARD)
            .setHeader(CommandHeader.newBuilder().setCommandId(commandId).setEpoch(epoch)))
        .build();
  }

  @Test
  void replicationEventsPublishedThroughTheSinkReachTheCoordinator() throws Exception {
    int port = freePort();
    CoordinatorStandIn c1 = coordinator("c1", 7, port);
    Agent p = new Agent("hostP", List.of(new VoterAddress("c1", Role.ROLE_COORDINATOR, "127.0.0.1", port)),
        List.of(), -1).start();
    CoordinatorEventSink sink = new CoordinatorEventSink();
    sink.attach(p.link);
    await().atMost(5, TimeUnit.SECONDS).until(() -> p.link.links().get(0).isOpen());
    Thread publisher = new Thread(() -> sink.publish(io.lifeboat.protocol.v1.ReplicationCommitted.newBuilder()
        .setGuestId("g").setCycleId("cyc-1").setPointId("g/20261130T104818Z").build()));
    publisher.start();
    publisher.join();
    await().atMost(5, TimeUnit.SECONDS).until(() -> c1.received(Envelope.PayloadCase.REPLICATION_COMMITTED).size()
        == 1);
    Envelope event = c1.received(Envelope.PayloadCase.REPLICATION_COMMITTED).get(0);
    assertThat(event.getSender()).isEqualTo("hostP");
    assertThat(event.getReplicationCommitted().getPointId()).isEqualTo("g/20261130T104818Z");
  }

  @Test
  void heartbeatsListOnlyTheVotersNotHeardFromForLongerThanAnInterval() throws Exception {
    int port = freePort();
    CoordinatorStandIn c1 = coordinator("c1", 7, port);
    // c2 is a voter nobody listens for: the agent never hears from it. c1 answers every renewal within an interval.
    Agent p = new Agent("hostP", List.of(new VoterAddress("c1", Role.ROLE_COORDINATOR, "127.0.0.1", port),
        new VoterAddress("c2", Role.ROLE_COORDINATOR, "127.0.0.1", freePort())), List.of(), -1).start();
    await().atMost(5, TimeUnit.SECONDS).until(() -> c1.received(Envelope.PayloadCase.HEARTBEAT).stream()
        .anyMatch(h -> h.getHeartbeat().getPeersCount() > 0));
    List<Envelope> heartbeats = c1.received(Envelope.PayloadCase.HEARTBEAT);
    Envelope last = heartbeats.get(heartbeats.size() - 1);
    assertThat(last.getHeartbeat().getPeersList()).singleElement().satisfies(o -> {
      assertThat(o.getVoterId()).isEqualTo("c2");
      assertThat(o.getSinceLastHeard().getSeconds() * 1_000_000_000L + o.getSinceLastHeard().getNanos())
          .isGreaterThan(2 * HEARTBEAT.toNanos());
    });
    assertThat(heartbeats).as("c1 answers every renewal, so it is never listed")
        .allSatisfy(h -> assertThat(h.getHeartbeat().getPeersList()).noneMatch(o -> o.getVoterId().equals("c1")));
  }

  @Test
  void helloThenRenewalsAndHeartbeatsWithIncreasingSequenceAndPersistedEpoch() throws Exception {
    int port = freePort();
    CoordinatorStandIn c1 = coordinator("c1", 7, port);
    Agent p = new Agent("hostP", List.of(new VoterAddress("c1", Role.ROLE_COORDINATOR, "127.0.0.1", port)),
        List.of(), -1).start();
    await().atMost(5, TimeUnit.SECONDS).until(() -> c1.received(Envelope.PayloadCase.HEARTBEAT).size() >= 3);
    Envelope hello = c1.received.get(0);
    assertThat(hello.getPayloadCase()).isEqualTo(Envelope.PayloadCase.HELLO);
    assertThat(hello.getHello().getProtocolMajor()).isEqualTo(1);
    assertThat(hello.getHello().getIncarnation()).isEqualTo(1);
    assertThat(hello.getHello().getSenderId()).isEqualTo("hostP");
    assertThat(SECRET.verify(hello.getHello())).isTrue();
    List<Long> sequences = c1.received.stream().map(Envelope::getSequence).toList();
    for (int i = 1; i < sequences.size(); i++) {
      assertThat(sequences.get(i)).isGreaterThan(sequences.get(i - 1));
    }
    assertThat(c1.received(Envelope.PayloadCase.LEASE_RENEW)).isNotEmpty();
    assertThat(Files.readString(p.state.resolve("epoch"))).isEqualTo("epoch=7\n");
    await().atMost(5, TimeUnit.SECONDS).until(() -> p.lease.holdsLease());
    await().atMost(5, TimeUnit.SECONDS).until(() -> c1.received(Envelope.PayloadCase.HEARTBEAT).stream()
        .anyMatch(h -> h.getHeartbeat().getLeaseRemaining().getNanos() > 0 && !h.getHeartbeat().getFenced()));
    long fenceDeadline = Long.parseLong(Files.readString(p.state.resolve("lease")).strip());
    assertThat(fenceDeadline).isGreaterThan(LeaseFileWriter.uptimeCentiseconds(Path.of("/proc/uptime")));

    // The coordinator drops the link: the agent reconnects with a new Hello, same incarnation, later sequence.
    long lastSequence = c1.received.get(c1.received.size() - 1).getSequence();
    c1.dropAll();
    await().atMost(5, TimeUnit.SECONDS).until(() -> c1.received(Envelope.PayloadCase.HELLO).size() == 2);
    Envelope again = c1.received(Envelope.PayloadCase.HELLO).get(1);
    assertThat(again.getHello().getIncarnation()).isEqualTo(1);
    assertThat(again.getSequence()).isGreaterThan(lastSequence);
    assertThat(again.getHello().getHighestEpochSeen()).isEqualTo(7);
  }

  @Test
  void commandsCarryingStaleEpochsAreRefusedAlsoAfterRestartAndRunAtMostOnce() throws Exception {
    int port = freePort();
    CoordinatorStandIn c1 = coordinator("c1", 7, port);
    List<VoterAddress> coords = List.of(new VoterAddress("c1", Role.ROLE_COORDINATOR, "127.0.0.1", port));
    Agent p = new Agent("hostP", coords, List.of(), -1).start();
    await().atMost(5, TimeUnit.SECONDS).until(() -> p.lease.holdsLease());

    get(c1.send(stop("cmd-1", 6)));
    await().atMost(5, TimeUnit.SECONDS).until(() -> c1.received(Envelope.PayloadCase.COMMAND_ACK).size() == 1);
    var refused = c1.received(Envelope.PayloadCase.COMMAND_ACK).get(0).getCommandAck();
    assertThat(refused.getAccepted()).isFalse();
    assertThat(refused.getRefusal()).isEqualTo(CommandRefusal.COMMAND_REFUSAL_STALE_EPOCH);
    assertThat(refused.getMessage()).isEqualTo("command cmd-1 carries epoch 6, agent hostP has seen epoch 7");

    get(c1.send(stop("cmd-2", 9)));
    await().atMost(5, TimeUnit.SECONDS).until(() -> c1.received(Envelope.PayloadCase.COMMAND_RESULT).size() == 1);
    assertThat(c1.received(Envelope.PayloadCase.COMMAND_ACK).get(1).getCommandAck().getAccepted()).isTrue();
    Envelope result = c1.received(Envelope.PayloadCase.COMMAND_RESULT).get(0);
    assertThat(result.getCommandResult().getCommandId()).isEqualTo("cmd-2");
    assertThat(result.getCommandResult().getOutcome()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
    assertThat(result.getInReplyTo()).isEqualTo("m-cmd-2-9");
    assertThat(Files.readString(p.state.resolve("epoch"))).isEqualTo("epoch=9\n");

    get(c1.send(stop("cmd-2", 9)));
    await().atMost(5, TimeUnit.SECONDS).until(() -> c1.received(Envelope.PayloadCase.COMMAND_RESULT).size() == 2);
    assertThat(c1.received(Envelope.PayloadCase.COMMAND_ACK).get(2).getCommandAck().getDuplicate()).isTrue();
    assertThat(p.handled).hasValue(1);

    // Restart the agent: the epoch survives, epoch 8 is now stale although the coordinator still says 7.
    p.stop();
    c1.epoch = 9;
    Agent restarted = new Agent("hostP", coords, List.of(), -1).start();
    await().atMost(5, TimeUnit.SECONDS).until(() -> restarted.lease.holdsLease());
    assertThat(c1.received(Envelope.PayloadCase.HELLO).get(1).getHello().getIncarnation()).isEqualTo(2);
    int acks = c1.received(Envelope.PayloadCase.COMMAND_ACK).size();
    get(c1.send(stop("cmd-3", 8)));
    await().atMost(5, TimeUnit.SECONDS).until(() -> c1.received(Envelope.PayloadCase.COMMAND_ACK).size() == acks + 1);
    assertThat(c1.received(Envelope.PayloadCase.COMMAND_ACK).get(acks).getCommandAck().getRefusal())
        .isEqualTo(CommandRefusal.COMMAND_REFUSAL_STALE_EPOCH);
    assertThat(restarted.handled).hasValue(0);
  }

  @Test
  void aCoordinatorWithAStaleEpochOrAnotherMajorIsRefused() throws Exception {
    int port = freePort();
    CoordinatorStandIn old = coordinator("c1", 3, port);
    Path state = dir.resolve("hostP");
    Files.createDirectories(state);
    Files.writeString(state.resolve("epoch"), "epoch=5\n");
    Agent p = new Agent("hostP", List.of(new VoterAddress("c1", Role.ROLE_COORDINATOR, "127.0.0.1", port)),
        List.of(), -1).start();
    await().atMost(5, TimeUnit.SECONDS).until(() -> p.link.links().get(0).lastError().contains("stale coordinator"));
    assertThat(p.link.links().get(0).lastError())
        .isEqualTo("coordinator c1 announces epoch 3, agent hostP has seen epoch 5: stale coordinator refused (I3)");
    assertThat(p.link.links().get(0).isOpen()).isFalse();
    old.epoch = 5;
    old.protocolMajor = 2;
    await().atMost(5, TimeUnit.SECONDS).until(() -> p.link.links().get(0).lastError().contains("major versions"));
    assertThat(p.link.links().get(0).isOpen()).isFalse();
    old.protocolMajor = 1;
    await().atMost(5, TimeUnit.SECONDS).until(() -> p.link.links().get(0).isOpen());
  }

  @Test
  void coordinatorOutageAloneNeverFencesIsolationFencesAndFencedIsReportedOnReconnect() throws Exception {
    int cPort = freePort();
    int pPort = freePort();
    int sPort = freePort();
    CoordinatorStandIn c1 = coordinator("c1", 7, cPort);
    VoterAddress c = new VoterAddress("c1", Role.ROLE_COORDINATOR, "127.0.0.1", cPort);
    VoterAddress pAddr = new VoterAddress("hostP", Role.ROLE_AGENT, "127.0.0.1", pPort);
    VoterAddress sAddr = new VoterAddress("hostS", Role.ROLE_AGENT, "127.0.0.1", sPort);
    Agent p = new Agent("hostP", List.of(c), List.of(sAddr), pPort).start();
    Agent s = new Agent("hostS", List.of(c), List.of(pAddr), sPort).start();
    await().atMost(5, TimeUnit.SECONDS).until(() -> p.lease.holdsLease() && s.lease.holdsLease());

    // Coordinator outage: P still hears S, a majority of {P, S, c1} with itself.
    c1.granting = false;
    c1.dropAll();
    get(c1.close());
    await().during(Duration.ofMillis(3 * DEADLINE.toMillis())).atMost(5, TimeUnit.SECONDS)
        .until(() -> p.fences.get() == 0 && p.lease.holdsLease());

    // P isolated from both: it fences itself once, by its deadline.
    s.stop();
    long isolatedAt = System.nanoTime();
    await().atMost(5, TimeUnit.SECONDS).until(() -> p.fences.get() == 1);
    assertThat(Duration.ofNanos(System.nanoTime() - isolatedAt)).isLessThan(TTL.plusMillis(300));
    assertThat(p.selfFence.isFenced()).isTrue();
    await().atMost(5, TimeUnit.SECONDS).until(() -> Files.exists(p.state.resolve("fenced")));

    // The coordinator comes back: P reconnects and reports Fenced with the stopped guests.
    CoordinatorStandIn back = coordinator("c1", 7, cPort);
    await().atMost(5, TimeUnit.SECONDS).until(() -> !back.received(Envelope.PayloadCase.FENCED).isEmpty());
    var fenced = back.received(Envelope.PayloadCase.FENCED).get(0).getFenced();
    assertThat(fenced.getHostId()).isEqualTo("hostP");
    assertThat(fenced.getStoppedGuestIdsList()).containsExactly("guest-1");
    await().atMost(5, TimeUnit.SECONDS).until(() -> !p.selfFence.isFenced() && p.selfFence.pendingReport().isEmpty());
    assertThat(Files.exists(p.state.resolve("fenced"))).isFalse();
    assertThat(p.fences).hasValue(1);
  }
}
