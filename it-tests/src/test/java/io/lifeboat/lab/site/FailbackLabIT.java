package io.lifeboat.lab.site;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeboat.coordinator.client.LifeboatClient;
import io.lifeboat.lab.Lab;
import io.lifeboat.lab.LabExtension;
import io.lifeboat.lab.LabHost;
import io.lifeboat.lab.TestGuest;
import io.lifeboat.protocol.v1.FailbackPhase;
import io.lifeboat.protocol.v1.FailbackProgress;
import io.lifeboat.protocol.v1.GuestState;
import io.lifeboat.protocol.v1.HostHealth;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.ArrayList;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.event.DomainEventType;

/**
 * Failback end to end in the lab (issue 8, section 5), on one site: the primary is killed and the guest fails over;
 * while it runs on the standby, 64 KiB of a known pattern are written into its disk through QEMU's block layer. The
 * primary comes back and an admin fails the guest back over REST, and the primary is killed again after the bulk
 * delta: the failback rolls back and the guest runs on the standby. The primary comes back once more and the failback
 * completes: the pattern is on the primary's disk, the guest boots there (its marker on the primary's serial log), the
 * standby copy is gone, the primary's pre-failback disk is kept as a restore point in its store, the downtime is
 * reported and protection primary &rarr; standby resumes. Both hypervisors are watched through lifecycle events: two
 * copies never run at once (I1).
 */
@ExtendWith(LabExtension.class)
class FailbackLabIT {
  private static final String GUEST = "fb1";
  private static final String PASSWORD = "failback lab admin's passphrase";
  private static final String PATTERN = "0x5a";
  private static final String WHERE = "512k 64k";
  private static final Pattern DISK_ALIAS =
      Pattern.compile("(?s)<disk type=['\"]file['\"] device=['\"]disk['\"].*?<alias name=['\"]([^'\"]+)['\"]");
  private static final Pattern SERIAL_FILE =
      Pattern.compile("<serial type=['\"]file['\"]>\\s*<source path=['\"]([^'\"]+)['\"]");
  private static final Duration FAILBACK_TIMEOUT = Duration.ofSeconds(180);

