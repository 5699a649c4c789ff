package io.lifeboat.agent.vmx;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

class VmxFileProperties {

  @Property(tries = 2000)
  void parserThrowsOnlyItsOwnExceptionOnArbitraryBytes(@ForAll @Size(max = 400) byte[] bytes) {
    try {
      VmxFile vmx = VmxFile.parse("fuzz.vmx", bytes);
      assertThat(vmx.toBytes()).isEqualTo(bytes);
    } catch (VmxFormatException expected) {
      assertThat(expected.getMessage()).startsWith("fuzz.vmx");
    }
  }

  @Property(tries = 2000)
  void parserThrowsOnlyItsOwnExceptionOnVmxLikeText(@ForAll("vmxLike") String text) {
    try {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      VmxFile vmx = VmxFile.parse("fuzz.vmx", bytes);
      assertThat(vmx.toBytes()).isEqualTo(bytes);
      for (String key : vmx.keys()) {
        vmx.get(key);
      }
      vmx.diskDevices();
      vmx.ethernetIndexes();
    } catch (VmxFormatException expected) {
      assertThat(expected.getMessage()).startsWith("fuzz.vmx");
    }
  }

  @Property(tries = 1000)
  void anyValueSurvivesSetWriteParse(@ForAll("keys") String key, @ForAll String value) {
    VmxFile vmx = VmxFile.empty("p.vmx");
    try {
      vmx.set(key, value);
    } catch (VmxFormatException unencodable) {
      assertThat(unencodable.getMessage()).contains("cannot be written in UTF-8");
      return;
    }
    VmxFile again = VmxFile.parse("p.vmx", vmx.toBytes());
    assertThat(again.get(key)).contains(value);
    assertThat(again.keys()).containsExactly(".encoding", key);
  }

  @Provide
  Arbitrary<String> keys() {
    return Arbitraries.strings().withChars("abcXYZ019_.:@-").ofMinLength(1).ofMaxLength(30)
        .filter(k -> !k.equalsIgnoreCase(".encoding"));
  }

  @Provide
  Arbitrary<String> vmxLike() {
    Arbitrary<String> token = Arbitraries.of("a", "scsi0:0.fileName", "ethernet0.present", "=", " = ", "\"", "|",
        "|22", "|7c", "|zz", "#", "\n", "\r\n", "\r", "..", "/", "TRUE", "uuid.bios", "memsize", "99999999999",
        "\t", " ", "é", "\u0000", "\uFEFF", ".encoding = \"latin1\"\n", "ethernet0.address", "00:50:56:00:00:01");
    return token.list().ofMaxSize(40).map(l -> String.join("", l));
  }
}
