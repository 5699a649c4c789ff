package io.lifeboat.agent.fence;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeboat.agent.hypervisor.libvirt.LibvirtDriver;
import io.lifeboat.agent.hypervisor.libvirt.LocalHostFiles;
import io.lifeboat.agent.link.PeerFenceCommandHandler;
import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.FencePeerHost;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.PowerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A surviving agent fences a lost peer through the peer's hypervisor API: against libvirt's test driver (whose
 * {@code test:///default} state all connections of the process share, so a second connection sees the result).
 */
class PeerFencerTest {
  @TempDir Path dir;
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private PeerFenceCommandHandler handler() {
    return new PeerFenceCommandHandler("hostB", new PeerFencer(vertx, "hostB", Optional.empty(), dir));
  }

  private static Envelope fence(String uri, GuestSpec... guests) {
    return Envelope.newBuilder().setFencePeerHost(FencePeerHost.newBuilder()
        .setHeader(CommandHeader.newBuilder().setCommandId("fence-1").setEpoch(1)).setPeerHostId("hostA")
        .setHypervisorUri(uri).setReason("host hostA lost").addAllGuests(java.util.List.of(guests))).build();
  }

  @Test
  void aRunningGuestOfThePeerIsHardStoppedThroughItsLibvirtUri() throws Exception {
    // The peer's hypervisor as another client sees it; held open so that the test driver keeps its state.
    LibvirtDriver peer = get(LibvirtDriver.connect(vertx, "test:///default", new LocalHostFiles(), "peer-view",
        dir.toString()));
    try {
      assertThat(get(peer.inventory())).filteredOn(g -> g.getName().equals("test")).singleElement()
          .satisfies(g -> assertThat(g.getPowerState()).isEqualTo(PowerState.POWER_STATE_RUNNING));

      CommandResult result = get(handler().handle(fence("test:///default",
          GuestSpec.newBuilder().setGuestId("g-test").setName("test").build(),
          GuestSpec.newBuilder().setGuestId("g-absent").setName("not-there").build())));
      assertThat(result.getOutcome()).as(result.getFailure().getMessage())
          .isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
      assertThat(result.getFence().getStoppedGuestIdsList()).containsExactly("g-test");
      assertThat(get(peer.inventory())).filteredOn(g -> g.getName().equals("test")).singleElement()
          .satisfies(g -> assertThat(g.getPowerState()).isNotEqualTo(PowerState.POWER_STATE_RUNNING));

      // Fencing again stops nothing and still succeeds: the guest is already off.
      CommandResult again = get(handler().handle(fence("test:///default",
          GuestSpec.newBuilder().setGuestId("g-test").setName("test").build())));
      assertThat(again.getOutcome()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
      assertThat(again.getFence().getStoppedGuestIdsList()).isEmpty();
    } finally {
      get(vertx.executeBlocking(() -> {
        peer.close();
        return null;
      }));
    }
  }

  @Test
  void anUnreachablePeerFailsNamingThePeerAndTheUri() throws Exception {
    CommandResult result = get(handler().handle(fence("qemu+tcp://127.0.0.1:1/system",
        GuestSpec.newBuilder().setGuestId("g-mail").setName("mail").build())));
    assertThat(result.getOutcome()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_FAILED);
    assertThat(result.getFailure().getMessage())
        .startsWith("agent hostB: cannot fence host hostA through qemu+tcp://127.0.0.1:1/system: ")
        .contains("Connection refused");
  }

  @Test
  void aViApiPeerNeedsThisAgentsViApiLogin() throws Exception {
    CommandResult result = get(handler().handle(fence("https://10.0.0.3/sdk",
        GuestSpec.newBuilder().setGuestId("g-mail").setName("mail").build())));
    assertThat(result.getOutcome()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_FAILED);
    assertThat(result.getFailure().getCode()).isEqualTo("no_login");
    assertThat(result.getFailure().getMessage()).isEqualTo("agent hostB: cannot fence host hostA through "
        + "https://10.0.0.3/sdk: this agent has no VI API login (its driver is not vmware)");
  }
}
