package io.lifeboat.agent.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeboat.protocol.v1.StoreTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's {@code replication.limitRate}: parsed as a byte rate, refused with the file and key when it is not one,
 * and carried into the options of every push the runtime makes (storage's ReplicationTest shows a push keeps to it).
 */
class ReplicationLimitConfigTest {
  private static final StoreTarget HOST_B = StoreTarget.newBuilder().setHostId("hostB").setStoreId("main")
      .setAddress("10.0.0.6:7402").build();
  private static final byte[] SECRET = {1, 2, 3};

  @TempDir
  Path dir;

  private Path file(String replication) throws Exception {
    Path file = dir.resolve("agent.yaml");
    Files.writeString(file, "hostId: hostA\nstateDir: state\ncoordinators: [\"c1@127.0.0.1:7400\"]\n"
        + "secretFile: site.secret\ndriver: {kind: libvirt, uri: \"qemu:///system\"}\n" + replication);
    return file;
  }

  @Test
  void aLimitRateCapsEveryPushTheRuntimeMakes() throws Exception {
    AgentConfig config = AgentConfig.read(file("replication: {limitRate: 20M}\n"));
    assertThat(config.replicationLimitBytesPerSecond()).isEqualTo(20L << 20);
    assertThat(AgentRuntime.senders(config, SECRET).apply(HOST_B).limitBytesPerSecond()).isEqualTo(20L << 20);

    assertThat(AgentConfig.read(file("replication:\n  limitRate: 500k\n")).replicationLimitBytesPerSecond())
        .isEqualTo(500L << 10);
    assertThat(AgentConfig.read(file("replication: {limitRate: 1048576}\n")).replicationLimitBytesPerSecond())
        .isEqualTo(1L << 20);
  }

  @Test
  void withoutAReplicationSectionPushesAreUnlimited() throws Exception {
    AgentConfig config = AgentConfig.read(file(""));
    assertThat(config.replicationLimitBytesPerSecond()).isZero();
    assertThat(AgentRuntime.senders(config, SECRET).apply(HOST_B).limitBytesPerSecond()).isZero();
  }

  @Test
  void aRateThatIsNotOneIsRefusedNamingTheFileAndTheKey() throws Exception {
    for (String bad : new String[] {"fast", "20MiB/s", "0", "-5M", "\"\""}) {
      Path f = file("replication: {limitRate: " + bad + "}\n");
      assertThatThrownBy(() -> AgentConfig.read(f)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(f + ": replication.limitRate \"")
          .hasMessageEndingWith("\" is not a positive byte rate per second like 500k, 20M or 1G");
    }
    Path unknown = file("replication: {limit: 20M}\n");
    assertThatThrownBy(() -> AgentConfig.read(unknown)).hasMessage(unknown
        + ": unknown key replication.limit (known: [limitRate])");
    Path missing = file("replication: {}\n");
    assertThatThrownBy(() -> AgentConfig.read(missing)).hasMessage(missing + ": missing key replication.limitRate");
  }
}
