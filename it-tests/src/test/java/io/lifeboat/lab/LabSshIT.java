package io.lifeboat.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.Session;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** jsch against a lab host's sshd with strict host-key checking: exec, and SFTP random-access reads. */
@ExtendWith(LabExtension.class)
class LabSshIT {
  private static final long SEED = 20261130L;
  private static final int SIZE = 4 << 20;
  private static final String DATA = "/var/lib/lifeboat/guests/data1/data1.raw";

  @Test
  void execRunsOnTheHost(Lab lab) throws Exception {
    Session session = new LabSsh(lab).connect(lab.host("hostA"));
    try {
      ChannelExec exec = (ChannelExec) session.openChannel("exec");
      exec.setCommand("hostname; echo answer=$((6 * 7))");
      InputStream out = exec.getInputStream();
      exec.connect(10_000);
      String text = new String(out.readAllBytes(), StandardCharsets.UTF_8);
      Awaitility.await("exit status of the exec channel").atMost(Duration.ofSeconds(10)).until(exec::isClosed);
      int exitStatus = exec.getExitStatus();
      exec.disconnect();

      assertThat(text.lines()).containsExactly("hostA", "answer=42");
      assertThat(exitStatus).isZero();
    } finally {
      session.disconnect();
    }
  }

  @Test
  void sftpReadsRandomRangesOfAPatternDisk(Lab lab) throws Exception {
    LabHost host = lab.host("hostB");
    host.createDataDisk(DATA, SEED, SIZE, null);
    long[][] ranges = {{0, 4096}, {1_048_576 + 123, 777}, {SIZE - 100, 100}, {2_000_000, 65_536}};

    Session session = new LabSsh(lab).connect(host);
    try {
      ChannelSftp sftp = (ChannelSftp) session.openChannel("sftp");
      sftp.connect(10_000);
      assertThat(sftp.stat(DATA).getSize()).isEqualTo(SIZE);
      for (long[] range : ranges) {
        byte[] read;
        try (InputStream in = sftp.get(DATA, null, range[0])) {
          read = in.readNBytes((int) range[1]);
        }
        assertThat(read).as("bytes %d+%d", range[0], range[1]).isEqualTo(DataDisk.bytes(SEED, range[0], (int) range[1]));
      }
      sftp.disconnect();
    } finally {
      session.disconnect();
    }
  }

  @Test
  void strictHostKeyCheckingRefusesAHostMissingFromKnownHosts(Lab lab, @TempDir Path dir) throws Exception {
    Path emptyKnownHosts = Files.createFile(dir.resolve("known_hosts"));
    JSch jsch = new JSch();
    jsch.setKnownHosts(emptyKnownHosts.toString());
    jsch.addIdentity(lab.identityFile().toString());
    Session session = jsch.getSession("root", "127.0.0.1", lab.host("hostA").sshPort());
    session.setConfig("StrictHostKeyChecking", "yes");

    assertThatThrownBy(() -> session.connect(10_000)).hasMessageContaining("reject HostKey");
  }
}
