package io.lifeboat.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeboat.agent.fence.FenceScript;
import io.lifeboat.lab.GuestSpec;
import io.lifeboat.lab.Lab;
import io.lifeboat.lab.LabExtension;
import io.lifeboat.lab.LabHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The real {@code lifeboat-fence.sh} on a libvirt lab host, run as the agent runs it, with a feeder loop standing in
 * for the agent's lease renewals: the protected guest survives while the feeder renews and is destroyed once the
 * feeder is frozen with SIGSTOP, and nothing else on the host is touched.
 */
@ExtendWith(LabExtension.class)
class FenceProcessIT {

    private static final String PROTECTED = "fenced1";
    private static final String BYSTANDER = "bystander1";
    private static final String DIR = "/run/lifeboat-fence-it";
    private static final String SCRIPT = DIR + "/" + FenceScript.FILE_NAME;
    private static final String LEASE = DIR + "/lease";
    private static final String GUESTS = DIR + "/guests";
    /** What each renewal grants, as the agent's {@code LeaseFileWriter} writes "now + untilFence". */
    private static final int LEASE_SECONDS = 4;
    private static final Duration MARGIN = Duration.ofSeconds(3);

    @Test
    void theFenceProcessStopsTheGuestsWhenTheAgentIsFrozen(Lab lab) throws Exception {
        LabHost host = lab.host("hostA");
        host.installGuest(GuestSpec.of(PROTECTED));
        host.installGuest(GuestSpec.of(BYSTANDER));
        host.startGuest(PROTECTED);
        host.startGuest(BYSTANDER);
        host.awaitMarker(PROTECTED, Duration.ofSeconds(60));
        String feeder = null;
        String fence = null;
        try {
            host.execOk("mkdir", "-p", DIR);
            host.writeFile(SCRIPT, FenceScript.text().getBytes(StandardCharsets.UTF_8));
            host.writeFile(GUESTS, ("# protected guests\n" + PROTECTED + "\n").getBytes(StandardCharsets.UTF_8));
            feeder = background("while :; do /bin/sh " + SCRIPT + " renew " + LEASE + " " + LEASE_SECONDS
                    + "; sleep 1; done", DIR + "/feeder.log", host);
            Awaitility.await("first renewal in " + LEASE).atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> host.exec("test", "-s", LEASE).getExitCode() == 0);
            List<String> watch = FenceScript.watchCommand(Path.of(SCRIPT), Path.of(LEASE), Path.of(GUESTS),
                    FenceScript.Kind.LIBVIRT, "0.2");
            fence = background("exec " + String.join(" ", watch), DIR + "/fence.log", host);

            long renewingSince = System.nanoTime();
            Duration renewing = Duration.ofSeconds(LEASE_SECONDS * 2L);
            Awaitility.await("guests kept running while the feeder renews").during(renewing)
                    .atMost(renewing.plusSeconds(5)).pollInterval(Duration.ofMillis(500))
                    .until(host::runningGuests, running -> running.containsAll(List.of(PROTECTED, BYSTANDER)));
            assertThat(Duration.ofNanos(System.nanoTime() - renewingSince)).isGreaterThan(
                    Duration.ofSeconds(LEASE_SECONDS));

            String protectedQemu = host.execOk("cat", "/run/libvirt/qemu/" + PROTECTED + ".pid").strip();
            Map<String, String> longLived = longLivedProcesses(host);
            assertThat(longLived).containsKeys(protectedQemu, feeder, fence);

            host.execOk("kill", "-STOP", feeder);
            long frozenAt = System.nanoTime();
            Awaitility.await(PROTECTED + " destroyed after the feeder froze")
                    .atMost(Duration.ofSeconds(LEASE_SECONDS).plus(MARGIN)).pollInterval(Duration.ofMillis(100))
                    .until(host::runningGuests, running -> !running.contains(PROTECTED));
            Duration fencedAfter = Duration.ofNanos(System.nanoTime() - frozenAt);

            assertThat(fencedAfter).as("the last renewal (at most 1 s before the freeze) still held")
                    .isGreaterThan(Duration.ofSeconds(LEASE_SECONDS - 2));
            assertThat(host.runningGuests()).contains(BYSTANDER);
            assertThat(host.execOk("cat", LEASE + ".fenced")).isEqualTo("stopped " + PROTECTED + "\n");
            Map<String, String> after = pids(host);
            List<String> gone = new ArrayList<>();
            longLived.forEach((pid, args) -> {
                if (!after.containsKey(pid)) {
                    gone.add(pid + " " + args);
                }
            });
            assertThat(gone).as("processes gone from the host").singleElement().asString()
                    .startsWith(protectedQemu + " ");
            assertThat(host.execOk("ps", "-o", "stat=", "-p", feeder).strip()).as("feeder state").startsWith("T");
        } finally {
            for (String pid : new String[] {feeder, fence}) {
                if (pid != null) {
                    host.exec("kill", "-CONT", pid);
                    host.exec("kill", "-9", pid);
                }
            }
            for (String guest : host.runningGuests()) {
                if (guest.equals(PROTECTED) || guest.equals(BYSTANDER)) {
                    host.exec("virsh", "-c", "qemu:///system", "destroy", guest);
                }
            }
            host.exec("rm", "-rf", DIR);
        }
    }

    /** Starts a shell command detached in its own session inside the host and returns its pid. */
    private static String background(String command, String log, LabHost host) {
        String pid = host.execOk("sh", "-c", "setsid sh -c '" + command.replace("'", "'\\''") + "' > " + log
                + " 2>&1 < /dev/null & echo $!").strip();
        assertThat(pid).as("pid of: %s", command).matches("[0-9]+");
        return pid;
    }

    /** Processes that have run for at least two seconds (not the feeder's renewals and sleeps), by pid. */
    private static Map<String, String> longLivedProcesses(LabHost host) {
        Map<String, String> out = new HashMap<>();
        for (String line : host.execOk("ps", "-eo", "pid=,etimes=,args=").split("\n")) {
            String[] f = line.strip().split("\\s+", 3);
            // A remote libvirt client's SSH session (virt-ssh-helper, and the sh that started it) belongs to another
            // test's connection and ends when that client closes it, fence or no fence.
            if (f.length == 3 && Long.parseLong(f[1]) >= 2 && !f[2].contains("virt-ssh-helper")) {
                out.put(f[0], f[2]);
            }
        }
        return out;
    }

    private static Map<String, String> pids(LabHost host) {
        Map<String, String> out = new HashMap<>();
        for (String line : host.execOk("ps", "-eo", "pid=,args=").split("\n")) {
            String[] f = line.strip().split("\\s+", 2);
            if (f.length >= 1 && !f[0].isEmpty()) {
                out.put(f[0], f.length == 2 ? f[1] : "");
            }
        }
        return out;
    }
}
