package io.lifeboat.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestGuestTest {
  @Test
  void rawImageIsABootSectorFollowedByTheMarkerInTheDataSector() {
    byte[] disk = TestGuest.rawImage("g1", 7, TestGuest.DEFAULT_SIZE_BYTES);

    assertThat(disk).hasSize(1 << 20);
    assertThat(disk[510]).isEqualTo((byte) 0x55);
    assertThat(disk[511]).isEqualTo((byte) 0xaa);
    assertThat(disk[0]).as("first instruction: cli").isEqualTo((byte) 0xfa);
    String dataSector = new String(disk, 512, 512, StandardCharsets.US_ASCII);
    assertThat(dataSector).startsWith("LBDATA01LIFEBOAT-MARKER name=g1 gen=7\r\n\0");
    assertThat(new String(disk, 0x65, 22, StandardCharsets.US_ASCII)).isEqualTo("LIFEBOAT-DISK-ERROR\r\n\0");
    assertThat(TestGuest.identity(disk)).isEqualTo(new TestGuest.Identity("g1", 7));
  }

  @Test
  void bumpGenerationChangesOnlyTheDataSector(@TempDir Path dir) throws Exception {
    Path raw = dir.resolve("g.raw");
    TestGuest.writeRawImage(raw, "web-1", 1);
    byte[] before = Files.readAllBytes(raw);

    TestGuest.Identity bumped = TestGuest.bumpGeneration(raw);

    byte[] after = Files.readAllBytes(raw);
    assertThat(bumped).isEqualTo(new TestGuest.Identity("web-1", 2));
    assertThat(TestGuest.identity(after).markerLine()).isEqualTo("LIFEBOAT-MARKER name=web-1 gen=2");
    for (int i = 0; i < after.length; i++) {
      if (i < 512 || i >= 1024) {
        assertThat(after[i]).as("byte %d outside the data sector", i).isEqualTo(before[i]);
      }
    }
  }

  @Test
  void parsesMarkersOutOfSerialLogs() {
    assertThat(TestGuest.parseMarker("SeaBIOS noise\nLIFEBOAT-MARKER name=a.b_c-1 gen=42\r\n"))
        .isEqualTo(new TestGuest.Identity("a.b_c-1", 42));
    assertThat(TestGuest.parseMarker("LIFEBOAT-DISK-ERROR\r\n")).isNull();
  }

  @Test
  void refusesHostileNames() {
    assertThatThrownBy(() -> TestGuest.rawImage("../etc", 1, 1 << 20))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("../etc");
    assertThatThrownBy(() -> TestGuest.rawImage("x", 1, 1000))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1000 bytes");
  }

  @Test
  void identityOfADiskWithoutDataSectorNamesTheProblem() {
    assertThatThrownBy(() -> TestGuest.identity(new byte[4096]))
        .isInstanceOf(LabException.class).hasMessageContaining("offset 512").hasMessageContaining("LBDATA01");
  }
}
