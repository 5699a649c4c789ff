package io.lifeboat.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The replication cycle's snapshot step on a running vmdk guest: a disk-only external snapshot, writes going to the
 * overlay, then {@code blockcommit --active --pivot} writes them back into the vmdk base.
 */
@ExtendWith(LabExtension.class)
class SnapshotCommitIT {
  @Test
  void blockcommitWritesTheOverlayBackIntoTheVmdkBase(Lab lab) {
    LabHost host = lab.host("hostA");
    host.installGuest(GuestSpec.of("snap1"));
    host.startGuest("snap1");
    host.awaitMarker("snap1", Duration.ofSeconds(30));
    String base = host.guestDisk("snap1");
    String overlay = host.guestDir("snap1") + "/snap1-overlay.qcow2";

    host.virsh("snapshot-create-as", "snap1", "--disk-only", "--atomic", "--no-metadata",
        "--diskspec", "hda,file=" + overlay);
    assertThat(host.virsh("domblklist", "snap1")).contains(overlay);
    // A write by the running guest, made through QEMU's own block layer: it lands in the overlay.
    host.virsh("qemu-monitor-command", "snap1", "--hmp", "qemu-io -d ide0-0-0 \"write -P 0xab 512k 64k\"");
    host.virsh("qemu-monitor-command", "snap1", "--hmp", "qemu-io -d ide0-0-0 \"flush\"");
    assertThat(patternAt(host, "qcow2", overlay)).as("the write is in the overlay").isZero();
    assertThat(patternAt(host, "vmdk", base)).as("and not yet in the base").isNotZero();

    host.virsh("blockcommit", "snap1", "hda", "--active", "--pivot", "--wait");

    assertThat(host.virsh("domblklist", "snap1")).contains(base).doesNotContain(overlay);
    host.destroyGuest("snap1");
    host.execOk("rm", "-f", overlay);
    assertThat(patternAt(host, "vmdk", base)).as("the write is in the vmdk base").isZero();
    host.startGuest("snap1");
    assertThat(host.awaitMarker("snap1", Duration.ofSeconds(30))).isEqualTo(new TestGuest.Identity("snap1", 1));
  }

  /** Exit code of a read of 64 KiB at 512 KiB that verifies every byte is 0xab (0 when they all are). */
  private static int patternAt(LabHost host, String format, String file) {
    return host.exec("qemu-io", "-f", format, "-r", "-U", "-c", "read -P 0xab 512k 64k", file).getExitCode();
  }
}
