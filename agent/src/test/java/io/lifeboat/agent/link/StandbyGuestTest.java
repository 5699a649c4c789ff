package io.lifeboat.agent.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lifeboat.agent.hypervisor.FakeHypervisorDriver;
import io.lifeboat.agent.hypervisor.GuestRef;
import io.lifeboat.agent.hypervisor.HypervisorDriver;
import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.DiskBus;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import io.lifeboat.protocol.v1.PowerState;
import io.lifeboat.protocol.v1.RegisterGuest;
import io.lifeboat.protocol.v1.StartGuest;
import io.lifeboat.protocol.v1.StopGuest;
import io.lifeboat.protocol.v1.StopMode;
import io.lifeboat.protocol.v1.UnregisterGuest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failover's last steps on a standby that did not protect the guest before: RegisterGuest teaches the agent the
 * guest id, so Start/Stop/Unregister by id work and heartbeats and inventory report the guest running here.
 */
class StandbyGuestTest {
  private static final String GUEST_ID = "6f1c2a9e-0000-4000-8000-00000000000b";

  @TempDir
  Path dir;

  private final AtomicInteger messages = new AtomicInteger();

  @Test
  void aGuestRegisteredByCommandIsStartedStoppedAndUnregisteredByIdAndReportedRunning() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Files.writeString(dir.resolve("site.secret"), "0123456789abcdef-site\n");
    Path config = Files.writeString(dir.resolve("agent.yaml"), """
        hostId: hostB
        stateDir: state
        coordinators: ["c1@127.0.0.1:%d"]
        secretFile: site.secret
        driver: {kind: libvirt, uri: "test:///default"}
        fenceProcess: none
        """.formatted(port));
    Path disk = Files.write(dir.resolve(GUEST_ID + "-0.raw"), new byte[4096]);
    Vertx vertx = Vertx.vertx();
    try {
      CoordinatorStandIn c1 = new CoordinatorStandIn("c1", 4,
          new LinkCredentials("site", "0123456789abcdef-site".getBytes(StandardCharsets.UTF_8)));
      get(c1.listen(vertx, port));
      FakeHypervisorDriver driver = new FakeHypervisorDriver(vertx, "hostB", dir.resolve("datastore"));
      AgentRuntime agent = get(AgentRuntime.start(vertx, AgentConfig.read(config),
          () -> Future.<HypervisorDriver>succeededFuture(driver)));
      await().atMost(10, TimeUnit.SECONDS).until(() -> !c1.received(Envelope.PayloadCase.INVENTORY).isEmpty());

      GuestSpec spec = GuestSpec.newBuilder().setGuestId(GUEST_ID).setName("mail").setVcpus(1)
          .setMemoryBytes(256L << 20)
          .addDisks(DiskSpec.newBuilder().setPath(disk.toString()).setFormat(DiskFormat.DISK_FORMAT_RAW)
              .setCapacityBytes(4096).setBus(DiskBus.DISK_BUS_VIRTIO).setTarget("vda"))
          .addNics(NicSpec.newBuilder().setMacAddress("52:54:00:aa:bb:01").setModel(NicModel.NIC_MODEL_E1000))
          .build();
      CommandResult registered = command(c1, "reg", Envelope.newBuilder().setRegisterGuest(RegisterGuest.newBuilder()
          .setHeader(header("reg")).setSpec(spec).setTransient(true)));
      assertThat(registered.getOutcome()).as(registered.getFailure().getMessage())
          .isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
      String uuid = registered.getRegister().getHypervisorUuid();
      assertThat(agent.guests().ref(GUEST_ID)).contains(new GuestRef("mail", uuid));

      CommandResult started = command(c1, "start", Envelope.newBuilder().setStartGuest(StartGuest.newBuilder()
          .setHeader(header("start")).setGuestId(GUEST_ID)));
      assertThat(started.getOutcome()).as(started.getFailure().getMessage())
          .isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
      assertThat(get(driver.guest(GuestRef.named("mail"))).getPowerState()).isEqualTo(PowerState.POWER_STATE_RUNNING);
      await().atMost(10, TimeUnit.SECONDS).until(() -> c1.received(Envelope.PayloadCase.HEARTBEAT).stream()
          .anyMatch(h -> h.getHeartbeat().getRunningGuestIdsList().contains(GUEST_ID)));
      await().atMost(10, TimeUnit.SECONDS).until(() -> c1.received(Envelope.PayloadCase.INVENTORY).stream()
          .flatMap(e -> e.getInventory().getGuestsList().stream())
          .anyMatch(g -> g.getGuestId().equals(GUEST_ID) && g.getPowerState() == PowerState.POWER_STATE_RUNNING));
      // The failover's last step makes the running transient copy persistent, without stopping it.
      CommandResult persistent = command(c1, "persist", Envelope.newBuilder().setRegisterGuest(RegisterGuest.newBuilder()
          .setHeader(header("persist")).setSpec(spec).setTransient(false).setDisableAutostart(true)));
      assertThat(persistent.getOutcome()).as(persistent.getFailure().getMessage())
          .isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
      assertThat(persistent.getRegister().getHypervisorUuid()).isEqualTo(uuid);
      assertThat(get(driver.guest(GuestRef.named("mail"))).getPowerState()).isEqualTo(PowerState.POWER_STATE_RUNNING);
      // The id outlives an agent restart.
      assertThat(GuestDirectory.open(Map.of(), dir.resolve("state/registered-guests.json")).ref(GUEST_ID))
          .contains(new GuestRef("mail", uuid));

      CommandResult stopped = command(c1, "stop", Envelope.newBuilder().setStopGuest(StopGuest.newBuilder()
          .setHeader(header("stop")).setGuestId(GUEST_ID).setMode(StopMode.STOP_MODE_HARD)));
      assertThat(stopped.getOutcome()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
      int heartbeatsBefore = c1.received(Envelope.PayloadCase.HEARTBEAT).size();
      await().atMost(10, TimeUnit.SECONDS).until(() -> {
        var hbs = c1.received(Envelope.PayloadCase.HEARTBEAT);
        return hbs.size() > heartbeatsBefore + 1
            && !hbs.get(hbs.size() - 1).getHeartbeat().getRunningGuestIdsList().contains(GUEST_ID);
      });

      CommandResult unregistered = command(c1, "unreg", Envelope.newBuilder().setUnregisterGuest(
          UnregisterGuest.newBuilder().setHeader(header("unreg")).setGuestId(GUEST_ID)));
      assertThat(unregistered.getOutcome()).as(unregistered.getFailure().getMessage())
          .isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
      assertThat(get(driver.inventory())).noneMatch(g -> g.getName().equals("mail"));
      assertThat(agent.guests().ref(GUEST_ID)).isEmpty();
      assertThat(GuestDirectory.open(Map.of(), dir.resolve("state/registered-guests.json")).ref(GUEST_ID)).isEmpty();
      CommandResult again = command(c1, "start-2", Envelope.newBuilder().setStartGuest(StartGuest.newBuilder()
          .setHeader(header("start-2")).setGuestId(GUEST_ID)));
      assertThat(again.getFailure().getCode()).isEqualTo("no_such_guest");

      CommandResult noId = command(c1, "reg-2", Envelope.newBuilder().setRegisterGuest(RegisterGuest.newBuilder()
          .setHeader(header("reg-2")).setSpec(spec.toBuilder().clearGuestId()).setTransient(true)));
      assertThat(noId.getFailure().getCode()).isEqualTo("invalid_spec");
      assertThat(get(driver.inventory())).noneMatch(g -> g.getName().equals("mail"));
      get(agent.stop(vertx));
      get(c1.close());
    } finally {
      get(vertx.close());
    }
  }

