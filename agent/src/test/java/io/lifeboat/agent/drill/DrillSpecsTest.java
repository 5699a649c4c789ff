package io.lifeboat.agent.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.agent.hypervisor.libvirt.DomainXmlWriter;
import io.lifeboat.agent.vmx.VmxGuestSpecs;
import io.lifeboat.protocol.v1.DiskBus;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import io.lifeboat.protocol.v1.VmdkCreateType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** The drill copy's spec keeps no production identity: name, id, MACs, networks. */
class DrillSpecsTest {
  private static final GuestSpec MAIL = GuestSpec.newBuilder().setGuestId("6f1c2a9e-0000-4000-8000-0000000000d2")
      .setName("mail").setHypervisorUuid("0f0e0d0c-0000-4000-8000-000000000001").setVcpus(2)
      .setMemoryBytes(1L << 30).setConfigPath("/etc/libvirt/qemu/mail.xml")
      .addDisks(DiskSpec.newBuilder().setPath("/srv/mail.vmdk").setFormat(DiskFormat.DISK_FORMAT_VMDK)
          .setBus(DiskBus.DISK_BUS_SCSI).setTarget("sda"))
      .addNics(NicSpec.newBuilder().setMacAddress("52:54:00:aa:bb:01").setModel(NicModel.NIC_MODEL_E1000)
          .setNetwork("bridge:br0"))
      .addNics(NicSpec.newBuilder().setMacAddress("52:54:00:aa:bb:02").setModel(NicModel.NIC_MODEL_VIRTIO)
          .setNetwork("lan"))
      .build();

  @Test
  void withoutAnIsolatedNetworkTheCopyHasNoNicNoIdAndRunsOnItsOverlays() {
    GuestSpec s = DrillSpecs.drillSpec(MAIL, "drill-mail-1234abcd", List.of("/g/.drills/d/overlay-0.qcow2"),
        DrillOverlay.QCOW2, List.of(4096L), "", new Random(1));
    assertThat(s.getName()).isEqualTo("drill-mail-1234abcd");
    assertThat(s.getGuestId()).isEmpty();
    assertThat(s.getHypervisorUuid()).isEmpty();
    assertThat(s.getConfigPath()).isEmpty();
    assertThat(s.getNicsList()).isEmpty();
    assertThat(s.getDisks(0).getPath()).isEqualTo("/g/.drills/d/overlay-0.qcow2");
    assertThat(s.getDisks(0).getFormat()).isEqualTo(DiskFormat.DISK_FORMAT_QCOW2);
    assertThat(s.getDisks(0).getBus()).isEqualTo(DiskBus.DISK_BUS_SCSI);
    String xml = DomainXmlWriter.write(s, "qemu", UUID.randomUUID().toString(), "/g/.drills/d/serial.log");
    assertThat(xml).doesNotContain("<interface").doesNotContain("52:54:00:aa:bb").doesNotContain(MAIL.getGuestId());
  }

  @Test
  void onVmwareTheCopyRunsOnVmdkChildDisksWrittenToAVmxWithNoNic() {
    GuestSpec s = DrillSpecs.drillSpec(MAIL, "drill-mail-1234abcd", List.of("/ds/l/.drills/d/overlay-0.vmdk"),
        DrillOverlay.VMDK_CHILD, List.of(4096L), "", new Random(1));
    assertThat(s.getDisks(0).getFormat()).isEqualTo(DiskFormat.DISK_FORMAT_VMDK);
    assertThat(s.getDisks(0).getVmdkCreateType()).isEqualTo(VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE);
    String vmx = new String(VmxGuestSpecs.toVmx(s, Path.of("/ds/l/.drills/d"), null).toBytes(),
        StandardCharsets.UTF_8);
    assertThat(vmx).contains("displayName = \"drill-mail-1234abcd\"").contains("\"overlay-0.vmdk\"")
        .doesNotContain("ethernet0.present = \"TRUE\"").doesNotContain("52:54:00:aa:bb").doesNotContain(MAIL.getHypervisorUuid());
  }

  @Property(tries = 200)
  void onAnIsolatedNetworkEveryNicGetsAFreshLocallyAdministeredMacThere(@ForAll long seed) {
    GuestSpec s = DrillSpecs.drillSpec(MAIL, "drill-mail-1", List.of("/g/o.qcow2"), DrillOverlay.QCOW2,
        List.of(4096L), "drillnet", new Random(seed));
    assertThat(s.getNicsList()).hasSize(2).allSatisfy(n -> {
      assertThat(n.getNetwork()).isEqualTo("drillnet");
      assertThat(n.getMacAddress()).matches("[0-9a-f]{2}(:[0-9a-f]{2}){5}").doesNotStartWith("52:54:00:aa:bb");
      int first = Integer.parseInt(n.getMacAddress().substring(0, 2), 16);
      assertThat(first & 0x03).as("locally administered unicast").isEqualTo(0x02);
    });
    assertThat(s.getNics(0).getMacAddress()).isNotEqualTo(s.getNics(1).getMacAddress());
    assertThat(s.getNics(1).getModel()).isEqualTo(NicModel.NIC_MODEL_VIRTIO);
  }

  @Test
  void aProductionNetworkOrUserNetworkingIsRefusedAsNotIsolated() {
    for (String net : List.of("lan", "bridge:br0", "bridge:br9", "user")) {
      assertThatThrownBy(() -> DrillSpecs.drillSpec(MAIL, "drill-mail-1", List.of("/g/o.qcow2"), DrillOverlay.QCOW2,
          List.of(1L), net, new Random(1))).isInstanceOfSatisfying(HypervisorException.class,
              e -> assertThat(e.code()).isEqualTo("not_isolated")).hasMessageContaining(net);
    }
  }

  @Test
  void drillNamesStartWithDrillAndCarryTheShortDrillId() {
    assertThat(DrillSpecs.drillName("", "mail server", "g", "1234abcd-ffff")).isEqualTo("drill-mail-server-1234abcd");
    assertThat(DrillSpecs.drillName("", "", "6f1c2a9e-0000", "ab")).isEqualTo("drill-6f1c2a9e-0000-ab");
    assertThatThrownBy(() -> DrillSpecs.drillName("mail", "mail", "g", "d")).hasMessageContaining("drill-");
    assertThatThrownBy(() -> DrillSpecs.drillName("drill-../x", "mail", "g", "d")).isInstanceOf(
        HypervisorException.class);
    assertThatThrownBy(() -> DrillSpecs.checkDrillId("../etc")).hasMessageContaining("../etc");
  }
}
