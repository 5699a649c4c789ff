package io.lifeboat.agent.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeboat.protocol.v1.FencingCapability;
import io.lifeboat.protocol.v1.StoreTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which fencing capability the runtime reports per configuration, and whether it keeps a remote fence loop. */
class AgentRuntimeFencingTest {
  private static final String SSH = "  ssh: {user: root, host: oldserver, identityFile: id, knownHosts: kh}\n";

  @TempDir
  Path dir;

  private AgentConfig config(String driver, String fence) throws Exception {
    Path file = dir.resolve("agent-" + System.nanoTime() + ".yaml");
    Files.writeString(file, "hostId: hostA\nstateDir: state\ncoordinators: [\"c1@127.0.0.1:7400\"]\n"
        + "secretFile: site.secret\n" + driver + (fence == null ? "" : "fenceProcess: " + fence + "\n"));
    return AgentConfig.read(file);
  }

  private static String vmware(boolean agentless) {
    return "driver:\n  kind: vmware\n  uri: https://oldserver:8333/sdk\n  user: root\n  passwordFile: pw\n"
        + (agentless ? SSH : "");
  }

  @Test
  void anAgentlessHostIsUnfenceableUnlessItsConfigEnablesTheRemoteLoopAndTheLoopRuns() throws Exception {
    AgentConfig off = config(vmware(true), null);
    assertThat(AgentRuntime.remoteLoop(off)).isNull();
    assertThat(AgentRuntime.fencingCapability(off, false)).isEqualTo(FencingCapability.FENCING_CAPABILITY_NONE);
    assertThat(AgentRuntime.fencingCapability(off, true)).isEqualTo(FencingCapability.FENCING_CAPABILITY_NONE);

    AgentConfig on = config(vmware(true), "remote-loop");
    assertThat(on.driver().ssh().fenceDir()).isEqualTo("/var/lib/lifeboat");
    RemoteFenceLoopFeed loop = AgentRuntime.remoteLoop(on);
    assertThat(loop).isNotNull();
    assertThat(loop.running()).isFalse();
    assertThat(loop.capability()).isEqualTo(FencingCapability.FENCING_CAPABILITY_NONE);
    assertThat(AgentRuntime.fencingCapability(on, loop.running()))
        .as("reported unfenceable until the loop is installed").isEqualTo(FencingCapability.FENCING_CAPABILITY_NONE);
    assertThat(AgentRuntime.fencingCapability(on, true)).isEqualTo(FencingCapability.FENCING_CAPABILITY_FENCE_LOOP);
  }

  @Test
  void aLocalAgentSelfFencesAndTheRemoteLoopNeedsAnAgentlessVmwareHost() throws Exception {
    AgentConfig local = config(vmware(false), "vmrun");
    assertThat(AgentRuntime.remoteLoop(local)).isNull();
    assertThat(AgentRuntime.fencingCapability(local, false))
        .isEqualTo(FencingCapability.FENCING_CAPABILITY_SELF_FENCE);
    AgentConfig libvirt = config("driver: {kind: libvirt, uri: \"qemu:///system\"}\n", "libvirt");
    assertThat(AgentRuntime.fencingCapability(libvirt, false))
        .isEqualTo(FencingCapability.FENCING_CAPABILITY_SELF_FENCE);

    assertThatThrownBy(() -> config(vmware(false), "remote-loop")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fenceProcess remote-loop needs driver.kind vmware with driver.ssh");
    assertThatThrownBy(() -> config("driver:\n  kind: vmware\n  uri: https://o/sdk\n  user: root\n  passwordFile: pw\n"
        + "  ssh: {host: o, identityFile: id, knownHosts: kh, fenceDir: relative}\n", "remote-loop"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("driver.ssh.fenceDir \"relative\"");
  }

  @Test
  void aStoreTargetAddressBecomesSenderOptionsOrAnErrorNamingTheTarget() {
    byte[] secret = {1, 2, 3};
    var o = AgentRuntime.senderOptions(StoreTarget.newBuilder().setHostId("hostB").setStoreId("main")
        .setAddress("[::1]:7500").build(), secret, null);
    assertThat(o.host()).isEqualTo("::1");
    assertThat(o.port()).isEqualTo(7500);
    assertThat(o.tls()).isFalse();
    assertThatThrownBy(() -> AgentRuntime.senderOptions(StoreTarget.newBuilder().setHostId("hostB")
        .setStoreId("main").setAddress("nowhere").build(), secret, null))
        .hasMessage("store target hostB/main: address \"nowhere\" is not host:port");
  }
}
