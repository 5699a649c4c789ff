package io.lifeboat.agent.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.ProbePeerHost;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ProbePeerHost against real sockets on loopback: a listening port answers, a closed one does not. */
class ProbeCommandHandlerTest {
  private Vertx vertx;
  private ProbeCommandHandler probe;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    probe = new ProbeCommandHandler("hostC", vertx, Duration.ofSeconds(2));
  }

  @AfterEach
  void tearDown() throws Exception {
    get(vertx.close());
  }

  @Test
  void aListeningEndpointAnswersAndAClosedOneDoesNot() throws Exception {
    int closed = closedPort();
    try (ServerSocket listening = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      int open = listening.getLocalPort();
      CommandResult both = run("qemu+tcp://127.0.0.1:" + open + "/system", "127.0.0.1:" + open);
      assertThat(both.getOutcome()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
      assertThat(both.getProbe().getPeerHostId()).isEqualTo("hostA");
      assertThat(both.getProbe().getHypervisorApiAnswered()).isTrue();
      assertThat(both.getProbe().getSshAnswered()).isTrue();
      assertThat(both.getProbe().hasLatency()).isTrue();
      assertThat(both.getProbe().getLatency().getSeconds()).isLessThan(2);

      CommandResult sshOnly = run("127.0.0.1:" + closed, "127.0.0.1:" + open);
      assertThat(sshOnly.getProbe().getHypervisorApiAnswered()).isFalse();
      assertThat(sshOnly.getProbe().getSshAnswered()).isTrue();
      assertThat(sshOnly.getProbe().hasFailure()).isFalse();
    }
    CommandResult none = run("127.0.0.1:" + closed, "127.0.0.1:" + closed);
    assertThat(none.getOutcome()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
    assertThat(none.getProbe().getHypervisorApiAnswered()).isFalse();
    assertThat(none.getProbe().getSshAnswered()).isFalse();
    assertThat(none.getProbe().hasLatency()).isFalse();
    assertThat(none.getProbe().getFailure().getMessage()).contains("hostC").contains("hostA")
        .contains("127.0.0.1:" + closed);
  }

  @Test
  void endpointsAreHostPortOrUrisWithTheSchemesDefaultPort() {
    assertThat(ProbeCommandHandler.endpoint("qemu+tcp://10.0.0.2/system", "f"))
        .isEqualTo(new ProbeCommandHandler.Endpoint("10.0.0.2", 16509));
    assertThat(ProbeCommandHandler.endpoint("qemu+ssh://root@10.0.0.2/system", "f"))
        .isEqualTo(new ProbeCommandHandler.Endpoint("10.0.0.2", 22));
    assertThat(ProbeCommandHandler.endpoint("https://oldserver:8333/sdk", "f"))
        .isEqualTo(new ProbeCommandHandler.Endpoint("oldserver", 8333));
    assertThat(ProbeCommandHandler.endpoint("[fd00::2]:22", "f"))
        .isEqualTo(new ProbeCommandHandler.Endpoint("fd00::2", 22));
    assertThatThrownBy(() -> ProbeCommandHandler.endpoint("10.0.0.2", "ssh_address"))
        .hasMessage("ssh_address \"10.0.0.2\" is not host:port");
    assertThatThrownBy(() -> ProbeCommandHandler.endpoint("gopher+x://h/", "hypervisor_uri"))
        .hasMessageContaining("hypervisor_uri \"gopher+x://h/\"");
  }

  @Test
  void aProbeWithoutEndpointsFailsNamingThePeer() throws Exception {
    CommandResult r = run("", "");
    assertThat(r.getOutcome()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_FAILED);
    assertThat(r.getFailure().getCode()).isEqualTo("invalid_probe");
    assertThat(r.getFailure().getMessage()).contains("hostA");
  }

  private CommandResult run(String hypervisor, String ssh) throws Exception {
    Envelope command = Envelope.newBuilder().setProbePeerHost(ProbePeerHost.newBuilder()
        .setHeader(CommandHeader.newBuilder().setCommandId("p").setEpoch(1)).setPeerHostId("hostA")
        .setHypervisorUri(hypervisor).setSshAddress(ssh)).build();
    Promise<CommandResult> result = Promise.promise();
    vertx.runOnContext(v -> probe.handle(command).onComplete(result));
    return get(result.future());
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