  @Test
  void failbackCarriesTheStandbysChangesHomeAndRollsBackWhenThePrimaryDiesMidway(Lab lab, @TempDir Path work)
      throws Exception {
    List<GuestLifecycleWatch.Change> changes = new CopyOnWriteArrayList<>();
    LabSite.Settings settings = new LabSite.Settings(List.of(GUEST), 10, 60, work).withAdmin(PASSWORD);
    List<GuestLifecycleWatch> watches = new ArrayList<>();
    try (LabSite site = LabSite.start(lab, settings, line -> System.out.println("[site] " + line));
        GuestLifecycleWatch onStandby = GuestLifecycleWatch.start(site.standby(), changes);
        GuestLifecycleWatch onPrimary = GuestLifecycleWatch.start(site.primary(), changes)) {
      SiteFailover steps = new SiteFailover(site);
      SiteGuest guest = site.guests().get(0);
      LabHost primary = site.primary();
      LabHost standby = site.standby();
      try {
        assertThat(onStandby.runningAtStart()).doesNotContain(GUEST);
        assertThat(onPrimary.runningAtStart()).contains(GUEST);
        steps.awaitLinked(Duration.ofSeconds(60));
        steps.awaitRestorePoints(Instant.now(), Duration.ofSeconds(120));

        // Fail over, then change the failed-over guest's disk on the standby while it runs.
        steps.killPrimaryAndAwaitFailover(Duration.ofSeconds(180));
        Awaitility.await(GUEST + " persistent on hostB").atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> standby.virsh("dominfo", GUEST), info -> info.matches("(?s).*Persistent:\\s+yes.*"));
        String alias = match(DISK_ALIAS, standby.virsh("dumpxml", GUEST), "disk alias of " + GUEST + " on hostB");
        standby.virsh("qemu-monitor-command", GUEST, "--hmp", "qemu-io -d " + alias + " \"write -P " + PATTERN
            + " " + WHERE + "\"");
        standby.virsh("qemu-monitor-command", GUEST, "--hmp", "qemu-io -d " + alias + " \"flush\"");
        String standbyDisk = diskOf(standby);
        assertThat(patternAt(standby, standbyDisk)).as("the pattern is in %s on hostB", standbyDisk).isZero();

        // The primary returns; a failback is started and the primary dies again after the bulk delta.
        LifeboatClient client = site.adminClient();
        Instant firstStart = returnPrimary(site, lab, changes, watches);
        String first = startFailback(client, guest);
        actAsTheGuestOsOnShutdown(site, first);
        FailbackProgress atKill = Awaitility.await("failback " + first + " past its bulk delta")
            .atMost(FAILBACK_TIMEOUT).pollInterval(Duration.ofMillis(100))
            .until(() -> progress(site, first).orElse(null), p -> p != null && (p.getPhase()
                == FailbackPhase.FAILBACK_PHASE_FINAL_DELTA || p.getPhase() == FailbackPhase.FAILBACK_PHASE_MATERIALISE
                || p.getPhase() == FailbackPhase.FAILBACK_PHASE_REGISTER || p.getPhase().getNumber()
                >= FailbackPhase.FAILBACK_PHASE_START.getNumber()));
        lab.kill(primary.name());
        Instant killedAt = Instant.now();
        System.out.println("[site] hostA killed during failback phase " + atKill.getPhase());
        assertThat(atKill.getPrimaryStartSent()).as("hostA was killed before the start on it was sent").isFalse();
        FailbackProgress rolledBack = Awaitility.await("failback " + first + " rolled back").atMost(FAILBACK_TIMEOUT)
            .pollInterval(Duration.ofMillis(250)).until(() -> progress(site, first).orElse(null),
                p -> p != null && p.getPhase() == FailbackPhase.FAILBACK_PHASE_ROLLED_BACK);
        System.out.println("[site] rolled back: " + rolledBack.getDetail() + " (" + rolledBack.getFailure()
            .getMessage() + ")");
        Awaitility.await(GUEST + " runs on hostB again").atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(500)).until(() -> standby.runningGuests().contains(GUEST));
        assertThat(site.coordinator().state().guest(guest.id()).orElseThrow().state())
            .isEqualTo(GuestState.GUEST_STATE_FAILED_OVER);
        assertThat(site.coordinator().state().guest(guest.id()).orElseThrow().ownerHostId()).isEqualTo("hostB");
        assertThat(changes).as("%s never started on hostA during the rolled-back failback", GUEST)
            .noneMatch(c -> c.host().equals("hostA") && c.domain().equals(GUEST) && c.at().isAfter(firstStart)
                && c.type() == DomainEventType.STARTED);
        System.out.println("[site] rolled back " + Duration.between(killedAt, Instant.now()).toMillis()
            + " ms after the kill");

        // The primary returns again; this failback completes.
        returnPrimary(site, lab, changes, watches);
        String second = startFailback(client, guest);
        actAsTheGuestOsOnShutdown(site, second);
        FailbackProgress done = Awaitility.await("failback " + second + " done").atMost(FAILBACK_TIMEOUT)
            .pollInterval(Duration.ofMillis(250)).until(() -> progress(site, second).orElse(null),
                p -> p != null && (p.getPhase() == FailbackPhase.FAILBACK_PHASE_DONE
                    || p.getPhase() == FailbackPhase.FAILBACK_PHASE_ROLLED_BACK));
        System.out.println("[site] failback: " + done.getDetail());
        assertThat(done.getPhase()).as("failback %s: %s", second, done.getFailure().getMessage())
            .isEqualTo(FailbackPhase.FAILBACK_PHASE_DONE);
        assertThat(done.hasFailure()).as("failback %s: %s", second, done.getFailure().getMessage()).isFalse();
        Duration downtime = Duration.ofSeconds(done.getDowntime().getSeconds(), done.getDowntime().getNanos());
        assertThat(downtime).as("downtime reported").isPositive().isLessThan(Duration.ofSeconds(120));

        // The guest runs on hostA from a disk that holds the standby's change, and printed its marker there.
        assertThat(primary.runningGuests()).contains(GUEST);
        assertThat(standby.virsh("list", "--all", "--name")).as("domains on hostB").doesNotContain(GUEST);
        String primaryDisk = diskOf(primary);
        assertThat(patternAt(primary, primaryDisk)).as("the standby's write is in %s on hostA", primaryDisk)
            .isZero();
        String serial = match(SERIAL_FILE, primary.virsh("dumpxml", GUEST), "serial file of " + GUEST + " on hostA");
        TestGuest.Identity marker = Awaitility.await("marker on hostA's serial log").atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(250)).until(() -> TestGuest.parseMarker(primary.exec("cat", serial)
                .getStdout()), id -> id != null);
        assertThat(marker.markerLine()).isEqualTo(guest.marker());
        assertThat(standby.exec("sh", "-c", "ls " + standbyDisk).getExitCode())
            .as("the standby copy's disk %s is gone", standbyDisk).isNotZero();

