package io.lifeboat.lab.site;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeboat.coordinator.client.LifeboatClient;
import io.lifeboat.lab.Lab;
import io.lifeboat.lab.LabExtension;
import io.lifeboat.lab.LabHost;
import io.lifeboat.storage.cli.StoreCommand;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.libvirt.event.DomainEventType;
import picocli.CommandLine;

/**
 * DR drills end to end in the lab (issue 8, section 5): an admin starts a drill over REST while the guest keeps
 * replicating; the drill copy boots on the standby from the latest restore point (its marker in the report's
 * evidence, RPO and RTO in the JSON and HTML report), the restore point's digest is unchanged, and nothing of the drill
 * is left on the standby. Then one chunk of the latest point is corrupted in the standby's store and a scrub
 * ({@code store verify}) marks the point bad: the next drill fails with a reason naming that point, and leaves nothing
 * behind either. One site serves both.
 */
@ExtendWith(LabExtension.class)
class DrillLabIT {
  private static final String GUEST = "dr1";
  private static final String PASSWORD = "drill lab admin's passphrase";
  private static final String STORE = SiteConfigs.STORE_DIR;
  private static final Duration DRILL_TIMEOUT = Duration.ofSeconds(120);

  @Test
  void drillsPassOnAGoodPointFailOnAScrubbedBadOneAndLeaveNothingBehind(Lab lab, @org.junit.jupiter.api.io.TempDir
      Path work) throws Exception {
    List<GuestLifecycleWatch.Change> changes = new CopyOnWriteArrayList<>();
    // RPO 10 s: the guest replicates every ~10 s, so a drill of several seconds overlaps a backup cycle.
    LabSite.Settings settings = new LabSite.Settings(List.of(GUEST), 10, 60, work).withAdmin(PASSWORD);
    try (LabSite site = LabSite.start(lab, settings, line -> System.out.println("[site] " + line));
        GuestLifecycleWatch onStandby = GuestLifecycleWatch.start(site.standby(), changes)) {
      SiteFailover steps = new SiteFailover(site);
      SiteGuest guest = site.guests().get(0);
      LabHost standby = site.standby();
      try {
        assertThat(onStandby.runningAtStart()).doesNotContain(GUEST);
        steps.awaitLinked(Duration.ofSeconds(60));
        steps.awaitRestorePoints(Instant.now(), Duration.ofSeconds(120));
        LifeboatClient client = site.adminClient();

        // 1. A drill of a good point passes, while replication goes on, and changes and leaves nothing.
        JsonArray pointsBefore = storeList(site, guest);
        // The drill starts while a backup cycle of the guest is in flight, and that cycle still commits.
        Instant asked = Instant.now();
        String cycleId = Awaitility.await("a backup cycle of " + GUEST + " starting").atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(50)).until(() -> site.coordinator().events().stream()
                .filter(e -> e.at().isAfter(asked) && e.envelope().hasReplicationStarted()
                    && e.envelope().getReplicationStarted().getGuestId().equals(guest.id()))
                .map(e -> e.envelope().getReplicationStarted().getCycleId()).findFirst().orElse(null),
                id -> id != null);
        // Inside hostB, the drill copy's definition is read while it runs (virsh polled every 50 ms, up to 60 s).
        CompletableFuture<String> copyXml = CompletableFuture.supplyAsync(() -> standby.exec("sh", "-c",
            "for i in $(seq 1 1200); do n=$(virsh -c qemu:///system list --name | grep '^drill-' | head -1); "
                + "if [ -n \"$n\" ] && virsh -c qemu:///system dumpxml \"$n\"; then exit 0; fi; sleep 0.05; done; "
                + "exit 1").getStdout());
        Instant drillStart = Instant.now();
        JsonObject report = runDrill(client);
        System.out.println("[site] drill report: " + report.encodePrettily());
        assertThat(report.getBoolean("passed")).as("drill passed").isTrue();
        JsonObject g = report.getJsonArray("guests").getJsonObject(0);
        assertThat(g.getString("guestId")).isEqualTo(guest.id());
        assertThat(g.getBoolean("passed")).isTrue();
        assertThat(g.getString("evidence")).as("serial console tail kept as evidence").contains(guest.marker());
        assertThat(g.getDouble("rtoSeconds")).as("RTO").isPositive().isLessThan(60.0);
        assertThat(g.getDouble("pointAgeSeconds")).as("RPO (age of the point)").isNotNegative().isLessThan(120.0);
        assertThat(g.getString("drillName")).startsWith("drill-" + GUEST + "-");
        assertThat(g.getJsonObject("teardown").getBoolean("nothingLeft")).isTrue();
        String pointId = g.getString("pointId");
        assertThat(pointId).startsWith(guest.id() + "/");
        String html = reportHtml(site, report.getString("drillId"));
        assertThat(html).contains(GUEST).contains(pointId).contains("PASS").contains(guest.marker())
            .contains(String.format(Locale.ROOT, "%.1f s", g.getDouble("rtoSeconds")))
            .contains(String.format(Locale.ROOT, "%.1f s", g.getDouble("pointAgeSeconds"))).contains("nothing left");

        // The drill copy ran from a qcow2 overlay in its drill directory, under its drill name, with no NIC and so
        // never with the guest's MAC (I1: not a production copy).
        String xml = copyXml.get(90, TimeUnit.SECONDS);
        assertThat(xml).as("definition of the running drill copy on hostB")
            .contains("<name>" + g.getString("drillName") + "</name>")
            .containsPattern("<source file=['\"][^'\"]*/\\.drills/" + report.getString("drillId")
                + "/overlay-0\\.qcow2['\"]")
            .doesNotContain("<interface");
        for (var nic : site.coordinator().state().guest(guest.id()).orElseThrow().spec().getNicsList()) {
          assertThat(xml).doesNotContainIgnoringCase(nic.getMacAddress());
        }

        // Replication continued: the cycle in flight when the drill began committed, after the drill began.
        SiteCoordinator.Event committed = Awaitility.await("backup cycle " + cycleId + " committed")
            .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
            .until(() -> site.coordinator().events().stream().filter(e -> e.envelope().hasReplicationCommitted()
                && e.envelope().getReplicationCommitted().getCycleId().equals(cycleId)).findFirst().orElse(null),
                e -> e != null);
        assertThat(committed.at()).as("commit of the cycle in flight at the drill's start").isAfter(drillStart);
        System.out.println("[site] backup cycle " + cycleId + " committed "
            + committed.envelope().getReplicationCommitted().getPointId() + " "
            + Duration.between(drillStart, committed.at()).toMillis() + " ms after the drill began");

        // The point the drill used: same digest before and after, and the one the agent reported.
        JsonObject before = point(pointsBefore, pointId);
        JsonObject after = point(storeList(site, guest), pointId);
        assertThat(after.getString("rootDigest")).as("root digest of %s after the drill", pointId)
            .isEqualTo(before.getString("rootDigest")).isEqualTo(g.getString("rootDigest"));
        assertThat(after.getBoolean("verified")).isTrue();

        // The drill copy ran on the standby under its drill name (seen through lifecycle events), the production
        // guest never did, and nothing of the drill remains.
        String drillName = g.getString("drillName");
        assertThat(changes).as("lifecycle events on hostB")
            .anyMatch(c -> c.domain().equals(drillName) && c.type() == DomainEventType.STARTED)
            .anyMatch(c -> c.domain().equals(drillName) && c.type() == DomainEventType.STOPPED)
            .noneMatch(c -> c.domain().equals(GUEST));
        assertNothingLeft(standby, report.getString("drillId"), drillName);

        // 2. One chunk of the latest point corrupted, a scrub marks the point bad: the drill fails naming it.
        // The guest writes 64 KiB of random bytes (stored raw, as they do not compress) that only the next points hold.
        LabHost primary = site.primary();
        String random = primary.guestDir(GUEST) + "/.random";
        primary.execOk("sh", "-c", "head -c 65536 /dev/urandom > " + random + " && chmod 644 " + random);
        String alias = primary.virsh("dumpxml", GUEST).replaceAll(
            "(?s).*<disk type=['\"]file['\"] device=['\"]disk['\"].*?<alias name=['\"]([^'\"]+)['\"].*", "$1");
        primary.virsh("qemu-monitor-command", GUEST, "--hmp", "qemu-io -d " + alias + " \"write -s " + random
            + " 128k 64k\"");
        primary.virsh("qemu-monitor-command", GUEST, "--hmp", "qemu-io -d " + alias + " \"flush\"");
        JsonObject failed = null;
        String badPoint = null;
        for (int attempt = 1; attempt <= 3 && failed == null; attempt++) {
          awaitCommit(site, guest, Instant.now());
          JsonObject scrub = corruptAndScrub(site);
          List<String> unusable = scrub.getJsonArray("unusablePoints").stream().map(Object::toString).toList();
          assertThat(scrub.getBoolean("ok")).as("store verify found the corruption: %s", scrub).isFalse();
          JsonObject r = runDrill(client);
          JsonObject rg = r.getJsonArray("guests").getJsonObject(0);
          System.out.println("[site] drill after scrub (attempt " + attempt + "): " + r.encodePrettily());
          assertNothingLeft(standby, r.getString("drillId"), rg.getString("drillName", "drill-" + GUEST));
          if (unusable.contains(rg.getString("pointId"))) {
            failed = r;
            badPoint = rg.getString("pointId");
          }
          // else a backup committed a fresh, good point between the scrub and the drill: corrupt again.
        }
        assertThat(failed).as("a drill ran on the point the scrub marked bad").isNotNull();
        assertThat(failed.getBoolean("passed")).isFalse();
        JsonObject fg = failed.getJsonArray("guests").getJsonObject(0);
        assertThat(fg.getBoolean("passed")).isFalse();
        assertThat(fg.getJsonObject("failure").getString("code")).isEqualTo("point_unusable");
        assertThat(fg.getJsonObject("failure").getString("message")).as("the reason names the point")
            .contains(badPoint);
        assertThat(reportHtml(site, failed.getString("drillId"))).contains("FAIL").contains("point_unusable")
            .contains(badPoint);
      } catch (AssertionError | RuntimeException e) {
        System.out.println("coordinator: " + steps.describe(site.coordinator().state()));
        System.out.println(standby.exec("sh", "-c", "virsh -c qemu:///system list --all; find "
            + LabHost.GUESTS_DIR + " | head -50").getStdout());
        System.out.println(site.agentLogs());
        throw e;
      }
    }
  }

  /** Starts a drill of the site's plan over REST, as {@code ./lifeboat drill run lab} does; waits for its report. */
  private static JsonObject runDrill(LifeboatClient client) {
    JsonObject accepted = client.post("/api/v1/drills", new JsonObject().put("plan", SiteConfigs.PLAN));
    String drillId = accepted.getString("drillId");
    assertThat(drillId).as("drill id in %s", accepted).isNotBlank();
    return Awaitility.await("report of drill " + drillId).atMost(DRILL_TIMEOUT).pollInterval(Duration.ofMillis(500))
        .ignoreExceptions().until(() -> client.getObject("/api/v1/drills/" + drillId), r -> r != null);
  }

  /** Waits for the next backup of the guest committed after {@code after}. */
  private static void awaitCommit(LabSite site, SiteGuest guest, Instant after) {
    Awaitility.await("a backup of " + GUEST + " committed after " + after).atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100)).until(() -> site.coordinator().events().stream()
            .anyMatch(e -> e.at().isAfter(after) && e.envelope().hasReplicationCommitted()
                && e.envelope().getReplicationCommitted().getGuestId().equals(guest.id())));
  }

  /** The drill's HTML report, read with a session of its own ({@code ?format=html}). */
  private static String reportHtml(LabSite site, String drillId) throws Exception {
    URI base = site.adminClient().base();
    HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    HttpResponse<String> login = http.send(HttpRequest.newBuilder(base.resolve("/api/v1/session"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(new JsonObject()
            .put("user", LabSite.ADMIN_USER).put("password", PASSWORD).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(login.statusCode()).as("login: %s", login.body()).isEqualTo(200);
    HttpResponse<String> page = http.send(HttpRequest.newBuilder(base.resolve("/api/v1/drills/" + drillId
        + "?format=html")).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    return page.body();
  }

  /** No drill domain, no drill directory, overlay or drill serial log, and no guest NIC (tap) on the host. */
  private static void assertNothingLeft(LabHost host, String drillId, String drillName) {
    assertThat(host.virsh("list", "--all", "--name")).as("domains on %s", host.name()).doesNotContain("drill-");
    String files = host.exec("sh", "-c", "find " + LabHost.GUESTS_DIR + " /var/lib/lifeboat /tmp \\( -name '*.qcow2'"
        + " -o -name '" + drillId + "' -o -name '" + drillName + "*' \\) -print 2>/dev/null").getStdout();
    assertThat(files).as("drill files left on %s", host.name()).isBlank();
    assertThat(host.exec("sh", "-c", "ls /sys/class/net").getStdout()).as("network devices on %s", host.name())
        .doesNotContain("vnet").doesNotContain("tap");
  }

  /** The standby store's points of the guest ({@code store list --json}). */
  private static JsonArray storeList(LabSite site, SiteGuest guest) {
    return new JsonObject(storeCommand(site, "list", "--store", STORE, "--guest", guest.id(), "--json"))
        .getJsonArray("points");
  }

  private static JsonObject point(JsonArray points, String pointId) {
    return points.stream().map(JsonObject.class::cast).filter(p -> p.getString("id").equals(pointId)).findFirst()
        .orElseThrow(() -> new AssertionError("no point " + pointId + " in the standby's store: " + points));
  }

  /**
   * Flips the first stored byte of the first chunk in the newest pack of the standby's store (the random chunk, stored
   * raw, that only the latest points hold), then runs {@code store verify --json} there; returns its report.
   */
  private static JsonObject corruptAndScrub(LabSite site) {
    LabHost standby = site.standby();
    standby.execOk("sh", "-c", "p=$(ls -t " + STORE + "/packs/*.pack | head -1) && "
        + "b=$(od -An -tu1 -j8 -N1 \"$p\" | tr -d ' ') && "
        + "printf \"\\\\$(printf %o $((255 - b)))\" | dd of=\"$p\" bs=1 seek=8 count=1 conv=notrunc 2>/dev/null");
    return new JsonObject(storeCommand(site, "verify", "--store", STORE, "--json"));
  }

  /** Runs {@code store ARGS --json} inside the standby with the agent's classpath; the JSON document it printed. */
  private static String storeCommand(LabSite site, String... args) {
    // The agent's classpath in the host: its classes directories (this JVM's, test classes included) and jars.
    String classpath = site.standby().execOk("sh", "-c", "ls -d " + AgentClasspath.IN_HOST
        + "/classes/* 2>/dev/null | tr '\\n' ':'") + AgentClasspath.IN_HOST + "/lib/*";
    List<String> command = new ArrayList<>(List.of("java", "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", classpath,
        Store.class.getName()));
    command.addAll(List.of(args));
    var r = site.standby().exec(command.toArray(String[]::new));
    // --json prints its document on one line; the test classpath's logback may log around it on stdout too.
    return r.getStdout().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow(() -> new AssertionError(
        "store " + String.join(" ", args) + " on " + site.standby().name() + " exited with " + r.getExitCode()
            + " and printed no JSON: " + r.getStdout() + r.getStderr()));
  }

  /** {@code store …} as a process of its own inside a lab host (the agent's classpath holds the storage module). */
  public static final class Store {
    private Store() {}

    /** Runs {@link StoreCommand} with {@code args} and exits with its code. */
    public static void main(String[] args) {
      System.exit(new CommandLine(new StoreCommand()).execute(args));
    }
  }
}
