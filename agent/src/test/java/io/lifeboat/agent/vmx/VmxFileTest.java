package io.lifeboat.agent.vmx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmxFileTest {
  static final String SAMPLE = """
      .encoding = "UTF-8"
      # written by VMware Server 2.0.2
      config.version = "8"
      virtualHW.version = "4"

      displayName = "Parish |22Office|22 |7C mail |23 1"
      guestOS = "winNetStandard"
      memsize = "512"
      numvcpus = "1"
      scsi0.present = "TRUE"
      scsi0.virtualDev = "lsilogic"
      scsi0:0.present = "TRUE"
      scsi0:0.fileName = "mail.vmdk"
      ide1:0.present = "TRUE"
      ide1:0.deviceType = "cdrom-image"
      ide1:0.fileName = "/iso/debian.iso"
      ethernet0.present = "TRUE"
      ethernet0.virtualDev = "e1000"
      ethernet0.addressType = "static"
      ethernet0.address = "00:50:56:01:02:03"
      ethernet1.present = "TRUE"
      ethernet1.addressType = "generated"
      ethernet1.generatedAddress = "00:0c:29:2b:f3:37"
      uuid.bios = "56 4d 09 6b b0 ff 56 dd-bd 74 a4 03 97 2b f3 37"
      uuid.action = "keep"
      tools.syncTime = TRUE   # unquoted, with a comment
      someFuture.key = "kept as is"
      """;

  static VmxFile sample() {
    return VmxFile.parse("mail.vmx", SAMPLE.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void typedAccessorsReadTheSample() {
    VmxFile vmx = sample();
    assertThat(vmx.displayName()).contains("Parish \"Office\" | mail # 1");
    assertThat(vmx.guestOs()).contains("winNetStandard");
    assertThat(vmx.virtualHwVersion()).hasValue(4);
    assertThat(vmx.memsizeMib()).hasValue(512);
    assertThat(vmx.numvcpus()).hasValue(1);
    assertThat(vmx.scsiVirtualDev(0)).contains("lsilogic");
    assertThat(vmx.diskDevices()).containsExactly("scsi0:0");
    assertThat(vmx.diskFileName("scsi0:0")).contains("mail.vmdk");
    assertThat(vmx.ethernetIndexes()).containsExactly(0, 1);
    assertThat(vmx.ethernetVirtualDev(0)).contains("e1000");
    assertThat(vmx.ethernetMac(0)).contains("00:50:56:01:02:03");
    assertThat(vmx.ethernetMac(1)).contains("00:0c:29:2b:f3:37");
    assertThat(vmx.uuidBios()).contains("564d096b-b0ff-56dd-bd74-a403972bf337");
    assertThat(vmx.uuidAction()).contains("keep");
    assertThat(vmx.get("TOOLS.SYNCTIME")).contains("TRUE");
  }

  @Test
  void unchangedFileRoundTripsByteForByteIncludingCrLf() {
    byte[] crlf = SAMPLE.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
    assertThat(VmxFile.parse("a.vmx", crlf).toBytes()).isEqualTo(crlf);
    byte[] lf = SAMPLE.getBytes(StandardCharsets.UTF_8);
    assertThat(VmxFile.parse("a.vmx", lf).toBytes()).isEqualTo(lf);
  }

  @Test
  void changesTouchOnlyTheirLineAndKeepOrderAndComments() {
    VmxFile vmx = sample();
    vmx.set("memsize", "1024").displayName("new \"name\" #2");
    vmx.set("brand.new", "x");
    String text = vmx.toText();
    String expected = SAMPLE.replace("memsize = \"512\"", "memsize = \"1024\"")
        .replace("displayName = \"Parish |22Office|22 |7C mail |23 1\"", "displayName = \"new |22name|22 |232\"")
        + "brand.new = \"x\"\n";
    assertThat(text).isEqualTo(expected);
    VmxFile again = VmxFile.parse("a.vmx", vmx.toBytes());
    assertThat(again.displayName()).contains("new \"name\" #2");
    assertThat(again.keys()).containsExactlyElementsOf(vmx.keys());
  }

  @Test
  void appendingToAFileWithoutFinalNewlineStartsANewLine() {
    VmxFile vmx = VmxFile.parse("a.vmx", "a = \"1\"".getBytes(StandardCharsets.UTF_8));
    vmx.set("b", "2");
    assertThat(vmx.toText()).isEqualTo("a = \"1\"\nb = \"2\"\n");
  }

  @Test
  void macsAreWrittenStaticInVmwareRangeAndGeneratedOtherwise() {
    VmxFile vmx = VmxFile.empty("x.vmx");
    vmx.ethernetMac(0, "00:50:56:3F:00:01").ethernetMac(1, "52:54:00:12:34:56");
    assertThat(vmx.ethernetAddressType(0)).contains("static");
    assertThat(vmx.get("ethernet0.address")).contains("00:50:56:3f:00:01");
    assertThat(vmx.ethernetAddressType(1)).contains("generated");
    assertThat(vmx.ethernetMac(1)).contains("52:54:00:12:34:56");
  }

  @Test
  void uuidBiosRoundTripsInVmwareSpelling() {
    VmxFile vmx = VmxFile.empty("x.vmx").uuidBios("564d096b-b0ff-56dd-bd74-a403972bf337");
    assertThat(vmx.get("uuid.bios")).contains("56 4d 09 6b b0 ff 56 dd-bd 74 a4 03 97 2b f3 37");
    assertThat(vmx.uuidBios()).contains("564d096b-b0ff-56dd-bd74-a403972bf337");
  }

  @Test
  void hostileDiskNamesAreRefusedWithWhereAndWhat(@TempDir Path dir) {
    VmxFile vmx = VmxFile.parse("evil.vmx", """
        scsi0:0.fileName = "../other/secret.vmdk"
        scsi0:1.fileName = "/etc/shadow"
        scsi0:2.fileName = "bad|0aname.vmdk"
        scsi0:3.fileName = "sub/ok.vmdk"
        """.getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> vmx.diskFileName("scsi0:0")).isInstanceOf(VmxFormatException.class)
        .hasMessage("evil.vmx: scsi0:0.fileName \"../other/secret.vmdk\" climbs out of the VM folder with \"..\"");
    assertThatThrownBy(() -> vmx.resolveDisk(dir, "scsi0:1", "/etc/shadow"))
        .isInstanceOf(VmxFormatException.class).hasMessageContaining("is outside the VM folder " + dir);
    assertThatThrownBy(() -> vmx.diskFileName("scsi0:2")).isInstanceOf(VmxFormatException.class)
        .hasMessageContaining("bad\\x0aname.vmdk").hasMessageContaining("control character");
    assertThat(vmx.resolveDisk(dir, "scsi0:3", vmx.diskFileName("scsi0:3").orElseThrow()))
        .isEqualTo(dir.resolve("sub/ok.vmdk"));
    assertThat(vmx.resolveDisk(dir, "scsi0:3", dir.resolve("abs.vmdk").toString())).isEqualTo(dir.resolve("abs.vmdk"));
    assertThatThrownBy(() -> vmx.diskFileName("scsi0:4", "..\\x.vmdk")).isInstanceOf(VmxFormatException.class);
    assertThatThrownBy(() -> vmx.displayName("a\nb")).isInstanceOf(VmxFormatException.class);
  }

  @Test
  void malformedLinesNameFileAndLine() {
    assertThatThrownBy(() -> parse("a = \"1\"\nno equals here\n"))
        .isInstanceOf(VmxFormatException.class).hasMessage("t.vmx:2: expected key = value, found no '='");
    assertThatThrownBy(() -> parse("a = \"open\n"))
        .hasMessage("t.vmx:1: value of a has no closing quote");
    assertThatThrownBy(() -> parse("a b = \"1\"\n"))
        .hasMessage("t.vmx:1: key \"a b\" has characters outside [A-Za-z0-9_.:@-]");
    assertThatThrownBy(() -> parse("a = \"1\" trailing\n"))
        .hasMessage("t.vmx:1: unexpected text after the quoted value of a");
    assertThatThrownBy(() -> parse("a = \"\u0001\"\n")).hasMessage("t.vmx:1: control character 0x1 in line");
    assertThatThrownBy(() -> parse(".encoding = \"no-such-charset\"\n"))
        .hasMessage("t.vmx: .encoding \"no-such-charset\" is not a supported charset");
    assertThatThrownBy(() -> parse("memsize = \"lots\"\n").memsizeMib())
        .hasMessage("t.vmx: memsize \"lots\" is not a number");
  }

  @Test
  void sizeLimitsAreEnforced(@TempDir Path dir) throws Exception {
    byte[] big = new byte[VmxFile.MAX_FILE_BYTES + 1];
    java.util.Arrays.fill(big, (byte) '#');
    Path file = dir.resolve("big.vmx");
    Files.write(file, big);
    assertThatThrownBy(() -> VmxFile.read(file)).isInstanceOf(VmxFormatException.class)
        .hasMessage(file + ": file larger than 1048576 bytes");
    assertThatThrownBy(() -> parse("a = \"" + "x".repeat(VmxFile.MAX_LINE_CHARS) + "\"\n"))
        .hasMessage("t.vmx:1: line longer than 8192 characters");
  }

  @Test
  void legacyEncodingIsHonoured() {
    byte[] latin = ".encoding = \"windows-1252\"\ndisplayName = \"Gemeindebüro\"\n"
        .getBytes(java.nio.charset.Charset.forName("windows-1252"));
    VmxFile vmx = VmxFile.parse("w.vmx", latin);
    assertThat(vmx.displayName()).contains("Gemeindebüro");
    assertThat(vmx.toBytes()).isEqualTo(latin);
  }

  @Test
  void aByteOrderMarkSurvivesAnyDeclaredEncoding() {
    byte[] bytes = "\uFEFF.encoding = \"latin1\"\n".getBytes(StandardCharsets.UTF_8);
    assertThat(VmxFile.parse("bom.vmx", bytes).toBytes()).isEqualTo(bytes);
  }

  @Test
  void writeIsAtomicAndReadable(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("g.vmx");
    sample().set("memsize", "256").write(file);
    assertThat(VmxFile.read(file).memsizeMib()).hasValue(256);
    try (var listing = Files.list(dir)) {
      assertThat(listing).containsExactly(file);
    }
  }

  private static VmxFile parse(String text) {
    return VmxFile.parse("t.vmx", text.getBytes(StandardCharsets.UTF_8));
  }
}
