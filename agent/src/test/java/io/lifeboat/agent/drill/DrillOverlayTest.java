package io.lifeboat.agent.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.protocol.v1.Datastore;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HypervisorKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which copy-on-write disk a drill copy gets on each kind of host, which VMware hosts refuse drills and why, and the
 * VMDK child that qemu-img writes for VMware: monolithicSparse, its parent's CID and the parent's file name.
 */
class DrillOverlayTest {
  private static final String WHERE = "drill d1 of guest g on agent vmB";
  private static final HostFacts VMWARE = HostFacts.newBuilder().setHostname("oldvmware")
      .setHypervisorKind(HypervisorKind.HYPERVISOR_KIND_VMWARE_SERVER)
      .addDatastores(Datastore.newBuilder().setName("standard").setPath("/var/lib/vmware/Virtual Machines"))
      .addDatastores(Datastore.newBuilder().setName("unmapped"))
      .build();

  @Test
  void libvirtHostsGetQcow2OverlaysAndVmwareHostsVmdkChildrenInTheirDatastore() {
    HostFacts kvm = HostFacts.newBuilder().setHypervisorKind(HypervisorKind.HYPERVISOR_KIND_LIBVIRT_KVM).build();
    assertThat(DrillOverlay.forHost(kvm, Path.of("/var/lib/lifeboat/guests/.drills/d1"), WHERE))
        .isEqualTo(DrillOverlay.QCOW2);
    Path inDatastore = Path.of("/var/lib/vmware/Virtual Machines/lifeboat/.drills/d1");
    assertThat(DrillOverlay.forHost(VMWARE, inDatastore, WHERE)).isEqualTo(DrillOverlay.VMDK_CHILD);
    assertThat(DrillOverlay.VMDK_CHILD.overlayPath(inDatastore, 1)).isEqualTo(inDatastore.resolve("overlay-1.vmdk"));
    assertThat(DrillOverlay.VMDK_CHILD.backingName(inDatastore.resolve("base-1.vmdk"))).isEqualTo("base-1.vmdk");
    assertThat(DrillOverlay.QCOW2.backingName(Path.of("/g/.drills/d1/base-0.vmdk")))
        .isEqualTo("/g/.drills/d1/base-0.vmdk");
    assertThat(DrillOverlay.QCOW2.createOptions("lsilogic")).isEmpty();
    assertThat(DrillOverlay.VMDK_CHILD.createOptions("buslogic")).isEqualTo("adapter_type=buslogic");
    assertThat(DrillOverlay.VMDK_CHILD.createOptions("pvscsi")).isEqualTo("adapter_type=lsilogic");
    assertThat(DrillOverlay.VMDK_CHILD.createOptions(null)).isEqualTo("adapter_type=ide");
  }

  @Test
  void aVmwareHostWhoseDatastoresHoldNoDrillDirectoryRefusesTheDrillNamingTheHostAndWhatIsMissing() {
    assertThatThrownBy(() -> DrillOverlay.forHost(VMWARE, Path.of("/var/lib/lifeboat/guests/.drills/d1"), WHERE))
        .isInstanceOfSatisfying(HypervisorException.class, e -> assertThat(e.code()).isEqualTo("drill_unsupported"))
        .hasMessageStartingWith(WHERE + ": the drill directory /var/lib/lifeboat/guests/.drills/d1 lies in none of"
            + " the datastores of VMware host oldvmware [standard=/var/lib/vmware/Virtual Machines]")
        .hasMessageContaining("store.guestDirs");
    // A sibling directory that shares the datastore's name as a prefix is not inside it.
    assertThatThrownBy(() -> DrillOverlay.forHost(VMWARE, Path.of("/var/lib/vmware/Virtual Machines2/.drills/d1"),
        WHERE)).isInstanceOfSatisfying(HypervisorException.class,
            e -> assertThat(e.code()).isEqualTo("drill_unsupported"));
  }

  @Test
  void anAgentlessVmwareHostRefusesTheDrillBecauseItDoesNotSeeTheAgentsFiles() {
    HostFacts agentless = VMWARE.toBuilder().setAgentless(true).build();
    assertThatThrownBy(() -> DrillOverlay.forHost(agentless, Path.of("/var/lib/vmware/Virtual Machines/.drills/d1"),
        WHERE)).isInstanceOfSatisfying(HypervisorException.class,
            e -> assertThat(e.code()).isEqualTo("drill_unsupported"))
        .hasMessageStartingWith(WHERE + ": VMware host oldvmware is driven agentless over SSH")
        .hasMessageContaining("run the agent on the host");
  }

  @Test
  void qemuImgWritesAVmdkChildThatNamesItsParentByCidAndFileName(@TempDir Path dir) throws Exception {
    Path base = dir.resolve("base-0.vmdk");
    run("qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=monolithicSparse,adapter_type=lsilogic",
        base.toString(), "4M");
    Path child = DrillOverlay.VMDK_CHILD.overlayPath(dir, 0);
    new QemuImg("qemu-img").createOverlay("vmdk", DrillOverlay.VMDK_CHILD.backingName(base), "vmdk", child,
        DrillOverlay.VMDK_CHILD.createOptions("lsilogic"));

    String baseCid = descriptor(base).replaceAll("(?s).*\nCID=([0-9a-f]{8}).*", "$1");
    assertThat(descriptor(child)).contains("parentCID=" + baseCid).contains("createType=\"monolithicSparse\"")
        .contains("parentFileNameHint=\"base-0.vmdk\"").contains("ddb.adapterType = \"lsilogic\"");
    assertThat(run("qemu-img", "info", "--output=json", child.toString()))
        .contains("\"full-backing-filename\": \"" + base + "\"");
  }

  /** The text of a hosted sparse VMDK's embedded descriptor (it starts at sector 1). */
  private static String descriptor(Path vmdk) throws Exception {
    byte[] head = Files.readAllBytes(vmdk);
    return new String(head, 512, Math.min(head.length - 512, 10 * 512), StandardCharsets.US_ASCII);
  }

  private static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", String.join(" ", cmd), out).isZero();
    return out;
  }
}
