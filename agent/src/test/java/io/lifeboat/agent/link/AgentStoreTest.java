package io.lifeboat.agent.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lifeboat.agent.hypervisor.FakeHypervisorDriver;
import io.lifeboat.agent.hypervisor.HypervisorDriver;
import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.DiskBus;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.MaterialiseRestorePoint;
import io.lifeboat.protocol.v1.ProbePeerHost;
import io.lifeboat.protocol.v1.RegisterGuest;
import io.lifeboat.protocol.v1.StartGuest;
import io.lifeboat.storage.replication.PushRequest;
import io.lifeboat.storage.replication.PushResult;
import io.lifeboat.storage.replication.ReplicationSender;
import io.lifeboat.storage.replication.SenderOptions;
import io.lifeboat.storage.store.ChunkStore;
import io.lifeboat.storage.store.RestorePointId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code store:} block: an agent that serves a standby store receives restore points with the site secret. */
class AgentStoreTest {
  static final String SECRET = "0123456789abcdef-site";
  static final String GUEST_ID = "6f1c2a9e-0000-4000-8000-000000000007";

  @TempDir
  Path dir;

  static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Writes an agent YAML with a store block on libvirt's test driver and a coordinator nobody answers at. */
  static Path config(Path dir, String storeBlock) throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Files.writeString(dir.resolve("site.secret"), SECRET + "\n");
    return Files.writeString(dir.resolve("agent.yaml"), """
        hostId: hostB
        stateDir: state
        coordinators: ["c1@127.0.0.1:%d"]
        secretFile: site.secret
        driver: {kind: libvirt, uri: "test:///default"}
        fenceProcess: none
        %s
        """.formatted(closed, storeBlock));
  }

  static Path disk(Path file, long capacity, String text) throws Exception {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(capacity);
      for (long off = 0; off < capacity; off += 1L << 20) {
        raf.seek(off);
        raf.write((text + " at " + off).getBytes(StandardCharsets.UTF_8));
      }
    }
    return file;
  }

  @Test
  void theStoreBlockIsReadStrictlyWithDefaults() throws Exception {
    Path file = config(dir, "store: {dir: standby-store}");
    AgentConfig.Store s = AgentConfig.read(file).store();
    assertThat(s.dir()).isEqualTo(dir.resolve("standby-store"));
    assertThat(s.listen()).isEqualTo("0.0.0.0:7402");
    assertThat(s.id()).isEqualTo("main");
    assertThat(s.guestDirs()).containsExactly(Path.of("/var/lib/lifeboat/guests"));
    assertThat(AgentConfig.read(config(dir, "")).store()).isNull();

    Path bad = config(dir, "store: {dir: s, listen: \"0.0.0.0:7402\", bogus: 1}");
    assertThatThrownBy(() -> AgentConfig.read(bad)).hasMessageStartingWith(bad + ": unknown key store.bogus");
    Path noDir = config(dir, "store: {listen: \"0.0.0.0:7402\"}");
    assertThatThrownBy(() -> AgentConfig.read(noDir)).hasMessage(noDir + ": missing key store.dir");
    Path badListen = config(dir, "store: {dir: s, listen: \"everywhere\"}");
    assertThatThrownBy(() -> AgentConfig.read(badListen))
        .hasMessage(badListen + ": store.listen \"everywhere\" is not host:port");
    Path badId = config(dir, "store: {dir: s, id: \"../x\"}");
    assertThatThrownBy(() -> AgentConfig.read(badId)).hasMessageContaining(badId + ": store.id \"../x\"");
    Path rootDir = config(dir, "store: {dir: s, guestDirs: [\"/\"]}");
    assertThatThrownBy(() -> AgentConfig.read(rootDir)).hasMessageContaining(rootDir + ": store.guestDirs: \"/\"");
    Path dirs = config(dir, "store: {dir: s, guestDirs: [\"/srv/vms/\", guests]}");
    assertThat(AgentConfig.read(dirs).store().guestDirs()).containsExactly(Path.of("/srv/vms"), dir.resolve("guests"));
  }

  @Test
  void anAgentWithAStoreAcceptsAPushWithTheSiteSecretAndRefusesAnotherSecret() throws Exception {
    Path file = config(dir, "store: {dir: standby-store, listen: \"127.0.0.1:0\", id: main}");
    Path image = disk(dir.resolve("mail-0.img"), 4L << 20, "mail disk 0");
    Vertx vertx = Vertx.vertx();
    try {
      AgentRuntime agent = get(AgentRuntime.start(vertx, AgentConfig.read(file)));
      int port = agent.storePort();
      assertThat(port).isPositive();

      ReplicationSender wrong = new ReplicationSender(vertx, SenderOptions.plain("127.0.0.1", port,
          "not-the-site-secret-at-all".getBytes(StandardCharsets.UTF_8)));
      assertThatThrownBy(() -> get(wrong.push(PushRequest.of(GUEST_ID, List.of(image), dir.resolve("d1")))))
          .isInstanceOf(ExecutionException.class).hasMessageContaining("shared secret");

      ReplicationSender right = new ReplicationSender(vertx, SenderOptions.plain("127.0.0.1", port,
          SECRET.getBytes(StandardCharsets.UTF_8)));
      PushResult pushed = get(right.push(PushRequest.of(GUEST_ID, List.of(image), dir.resolve("d2"))));
      get(agent.stop(vertx));

      ChunkStore store = ChunkStore.open(dir.resolve("standby-store"));
      assertThat(store.points(GUEST_ID)).containsExactly(RestorePointId.parse(pushed.pointId()));
      assertThat(store.isVerified(store.load(RestorePointId.parse(pushed.pointId())))).isTrue();
    } finally {
      get(vertx.close());
    }
  }

  @Test
  void aStandbyAgentProbesMaterialisesAPushedPointAndRegistersAndStartsTheGuestFromIt() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path file = config(dir, "store: {dir: standby-store, listen: \"127.0.0.1:0\", guestDirs: [guests]}")
        .resolveSibling("agent.yaml");
    Files.writeString(file, Files.readString(file).replaceFirst("c1@127\\.0\\.0\\.1:\\d+", "c1@127.0.0.1:" + port));
    Path image = disk(dir.resolve("mail-0.img"), 4L << 20, "mail disk 0");
    Vertx vertx = Vertx.vertx();
    try {
      CoordinatorStandIn c1 = new CoordinatorStandIn("c1", 4,
          new LinkCredentials("site", SECRET.getBytes(StandardCharsets.UTF_8)));
      get(c1.listen(vertx, port));
      FakeHypervisorDriver driver = new FakeHypervisorDriver(vertx, "hostB", dir.resolve("datastore"));
      AgentRuntime agent = get(AgentRuntime.start(vertx, AgentConfig.read(file),
          () -> Future.<HypervisorDriver>succeededFuture(driver)));
      await().atMost(10, TimeUnit.SECONDS).until(() -> !c1.received(Envelope.PayloadCase.INVENTORY).isEmpty());
      String pointId = get(new ReplicationSender(vertx, SenderOptions.plain("127.0.0.1", agent.storePort(),
          SECRET.getBytes(StandardCharsets.UTF_8))).push(PushRequest.of(GUEST_ID, List.of(image),
          dir.resolve("digests")))).pointId();

      CommandResult probe = command(c1, Envelope.newBuilder().setProbePeerHost(ProbePeerHost.newBuilder()
          .setHeader(header("probe")).setPeerHostId("hostA").setHypervisorUri("qemu+tcp://127.0.0.1:" + port
              + "/system").setSshAddress("127.0.0.1:" + agent.storePort())));
      assertThat(probe.getProbe().getHypervisorApiAnswered()).isTrue();
      assertThat(probe.getProbe().getSshAnswered()).isTrue();

      Path dest = dir.resolve("guests").resolve(GUEST_ID);
      CommandResult materialised = command(c1, Envelope.newBuilder().setMaterialiseRestorePoint(
          MaterialiseRestorePoint.newBuilder().setHeader(header("mat")).setGuestId(GUEST_ID).setPointId(pointId)
              .setTargetFormat(DiskFormat.DISK_FORMAT_RAW).setDestinationDir(dest.toString())));
      assertThat(materialised.getOutcome()).as(materialised.getFailure().getMessage())
          .isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
      DiskSpec disk = materialised.getMaterialise().getDisks(0);
      assertThat(Files.readAllBytes(Path.of(disk.getPath()))).isEqualTo(Files.readAllBytes(image));

      GuestSpec spec = GuestSpec.newBuilder().setGuestId(GUEST_ID).setName("mail").setVcpus(1)
          .setMemoryBytes(256L << 20).addDisks(disk.toBuilder().setBus(DiskBus.DISK_BUS_VIRTIO).setTarget("vda"))
          .build();
      CommandResult registered = command(c1, Envelope.newBuilder().setRegisterGuest(RegisterGuest.newBuilder()
          .setHeader(header("reg")).setSpec(spec).setTransient(true)));
      assertThat(registered.getOutcome()).as(registered.getFailure().getMessage())
          .isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
      driver.bootMessage("LIFEBOAT-BOOT-OK");
      CommandResult started = command(c1, Envelope.newBuilder().setStartGuest(StartGuest.newBuilder()
          .setHeader(header("start")).setGuestId(GUEST_ID).setBootMarker("LIFEBOAT-BOOT-OK")));
      assertThat(started.getOutcome()).as(started.getFailure().getMessage())
          .isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
      assertThat(started.getBoot().getBootVerified()).isTrue();
      await().atMost(10, TimeUnit.SECONDS).until(() -> c1.received(Envelope.PayloadCase.HEARTBEAT).stream()
          .anyMatch(h -> h.getHeartbeat().getRunningGuestIdsList().contains(GUEST_ID)));
      get(agent.stop(vertx));
      get(c1.close());
    } finally {
      get(vertx.close());
    }
  }

  private static CommandResult command(CoordinatorStandIn c1, Envelope.Builder command) throws Exception {
    String id = CommandDispatcher.header(command.build()).orElseThrow().getCommandId();
    get(c1.send(command.setMessageId("m-" + id).setSender("c1").setEpoch(4).build()));
    await().atMost(30, TimeUnit.SECONDS).until(() -> c1.received(Envelope.PayloadCase.COMMAND_RESULT).stream()
        .anyMatch(e -> e.getCommandResult().getCommandId().equals(id)));
    return c1.received(Envelope.PayloadCase.COMMAND_RESULT).stream()
        .filter(e -> e.getCommandResult().getCommandId().equals(id)).findFirst().orElseThrow().getCommandResult();
  }

  private static CommandHeader header(String id) {
    return CommandHeader.newBuilder().setCommandId(id).setEpoch(4).build();
  }

  @Test
  void anAgentWithoutAStoreBlockServesNoStore() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      AgentRuntime agent = get(AgentRuntime.start(vertx, AgentConfig.read(config(dir, ""))));
      assertThat(agent.storePort()).isEqualTo(-1);
      assertThat(dir.resolve("standby-store")).doesNotExist();
      get(agent.stop(vertx));
    } finally {
      get(vertx.close());
    }
  }
}
