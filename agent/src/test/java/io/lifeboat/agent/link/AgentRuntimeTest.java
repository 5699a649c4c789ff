package io.lifeboat.agent.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.Fence;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.libvirt.Connect;
import org.junit.jupiter.api.io.TempDir;

/** The whole agent from its YAML file, on libvirt's built-in test hypervisor ({@code test:///default}). */
class AgentRuntimeTest {
  @TempDir
  Path dir;

  static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void anAgentStartedFromItsConfigHeartbeatsAndRunsAFenceCommandOnItsDriver() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Files.writeString(dir.resolve("site.secret"), "0123456789abcdef-site\n");
    Path config = Files.writeString(dir.resolve("agent.yaml"), """
        hostId: hostA
        stateDir: state
        coordinators: ["c1@127.0.0.1:%d"]
        secretFile: site.secret
        driver: {kind: libvirt, uri: "test:///default"}
        fenceProcess: none
        protectedGuests: {"guest-1": "test"}
        """.formatted(port));
    Vertx vertx = Vertx.vertx();
    try {
      CoordinatorStandIn c1 = new CoordinatorStandIn("c1", 4,
          new LinkCredentials("site", "0123456789abcdef-site".getBytes(StandardCharsets.UTF_8)));
      get(c1.listen(vertx, port));
      // The hypervisor would start the protected guest by itself at boot; the agent must take that away.
      Connect hypervisor = new Connect("test:///default");
      hypervisor.domainLookupByName("test").setAutostart(true);
      AgentRuntime agent = get(AgentRuntime.start(vertx, AgentConfig.read(config)));
      await().atMost(10, TimeUnit.SECONDS).until(() -> !hypervisor.domainLookupByName("test").getAutostart());
      await().atMost(10, TimeUnit.SECONDS).until(() -> c1.received(Envelope.PayloadCase.HEARTBEAT).stream()
          .anyMatch(h -> h.getHeartbeat().getRunningGuestIdsList().contains("guest-1")));
      assertThat(Files.readString(dir.resolve("state/epoch"))).isEqualTo("epoch=4\n");
      await().atMost(30, TimeUnit.SECONDS).until(() -> !c1.received(Envelope.PayloadCase.INVENTORY).isEmpty());
      var inventory = c1.received(Envelope.PayloadCase.INVENTORY).get(0).getInventory();
      assertThat(inventory.getHostId()).isEqualTo("hostA");
      assertThat(inventory.getFacts().getHostId()).isEqualTo("hostA");
      assertThat(inventory.getFacts().getFencingCapability())
          .as("a local agent self-fences; unreported, the coordinator would never arm automatic failover")
          .isEqualTo(io.lifeboat.protocol.v1.FencingCapability.FENCING_CAPABILITY_SELF_FENCE);
      assertThat(inventory.getGuestsList()).filteredOn(g -> g.getName().equals("test")).singleElement()
          .satisfies(g -> assertThat(g.getGuestId()).isEqualTo("guest-1"));

      get(c1.send(Envelope.newBuilder().setMessageId("m1").setSender("c1").setEpoch(4).setFence(Fence.newBuilder()
          .setHeader(CommandHeader.newBuilder().setCommandId("fence-1").setEpoch(4)).setReason("test")).build()));
      await().atMost(10, TimeUnit.SECONDS).until(() -> !c1.received(Envelope.PayloadCase.COMMAND_RESULT).isEmpty());
      var result = c1.received(Envelope.PayloadCase.COMMAND_RESULT).get(0).getCommandResult();
      assertThat(result.getOutcome()).as(result.getFailure().getMessage())
          .isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
      assertThat(result.getFence().getStoppedGuestIdsList()).containsExactly("guest-1");
      await().atMost(10, TimeUnit.SECONDS).until(() -> get(agent.driver().inventory()).stream()
          .noneMatch(g -> g.getName().equals("test")
              && g.getPowerState() == io.lifeboat.protocol.v1.PowerState.POWER_STATE_RUNNING));
      get(agent.stop(vertx));
      get(c1.close());
    } finally {
      get(vertx.close());
    }
  }

  @Test
  void aLibvirtProxyReachesTheHostsFilesOverSsh() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Files.writeString(dir.resolve("site.secret"), "0123456789abcdef-site\n");
    Files.writeString(dir.resolve("id_ed25519"), "not a key\n");
    Files.writeString(dir.resolve("known_hosts"), "");
    Path config = Files.writeString(dir.resolve("agent.yaml"), """
        hostId: hostR
        stateDir: state
        coordinators: ["c1@127.0.0.1:1"]
        secretFile: site.secret
        driver:
          kind: libvirt
          uri: "test:///default"
          ssh: {user: root, host: 127.0.0.1, port: %d, identityFile: id_ed25519, knownHosts: known_hosts}
        fenceProcess: none
        protectedGuests: {"guest-1": "test"}
        """.formatted(closedPort));
    Vertx vertx = Vertx.vertx();
    try {
      // Disks and serial logs of a host the agent proxies are read over SFTP: no SSH, no driver.
      Future<AgentRuntime> started = AgentRuntime.start(vertx, AgentConfig.read(config));
      assertThat(started.toCompletionStage().toCompletableFuture().handle((r, e) -> e).get(30, TimeUnit.SECONDS))
          .isNotNull()
          .hasMessageContaining("127.0.0.1:" + closedPort);
    } finally {
      get(vertx.close());
    }
  }
}