        // The primary's own pre-failback disk is a restore point in its store.
        assertThat(done.getKeptPointId()).startsWith(guest.id() + "/");
        String list = primary.exec("sh", "-c", "find " + SiteConfigs.STORE_DIR + "/points -name '*.point'")
            .getStdout();
        String keptFile = done.getKeptPointId().substring(guest.id().length() + 1) + ".point";
        assertThat(list).as("points in hostA's store").contains(keptFile);

        // Two copies never ran at once: on hostA it started only after hostB's copy stopped.
        Instant stoppedOnB = changes.stream().filter(c -> c.host().equals("hostB") && c.domain().equals(GUEST)
            && c.type() == DomainEventType.STOPPED).map(GuestLifecycleWatch.Change::at).max(Instant::compareTo)
            .orElseThrow(() -> new AssertionError("no STOPPED event of " + GUEST + " on hostB: " + changes));
        assertThat(changes.stream().filter(c -> c.host().equals("hostA") && c.domain().equals(GUEST)
            && c.type() == DomainEventType.STARTED).toList()).as("starts of %s on hostA", GUEST).isNotEmpty()
            .allMatch(c -> c.at().isAfter(stoppedOnB));

        // Protection hostA -> hostB resumes.
        Instant doneAt = Instant.now();
        Awaitility.await("a backup of " + GUEST + " from hostA after the failback").atMost(Duration.ofSeconds(90))
            .pollInterval(Duration.ofMillis(500)).until(() -> site.coordinator().events().stream()
                .anyMatch(e -> e.at().isAfter(doneAt) && e.envelope().hasReplicationCommitted()
                    && e.envelope().getReplicationCommitted().getGuestId().equals(guest.id())));
        assertThat(site.coordinator().state().guest(guest.id()).orElseThrow().state())
            .isEqualTo(GuestState.GUEST_STATE_PROTECTED);
      } catch (AssertionError | RuntimeException e) {
        System.out.println("coordinator: " + steps.describe(site.coordinator().state()));
        site.coordinator().state().failbacks().forEach(p -> System.out.println("failback " + p.getOperationId()
            + " " + p.getPhase() + " " + p.getStatus() + ": " + p.getDetail() + " " + p.getFailure().getMessage()));
        System.out.println(site.standbyGuestFiles());
        System.out.println(site.agentLogs());
        throw e;
      } finally {
        watches.forEach(GuestLifecycleWatch::close);
      }
    }
  }

  /**
   * Restarts the killed primary (watched from then on) and its agent, and waits until the coordinator sees it UP;
   * returns when it began.
   */
  private static Instant returnPrimary(LabSite site, Lab lab, List<GuestLifecycleWatch.Change> changes,
      List<GuestLifecycleWatch> watches) throws org.libvirt.LibvirtException {
    Instant at = Instant.now();
    lab.restart(site.primary().name());
    GuestLifecycleWatch watch = GuestLifecycleWatch.start(site.primary(), changes);
    watches.add(watch);
    assertThat(watch.runningAtStart()).as("guests running on the returned hostA").doesNotContain(GUEST);
    site.startAgent(site.primary());
    Awaitility.await("hostA's agent linked again").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
        .until(() -> site.coordinator().state().hostHealth("hostA").orElse(null) == HostHealth.HOST_HEALTH_UP);
    return at;
  }

  /** {@code POST /api/v1/guests/{id}/failback}, as {@code ./lifeboat failback GUEST --yes} does; the operation id. */
  private static String startFailback(LifeboatClient client, SiteGuest guest) {
    // The primary's agent reports its running guests with its lease renewals: the first may still be on its way.
    JsonObject accepted = Awaitility.await("failback of " + GUEST + " accepted").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
        .until(() -> client.post("/api/v1/guests/" + guest.id() + "/failback", new JsonObject()), r -> r != null);
    System.out.println("[site] failback accepted: " + accepted.encode());
    assertThat(accepted.getString("state")).isEqualTo("FAILING_BACK");
    return accepted.getString("operationId");
  }

  /**
   * Waits until the failback asks the standby to stop the guest gracefully, and then powers the guest off there, as
   * its operating system would on the ACPI shutdown request: the lab's test guest only prints its marker and halts,
   * so it would ignore the request and be powered off only after the failback's 2 minute stop grace.
   */
  private static void actAsTheGuestOsOnShutdown(LabSite site, String operationId) {
    FailbackProgress p = Awaitility.await("failback " + operationId + " stopping " + GUEST + " on hostB")
        .atMost(FAILBACK_TIMEOUT).pollInterval(Duration.ofMillis(100))
        .until(() -> progress(site, operationId).orElse(null), f -> f != null
            && (f.getPhase() == FailbackPhase.FAILBACK_PHASE_STOP_STANDBY || f.getPhase().getNumber()
            > FailbackPhase.FAILBACK_PHASE_STOP_STANDBY.getNumber()));
    System.out.println("[site] failback " + operationId + " at " + p.getPhase() + ": " + p.getDetail());
    if (p.getPhase() == FailbackPhase.FAILBACK_PHASE_STOP_STANDBY) {
      site.standby().virsh("destroy", GUEST);
    }
  }

  private static Optional<FailbackProgress> progress(LabSite site, String operationId) {
    return site.coordinator().state().failbacks().stream().filter(p -> p.getOperationId().equals(operationId))
        .findFirst();
  }

  /** The file behind the guest's first disk on {@code host}. */
  private static String diskOf(LabHost host) {
    for (String line : host.virsh("domblklist", GUEST).split("\n")) {
      String[] cols = line.strip().split("\\s+", 2);
      if (cols.length == 2 && cols[1].startsWith("/")) {
        return cols[1];
      }
    }
    throw new AssertionError("no disk file in virsh domblklist " + GUEST + " on " + host.name());
  }

  /** Exit code of a read of 64 KiB at 512 KiB that checks every byte against the pattern (0 when they all match). */
  private static int patternAt(LabHost host, String disk) {
    String format = disk.endsWith(".qcow2") ? "qcow2" : disk.endsWith(".raw") ? "raw" : "vmdk";
    return host.exec("qemu-io", "-f", format, "-r", "-U", "-c", "read -P " + PATTERN + " " + WHERE, disk)
        .getExitCode();
  }

  private static String match(Pattern pattern, String text, String what) {
    Matcher m = pattern.matcher(text);
    if (!m.find()) {
      throw new AssertionError("no " + what + " in: " + text);
    }
    return m.group(1);
  }
}
