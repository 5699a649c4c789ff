package io.lifeboat.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class GuestSpecTest {
  @Property(tries = 200)
  void derivedMacsStayInTheVmwareStaticRange(@ForAll @AlphaChars @StringLength(min = 1, max = 30) String name) {
    String mac = GuestSpec.macFor(name);
    assertThat(mac).matches("00:50:56:[0-3][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}");
    assertThat(GuestSpec.of(name).mac()).isEqualTo(mac);
  }

  @Test
  void refusesMacsOutsideTheStaticRange() {
    assertThatThrownBy(() -> new GuestSpec("g", VmdkSubformat.MONOLITHIC_SPARSE, DiskBus.IDE, "00:50:56:40:00:00", 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("00:50:56:40:00:00");
  }

  @Test
  void domainXmlBootsTheVmdkWithSerialToFileAndAnE1000WithTheStaticMac() {
    GuestSpec spec = new GuestSpec("g1", VmdkSubformat.MONOLITHIC_FLAT, DiskBus.SCSI, "00:50:56:01:02:03", 1);
    String xml = GuestDomainXml.render(spec, "/var/lib/lifeboat/guests/g1/g1.vmdk", "/tmp/serial.log");
    assertThat(xml).contains("<domain type='qemu'>", "<driver name='qemu' type='vmdk'/>",
        "<target dev='sda' bus='scsi'/>", "model='lsilogic'", "<mac address='00:50:56:01:02:03'/>",
        "<model type='e1000'/>", "<source path='/tmp/serial.log'/>");
  }
}
