package io.lifeboat.agent.vmx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeboat.protocol.v1.DiskAdapter;
import io.lifeboat.protocol.v1.DiskBus;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.GuestBitness;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmxGuestSpecsTest {
  private static final Path FOLDER = Path.of("/vmfs/volumes/standard/mail");

  @Test
  void sampleBecomesAGuestSpec() {
    GuestSpec spec = VmxGuestSpecs.toGuestSpec(VmxFileTest.sample(), FOLDER.resolve("mail.vmx"));
    assertThat(spec.getName()).isEqualTo("Parish \"Office\" | mail # 1");
    assertThat(spec.getHypervisorUuid()).isEqualTo("564d096b-b0ff-56dd-bd74-a403972bf337");
    assertThat(spec.getBitness()).isEqualTo(GuestBitness.GUEST_BITNESS_32);
    assertThat(spec.getMemoryBytes()).isEqualTo(512L << 20);
    assertThat(spec.getVmwareHardwareVersion()).isEqualTo(4);
    assertThat(spec.getDisksList()).containsExactly(DiskSpec.newBuilder()
        .setPath(FOLDER.resolve("mail.vmdk").toString()).setFormat(DiskFormat.DISK_FORMAT_VMDK)
        .setBus(DiskBus.DISK_BUS_SCSI).setAdapter(DiskAdapter.DISK_ADAPTER_LSILOGIC).setTarget("scsi0:0").build());
    assertThat(spec.getNicsList()).extracting(NicSpec::getMacAddress, NicSpec::getModel).containsExactly(
        org.assertj.core.groups.Tuple.tuple("00:50:56:01:02:03", NicModel.NIC_MODEL_E1000),
        org.assertj.core.groups.Tuple.tuple("00:0c:29:2b:f3:37", NicModel.NIC_MODEL_PCNET));
    assertThat(spec.getConfigPath()).isEqualTo(FOLDER.resolve("mail.vmx").toString());
  }

  @Test
  void specRoundTripsThroughAFreshVmxKeepingMacsAndIdentity() {
    GuestSpec original = VmxGuestSpecs.toGuestSpec(VmxFileTest.sample(), FOLDER.resolve("mail.vmx"));
    VmxFile written = VmxGuestSpecs.toVmx(original, FOLDER, null);
    assertThat(written.uuidAction()).contains("keep");
    GuestSpec back = VmxGuestSpecs.toGuestSpec(VmxFile.parse("w.vmx", written.toBytes()), FOLDER.resolve("w.vmx"));
    assertThat(back.toBuilder().setConfigPath("").build().toBuilder().clearNics().build())
        .isEqualTo(original.toBuilder().setConfigPath("").clearNics().build());
    assertThat(back.getNicsList()).extracting(NicSpec::getMacAddress)
        .containsExactly("00:50:56:01:02:03", "00:0c:29:2b:f3:37");
  }

  @Test
  void aFreshVmxLogsTheSerialConsoleToAFileInTheGuestFolderForBootEvidence() throws Exception {
    GuestSpec spec = VmxGuestSpecs.toGuestSpec(VmxFileTest.sample(), FOLDER.resolve("mail.vmx"));
    VmxFile written = VmxGuestSpecs.toVmx(spec, FOLDER, null);
    assertThat(written.isTrue("serial0.present")).isTrue();
    assertThat(written.get("serial0.fileType")).contains("file");
    String log = written.get("serial0.fileName").orElseThrow();
    assertThat(written.resolveDisk(FOLDER, "serial0", log).getParent()).isEqualTo(FOLDER);
  }

  @Test
  void namesResolveInTheFileSystemOfTheGuestFolder(@TempDir Path tmp) throws Exception {
    // On an agentless host the folder is on the datastore over SFTP: a name must not become a local path.
    try (FileSystem datastore = FileSystems.newFileSystem(tmp.resolve("datastore.zip"), Map.of("create", "true"))) {
      Path folder = datastore.getPath("/vmfs/volumes/standard/mail");
      GuestSpec spec = GuestSpec.newBuilder().setName("mail").addDisks(DiskSpec.newBuilder()
          .setPath(folder.resolve("mail.vmdk").toString()).setFormat(DiskFormat.DISK_FORMAT_VMDK)
          .setBus(DiskBus.DISK_BUS_IDE).build()).build();
      VmxFile vmx = VmxGuestSpecs.toVmx(spec, folder, null);
      Path log = vmx.resolveDisk(folder, "serial0", vmx.get("serial0.fileName").orElseThrow());
      assertThat(log.getFileSystem()).isSameAs(datastore);
      assertThat(log.getParent()).isEqualTo(folder);
    }
  }

  @Test
  void updatingAnExistingVmxKeepsUnknownKeys() {
    GuestSpec spec = VmxGuestSpecs.toGuestSpec(VmxFileTest.sample(), FOLDER.resolve("mail.vmx"))
        .toBuilder().setMemoryBytes(1L << 30).build();
    VmxFile vmx = VmxGuestSpecs.toVmx(spec, FOLDER, VmxFileTest.sample());
    assertThat(vmx.get("someFuture.key")).contains("kept as is");
    assertThat(vmx.memsizeMib()).hasValue(1024);
  }

  @Test
  void hostileSpecsAreRefused() {
    GuestSpec traversal = GuestSpec.newBuilder().setName("ok").addDisks(DiskSpec.newBuilder()
        .setPath("/vmfs/volumes/standard/other/x.vmdk").setTarget("scsi0:0")).build();
    assertThatThrownBy(() -> VmxGuestSpecs.toVmx(traversal, FOLDER, null)).isInstanceOf(VmxFormatException.class)
        .hasMessageContaining("is outside the VM folder");
    assertThatThrownBy(() -> VmxGuestSpecs.fileStem("../../etc/evil")).isInstanceOf(VmxFormatException.class)
        .hasMessageContaining("cannot name a file");
    assertThatThrownBy(() -> VmxGuestSpecs.fileStem("..")).isInstanceOf(VmxFormatException.class);
    assertThat(VmxGuestSpecs.fileStem("a \"quoted\" <name> & co")).isEqualTo("a \"quoted\" <name> & co");
    GuestSpec quoted = GuestSpec.newBuilder().setName("a \"q\" <b> & c").build();
    VmxFile vmx = VmxGuestSpecs.toVmx(quoted, FOLDER, null);
    assertThat(vmx.toText()).contains("displayName = \"a |22q|22 <b> & c\"");
  }
}
