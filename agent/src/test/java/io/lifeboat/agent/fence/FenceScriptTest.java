package io.lifeboat.agent.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real lifeboat-fence.sh under /bin/sh with a fake virsh and vmrun on PATH that record their argv. */
class FenceScriptTest {
  @TempDir
  Path dir;
  Path script;
  Path calls;
  Path lease;
  Path guests;
  final List<Process> started = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    script = FenceScript.install(dir);
    calls = dir.resolve("calls.log");
    lease = dir.resolve("lease");
    guests = dir.resolve("guests");
    Path bin = Files.createDirectories(dir.resolve("bin"));
    for (String tool : List.of("virsh", "vmrun")) {
      Path fake = bin.resolve(tool);
      Files.writeString(fake, "#!/bin/sh\n{ printf '%s' '" + tool + "'; for a; do printf ' [%s]' \"$a\"; done; echo; }"
          + " >> '" + calls + "'\n");
      Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Process p : started) {
      List<ProcessHandle> family = new ArrayList<>(p.descendants().toList());
      family.add(p.toHandle());
      for (ProcessHandle h : family) {
        h.destroyForcibly();
      }
      for (ProcessHandle h : family) {
        h.onExit().get(5, TimeUnit.SECONDS);
      }
    }
  }

  Process run(List<String> argv) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("out.log").toFile()));
    pb.environment().put("PATH", dir.resolve("bin") + ":" + System.getenv("PATH"));
    Process p = pb.start();
    started.add(p);
    return p;
  }

  int runToEnd(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("/bin/sh", script.toString()));
    argv.addAll(List.of(args));
    Process p = run(argv);
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    return p.exitValue();
  }

  List<String> calls() throws IOException {
    return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
  }

  static void signal(Process p, String sig) {
    try {
      new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).start().waitFor(5, TimeUnit.SECONDS);
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void stopsEveryListedGuestOnceWhenTheDeadlinePassesWithoutInjection() throws Exception {
    FenceScript.writeGuests(guests, List.of("web", "mail; touch " + dir.resolve("pwned"), "-x", "$(id)"));
    assertThat(runToEnd("renew", lease.toString(), "1")).isZero();
    run(FenceScript.watchCommand(script, lease, guests, FenceScript.Kind.LIBVIRT, "0.1"));
    assertThat(calls()).as("not before the deadline").isEmpty();
    await().atMost(5, TimeUnit.SECONDS).until(() -> calls().size() == 4);
    assertThat(calls()).containsExactly(
        "virsh [destroy] [--domain] [web]",
        "virsh [destroy] [--domain] [mail; touch " + dir.resolve("pwned") + "]",
        "virsh [destroy] [--domain] [-x]",
        "virsh [destroy] [--domain] [$(id)]");
    assertThat(dir.resolve("pwned")).doesNotExist();
    assertThat(Files.readAllLines(dir.resolve("lease.fenced"))).contains("stopped web", "stopped -x");
    await().during(Duration.ofMillis(700)).atMost(2, TimeUnit.SECONDS).until(() -> calls().size() == 4);

    // A renewal re-arms it; the next expiry fences again.
    assertThat(runToEnd("renew", lease.toString(), "0")).isZero();
    await().atMost(5, TimeUnit.SECONDS).until(() -> calls().size() == 8);
  }

  @Test
  void vmrunStopsVmxPathsHard() throws Exception {
    FenceScript.writeGuests(guests, List.of("/vmfs/volumes/standard/a b/a b.vmx"));
    Files.writeString(lease, "0\n");
    run(FenceScript.watchCommand(script, lease, guests, FenceScript.Kind.VMRUN, "0.1"));
    await().atMost(5, TimeUnit.SECONDS).until(() -> calls().size() == 1);
    assertThat(calls()).containsExactly("vmrun [stop] [/vmfs/volumes/standard/a b/a b.vmx] [hard]");
  }

  @Test
  void noLeaseFileMeansNotArmedAndAGarbledOneFailsSafe() throws Exception {
    FenceScript.writeGuests(guests, List.of("web"));
    run(FenceScript.watchCommand(script, lease, guests, FenceScript.Kind.LIBVIRT, "0.1"));
    await().during(Duration.ofMillis(600)).atMost(2, TimeUnit.SECONDS).until(() -> calls().isEmpty());
    Files.writeString(lease, "not a number\n");
    await().atMost(5, TimeUnit.SECONDS).until(() -> calls().size() == 1);
  }

  @Test
  void aFrozenRenewerIsFencedByTheSeparateProcess() throws Exception {
    FenceScript.writeGuests(guests, List.of("web"));
    // The "agent": renews a 1 s lease every 100 ms, as the agent's LeaseFileWriter does.
    Process agent = run(List.of("/bin/sh", "-c", "while :; do /bin/sh '" + script + "' renew '" + lease
        + "' 1; sleep 0.1; done"));
    await().atMost(5, TimeUnit.SECONDS).until(() -> Files.exists(lease));
    run(FenceScript.watchCommand(script, lease, guests, FenceScript.Kind.LIBVIRT, "0.1"));
    await().during(Duration.ofMillis(1500)).atMost(3, TimeUnit.SECONDS).until(() -> calls().isEmpty());
    signal(agent, "STOP");
    long frozenAt = System.nanoTime();
    await().atMost(5, TimeUnit.SECONDS).until(() -> calls().size() == 1);
    assertThat(Duration.ofNanos(System.nanoTime() - frozenAt)).isLessThan(Duration.ofMillis(1600));
    assertThat(calls()).containsExactly("virsh [destroy] [--domain] [web]");
  }

  @Test
  void renewStdinRenewsPerLineAndRefusesGarbage() throws Exception {
    ProcessBuilder pb = new ProcessBuilder("/bin/sh", script.toString(), "renew-stdin", lease.toString());
    pb.redirectErrorStream(true);
    Process p = pb.start();
    started.add(p);
    p.getOutputStream().write("5\n".getBytes(StandardCharsets.US_ASCII));
    p.getOutputStream().flush();
    await().atMost(5, TimeUnit.SECONDS).until(() -> Files.exists(lease));
    long deadline = Long.parseLong(Files.readString(lease).strip());
    long now = LeaseFileWriter.uptimeCentiseconds(Path.of("/proc/uptime"));
    assertThat(deadline - now).isBetween(300L, 500L);
    p.getOutputStream().write("5; rm -rf /\n".getBytes(StandardCharsets.US_ASCII));
    p.getOutputStream().close();
    assertThat(p.waitFor(5, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .contains("renewal \"5; rm -rf /\" is not a whole number of seconds");
  }

  @Test
  void leaseFileWriterSpeaksTheScriptsFormat() throws Exception {
    LeaseFileWriter writer = new LeaseFileWriter(lease, Path.of("/proc/uptime"));
    long written = writer.write(Duration.ofSeconds(3));
    assertThat(Files.readString(lease)).isEqualTo(written + "\n");
    Path fakeUptime = dir.resolve("uptime");
    Files.writeString(fakeUptime, "12345.07 999.00\n");
    assertThat(LeaseFileWriter.uptimeCentiseconds(fakeUptime)).isEqualTo(1_234_507L);
  }

  @Test
  void guestNamesThatWouldBreakTheFileAreRefused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> FenceScript.writeGuests(guests, List.of("a\nb")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a?b");
  }
}
