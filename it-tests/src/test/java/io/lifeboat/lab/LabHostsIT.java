package io.lifeboat.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeboat.lab.internal.OwnerProcess;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Two lab hosts: the test guest boots, dies with its host, and a copy boots on the other host. */
@ExtendWith(LabExtension.class)
class LabHostsIT {
  private static final Duration BOOT = Duration.ofSeconds(30);

  @Test
  void guestBootsOnHostAThenItsCopyBootsOnHostBAfterHostAIsKilled(Lab lab) {
    LabHost hostA = lab.host("hostA");
    LabHost hostB = lab.host("hostB");
    hostA.installGuest(GuestSpec.of("failover1"));
    hostA.startGuest("failover1");

    assertThat(hostA.awaitMarker("failover1", BOOT)).isEqualTo(new TestGuest.Identity("failover1", 1));
    assertThat(hostA.runningGuests()).containsExactly("failover1");

    String hostAContainer = hostA.getContainerId();
    lab.kill("hostA");

    assertThat(hostA.state()).isEqualTo("KILLED");
    assertThat(OwnerProcess.qemuProcessesIn(Set.of(hostAContainer))).as("QEMU processes of hostA").isEmpty();

    lab.copyGuest(hostA, "failover1", hostB);
    hostB.startGuest("failover1");

    assertThat(hostB.awaitMarker("failover1", BOOT).markerLine()).isEqualTo("LIFEBOAT-MARKER name=failover1 gen=1");
    assertThat(hostB.runningGuests()).containsExactly("failover1");

    lab.restart("hostA");

    assertThat(hostA.state()).isEqualTo("RUNNING");
    assertThat(hostA.runningGuests()).as("a repaired host does not relaunch its transient guests").isEmpty();
    assertThat(hostA.exec("test", "-s", hostA.guestDisk("failover1")).getExitCode())
        .as("hostA's disks survive the kill").isZero();
  }

  @ParameterizedTest
  @EnumSource(VmdkSubformat.class)
  void testGuestBootsFromEverySubformat(VmdkSubformat subformat, Lab lab) {
    LabHost host = lab.host("hostB");
    String name = "sub-" + subformat.qemuName();
    host.installGuest(GuestSpec.of(name).withSubformat(subformat));
    host.startGuest(name);

    assertThat(host.awaitMarker(name, BOOT)).isEqualTo(new TestGuest.Identity(name, 1));
    String info = host.execOk("qemu-img", "info", "-U", host.guestDisk(name));
    String expected = subformat == VmdkSubformat.STREAM_OPTIMIZED ? "monolithicSparse" : subformat.qemuName();
    assertThat(info).contains("create type: " + expected);
  }

  @Test
  void testGuestBootsFromScsi(Lab lab) {
    LabHost host = lab.host("hostA");
    host.installGuest(GuestSpec.of("scsi1").withBus(DiskBus.SCSI));
    host.startGuest("scsi1");

    assertThat(host.awaitMarker("scsi1", BOOT)).isEqualTo(new TestGuest.Identity("scsi1", 1));
    assertThat(host.execOk("grep", "-a", "-c", "ddb.adapterType = \"lsilogic\"", host.guestDisk("scsi1")).strip())
        .isEqualTo("1");
    assertThat(host.virsh("dumpxml", "scsi1")).contains("bus='scsi'", "model='lsilogic'");
  }

  @Test
  void markerFollowsTheGenerationOnTheDisk(Lab lab) {
    LabHost host = lab.host("hostA");
    host.installGuest(new GuestSpec("gen1", VmdkSubformat.MONOLITHIC_SPARSE, DiskBus.IDE, "00:50:56:00:00:07", 41));
    host.startGuest("gen1");
    assertThat(host.awaitMarker("gen1", BOOT).generation()).isEqualTo(41);
    host.destroyGuest("gen1");

    host.bumpGeneration("gen1");
    host.startGuest("gen1");

    assertThat(host.awaitMarker("gen1", BOOT).generation()).isEqualTo(42);
  }

  @Test
  void partitionCutsAHostOffTheLabNetworkAndHealReconnectsIt(Lab lab) {
    LabHost hostA = lab.host("hostA");
    LabHost hostB = lab.host("hostB");
    String[] reachB = {"virsh", "-c", hostB.libvirtUriInLab(), "hostname"};
    assertThat(hostA.execOk(reachB).strip()).isEqualTo("hostB");

    lab.partition("hostB");

    assertThat(hostB.state()).isEqualTo("PARTITIONED");
    assertThat(hostA.exec(reachB).getExitCode()).isNotZero();

    lab.heal("hostB");

    assertThat(hostB.state()).isEqualTo("RUNNING");
    assertThat(hostA.execOk(reachB).strip()).isEqualTo("hostB");
  }
}
