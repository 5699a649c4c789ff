package io.lifeboat.agent.hypervisor.vmware;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lifeboat.agent.fence.FenceScript;
import io.lifeboat.agent.fence.LeaseFileWriter;
import io.lifeboat.agent.fence.StreamFenceFeed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the exact command lines the proxy sends over SSH, locally under /bin/sh, with a fake vmrun on PATH. */
class AgentlessFenceLoopTest {
  @TempDir
  Path tmp;

  @Test
  void theInstalledLoopStopsGuestsWhenRenewalsOverTheChannelStop() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("lifeboat dir 'quoted'"));
    FenceScript.install(dir);
    FenceScript.writeGuests(dir.resolve("fence-guests"), List.of("/vmfs/volumes/standard/mail/mail.vmx"));
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path calls = tmp.resolve("calls.log");
    Path vmrun = bin.resolve("vmrun");
    Files.writeString(vmrun, "#!/bin/sh\n{ for a; do printf '[%s]' \"$a\"; done; echo; } >> '" + calls + "'\n");
    Files.setPosixFilePermissions(vmrun, PosixFilePermissions.fromString("rwx------"));
    String path = bin + ":" + System.getenv("PATH");

    Process renew = new ProcessBuilder("/bin/sh", "-c", AgentlessFenceLoop.renewCommand(dir.toString())).start();
    try {
      StreamFenceFeed feed = new StreamFenceFeed(renew.getOutputStream(), "test host");
      feed.feed(Duration.ofSeconds(2));
      await().atMost(5, TimeUnit.SECONDS).until(() -> Files.exists(dir.resolve("lease")));
      long deadline = Long.parseLong(Files.readString(dir.resolve("lease")).strip());
      assertThat(deadline - LeaseFileWriter.uptimeCentiseconds(Path.of("/proc/uptime"))).isBetween(100L, 200L);

      ProcessBuilder start = new ProcessBuilder("/bin/sh", "-c",
          AgentlessFenceLoop.startCommand(dir.toString(), "-T server -h https://127.0.0.1:8333/sdk"));
      start.environment().put("PATH", path);
      assertThat(start.start().waitFor()).isZero();
      long pid = Long.parseLong(Files.readString(dir.resolve("fence.pid")).strip());
      assertThat(ProcessHandle.of(pid)).get().matches(ProcessHandle::isAlive);
      // Starting again does not start a second loop.
      assertThat(start.start().waitFor()).isZero();
      assertThat(Long.parseLong(Files.readString(dir.resolve("fence.pid")).strip())).isEqualTo(pid);

      for (int i = 0; i < 3; i++) {
        feed.feed(Duration.ofSeconds(2));
        await().during(Duration.ofMillis(500)).atMost(2, TimeUnit.SECONDS).until(() -> !Files.exists(calls));
      }
      renew.getOutputStream().close(); // the SSH channel drops
      await().atMost(6, TimeUnit.SECONDS).until(() -> Files.exists(calls));
      assertThat(Files.readAllLines(calls))
          .containsExactly("[-T][server][-h][https://127.0.0.1:8333/sdk][stop][/vmfs/volumes/standard/mail/mail.vmx][hard]");
    } finally {
      renew.destroyForcibly();
      if (Files.exists(dir.resolve("fence.pid"))) {
        long pid = Long.parseLong(Files.readString(dir.resolve("fence.pid")).strip());
        ProcessHandle.of(pid).ifPresent(h -> {
          h.descendants().forEach(ProcessHandle::destroyForcibly);
          h.destroyForcibly();
          h.onExit().join();
        });
      }
    }
  }
}