  @Test
  void onLibvirtARegisteredGuestIsStartedFencedAndUnregisteredByIdAndHeartbeatsNameIt() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Files.writeString(dir.resolve("site.secret"), "0123456789abcdef-site\n");
    Path config = Files.writeString(dir.resolve("agent.yaml"), """
        hostId: hostB
        stateDir: state
        coordinators: ["c1@127.0.0.1:%d"]
        secretFile: site.secret
        driver: {kind: libvirt, uri: "test:///default"}
        fenceProcess: none
        """.formatted(port));
    Path disk = Files.write(dir.resolve(GUEST_ID + "-0.raw"), new byte[4096]);
    Vertx vertx = Vertx.vertx();
    try {
      CoordinatorStandIn c1 = new CoordinatorStandIn("c1", 4,
          new LinkCredentials("site", "0123456789abcdef-site".getBytes(StandardCharsets.UTF_8)));
      get(c1.listen(vertx, port));
      AgentRuntime agent = get(AgentRuntime.start(vertx, AgentConfig.read(config)));
      await().atMost(10, TimeUnit.SECONDS).until(() -> !c1.received(Envelope.PayloadCase.INVENTORY).isEmpty());
      GuestSpec spec = GuestSpec.newBuilder().setGuestId(GUEST_ID).setName("lifeboat-standby-mail").setVcpus(1)
          .setMemoryBytes(64L << 20)
          .addDisks(DiskSpec.newBuilder().setPath(disk.toString()).setFormat(DiskFormat.DISK_FORMAT_RAW)
              .setCapacityBytes(4096).setBus(DiskBus.DISK_BUS_VIRTIO).setTarget("vda"))
          .build();
      // libvirt's test driver cannot create paused transient domains: this registration is persistent.
      CommandResult registered = command(c1, "reg", Envelope.newBuilder().setRegisterGuest(RegisterGuest.newBuilder()
          .setHeader(header("reg")).setSpec(spec).setDisableAutostart(true)));
      assertThat(registered.getOutcome()).as(registered.getFailure().getMessage())
          .isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
      CommandResult started = command(c1, "start", Envelope.newBuilder().setStartGuest(StartGuest.newBuilder()
          .setHeader(header("start")).setGuestId(GUEST_ID)));
      assertThat(started.getOutcome()).as(started.getFailure().getMessage())
          .isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
      await().atMost(10, TimeUnit.SECONDS).until(() -> c1.received(Envelope.PayloadCase.HEARTBEAT).stream()
          .anyMatch(h -> h.getHeartbeat().getRunningGuestIdsList().contains(GUEST_ID)));
      assertThat(get(agent.driver().inventory())).filteredOn(g -> g.getName().equals("lifeboat-standby-mail"))
          .singleElement().satisfies(g -> {
            assertThat(g.getHypervisorUuid()).isEqualTo(registered.getRegister().getHypervisorUuid());
            assertThat(g.getPowerState()).isEqualTo(PowerState.POWER_STATE_RUNNING);
          });
      CommandResult fenced = command(c1, "fence", Envelope.newBuilder().setFence(io.lifeboat.protocol.v1.Fence
          .newBuilder().setHeader(header("fence")).setReason("test")));
      assertThat(fenced.getFence().getStoppedGuestIdsList()).containsExactly(GUEST_ID);
      CommandResult unregistered = command(c1, "unreg", Envelope.newBuilder().setUnregisterGuest(
          UnregisterGuest.newBuilder().setHeader(header("unreg")).setGuestId(GUEST_ID)));
      assertThat(unregistered.getOutcome()).as(unregistered.getFailure().getMessage())
          .isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
      assertThat(get(agent.driver().inventory())).noneMatch(g -> g.getName().equals("lifeboat-standby-mail"));
      get(agent.stop(vertx));
      get(c1.close());
    } finally {
      get(vertx.close());
    }
  }

  @Test
  void configuredGuestsStayWhenARegisteredOneIsForgotten() throws Exception {
    Path file = dir.resolve("registered.json");
    GuestDirectory d = GuestDirectory.open(Map.of("g1", "mail"), file);
    d.put("g1", new GuestRef("mail", "6f1c2a9e-0000-4000-8000-0000000000aa"));
    d.put("g2", GuestRef.named("web"));
    GuestDirectory reopened = GuestDirectory.open(Map.of("g1", "mail"), file);
    assertThat(reopened.ref("g2")).contains(GuestRef.named("web"));
    assertThat(reopened.ref("g1")).contains(new GuestRef("mail", "6f1c2a9e-0000-4000-8000-0000000000aa"));
    reopened.forget("g1");
    reopened.forget("g2");
    assertThat(reopened.ref("g1")).contains(GuestRef.named("mail"));
    assertThat(GuestDirectory.open(Map.of("g1", "mail"), file).refs()).containsExactly(GuestRef.named("mail"));
  }

  private CommandResult command(CoordinatorStandIn c1, String id, Envelope.Builder command) throws Exception {
    get(c1.send(command.setMessageId("m-" + messages.incrementAndGet()).setSender("c1").setEpoch(4).build()));
    await().atMost(15, TimeUnit.SECONDS).until(() -> c1.received(Envelope.PayloadCase.COMMAND_RESULT).stream()
        .anyMatch(e -> e.getCommandResult().getCommandId().equals(id)));
    return c1.received(Envelope.PayloadCase.COMMAND_RESULT).stream()
        .filter(e -> e.getCommandResult().getCommandId().equals(id)).findFirst().orElseThrow().getCommandResult();
  }

  private static CommandHeader header(String id) {
    return CommandHeader.newBuilder().setCommandId(id).setEpoch(4).build();
  }

  private static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
