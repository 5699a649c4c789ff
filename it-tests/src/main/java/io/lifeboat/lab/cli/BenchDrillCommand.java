package io.lifeboat.lab.cli;

import io.lifeboat.coordinator.client.LifeboatClient;
import io.lifeboat.lab.Lab;
import io.lifeboat.lab.LabException;
import io.lifeboat.lab.site.LabSite;
import io.lifeboat.lab.site.SiteCoordinator;
import io.lifeboat.lab.site.SiteFailover;
import io.lifeboat.protocol.v1.DrillStepKind;
import io.lifeboat.protocol.v1.Envelope;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code bench drill [--runs N] [--json]}: how long a whole DR drill cycle of the lab's test guest takes (issue 8,
 * section 6). One two-host site is brought up and the guest protected; each run starts a drill of the site's plan over
 * REST, as {@code ./lifeboat drill run} does, and times it from the request to the verified boot (the coordinator has
 * the agent's verified DrillBoot result and sends the teardown) and to the clean teardown (the report, every guest
 * torn down with nothing left). Target: the whole cycle in at most 15 s (median).
 */
@Command(name = "drill", mixinStandardHelpOptions = true,
    description = "Median time of a whole DR drill cycle of the lab test guest: drill start to verified boot and to "
        + "clean teardown, on one two-host site (target <= 15 s). About 1 min plus a few seconds per run.")
public final class BenchDrillCommand implements Callable<Integer> {
  private static final double TARGET_SECONDS = 15.0;
  private static final String PLAN = "lab";
  private static final Duration LINK_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration POINTS_TIMEOUT = Duration.ofSeconds(240);
  private static final Duration DRILL_TIMEOUT = Duration.ofSeconds(180);

  @Mixin
  BenchRuns options = new BenchRuns();

  /** One drill's timings, in seconds, from the request that started it. */
  private record Run(String drillId, double bootSeconds, double cycleSeconds, double agentRtoSeconds,
      double pointAgeSeconds) {}

  @Override
  public Integer call() {
    int runs = options.checkedRuns();
    boolean json = options.json;
    PrintWriter out = options.out();
    PrintWriter progress = options.progress();
    List<Run> done = new ArrayList<>();
    String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
    // A CLI-mode lab, so `lab down` removes it if the bench is interrupted; the site's files live in its state dir.
    // RPO 900 s: the first backup makes the point and no other runs during the drills.
    try (Lab lab = Lab.create(Lab.Mode.CLI);
        LabSite site = LabSite.start(lab, new LabSite.Settings(List.of("drillbench"), 900, 60,
            lab.knownHosts().getParent().resolve("site")).withAdmin(password), line -> {
              progress.println("[site] " + line);
              progress.flush();
            })) {
      SiteFailover steps = new SiteFailover(site);
      steps.awaitLinked(LINK_TIMEOUT);
      steps.awaitRestorePoints(Instant.now(), POINTS_TIMEOUT);
      LifeboatClient client = site.adminClient();
      for (int run = 1; run <= runs; run++) {
        Run r = oneDrill(site.coordinator(), client, run);
        done.add(r);
        progress.printf(Locale.ROOT, "drill %d/%d: verified boot after %.1f s, torn down clean after %.1f s (agent "
            + "RTO %.1f s, point age %.0f s)%n", run, runs, r.bootSeconds(), r.cycleSeconds(), r.agentRtoSeconds(),
            r.pointAgeSeconds());
        progress.flush();
      }
    }
    double boot = BenchRuns.median(done.stream().map(Run::bootSeconds).toList());
    double cycle = BenchRuns.median(done.stream().map(Run::cycleSeconds).toList());
    boolean met = cycle <= TARGET_SECONDS;
    if (json) {
      JsonArray results = new JsonArray();
      for (int i = 0; i < done.size(); i++) {
        Run r = done.get(i);
        results.add(new JsonObject().put("run", i + 1).put("drillId", r.drillId()).put("bootSeconds", r.bootSeconds())
            .put("cycleSeconds", r.cycleSeconds()).put("agentRtoSeconds", r.agentRtoSeconds())
            .put("pointAgeSeconds", r.pointAgeSeconds()));
      }
      out.println(new JsonObject().put("runs", results).put("medianBootSeconds", boot)
          .put("medianCycleSeconds", cycle).put("targetSeconds", TARGET_SECONDS).put("targetMet", met).encode());
    } else {
      out.printf(Locale.ROOT, "median over %d drill(s): verified boot %.1f s, whole cycle %.1f s (target <= %.0f s: "
          + "%s)%n", runs, boot, cycle, TARGET_SECONDS, met ? "met" : "NOT met");
    }
    out.flush();
    return met ? 0 : 1;
  }

  /** Starts a drill over REST and times it through the events the coordinator publishes; fails unless it passed. */
  private static Run oneDrill(SiteCoordinator coordinator, LifeboatClient client, int run) {
    Instant asked = Instant.now();
    String drillId = client.post("/api/v1/drills", new JsonObject().put("plan", PLAN)).getString("drillId");
    Instant booted = awaitEvent(coordinator, "drill " + drillId + " verified boot", e -> e.hasDrillStep()
        && e.getDrillStep().getDrillId().equals(drillId)
        && e.getDrillStep().getStep() == DrillStepKind.DRILL_STEP_KIND_TEARDOWN, run);
    Instant ended = awaitEvent(coordinator, "drill " + drillId + " report", e -> e.hasDrillReport()
        && e.getDrillReport().getDrillId().equals(drillId), run);
    JsonObject report = client.getObject("/api/v1/drills/" + LifeboatClient.segment(drillId));
    JsonObject guest = report.getJsonArray("guests").getJsonObject(0);
    if (!report.getBoolean("passed", false)) {
      JsonObject failure = guest.getJsonObject("failure", new JsonObject());
      throw new LabException("bench drill: run " + run + ": drill " + drillId + " failed: "
          + failure.getString("code", "?") + ": " + failure.getString("message", report.encode()));
    }
    return new Run(drillId, BenchRuns.seconds(Duration.between(asked, booted)),
        BenchRuns.seconds(Duration.between(asked, ended)),
        guest.getDouble("rtoSeconds", 0.0), guest.getDouble("pointAgeSeconds", 0.0));
  }

  private static Instant awaitEvent(SiteCoordinator coordinator, String what, Predicate<Envelope> wanted, int run) {
    try {
      return Awaitility.await(what).atMost(DRILL_TIMEOUT).pollInterval(Duration.ofMillis(20))
          .until(() -> coordinator.events().stream().filter(e -> wanted.test(e.envelope()))
              .map(SiteCoordinator.Event::at).findFirst(), Optional::isPresent).orElseThrow();
    } catch (ConditionTimeoutException e) {
      throw new LabException("bench drill: run " + run + ": no " + what + " within " + DRILL_TIMEOUT.toSeconds()
          + " s", e);
    }
  }
}
