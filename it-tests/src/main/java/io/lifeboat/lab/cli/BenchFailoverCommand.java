package io.lifeboat.lab.cli;

import io.lifeboat.lab.Lab;
import io.lifeboat.lab.LabException;
import io.lifeboat.lab.site.LabSite;
import io.lifeboat.lab.site.SiteFailover;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code bench failover [--runs N] [--json]}: the median RTO of automatic failover in the lab (issue 6, section 9),
 * with the default timers. Each run brings a fresh site up (one guest), kills the primary and times the kill until
 * the guest's marker appears on the standby's serial console. Target: at most 20 s.
 */
@Command(name = "failover", mixinStandardHelpOptions = true,
    description = "Median RTO of automatic failover in the lab: a fresh two-host site per run, the primary killed, "
        + "timed until the guest's boot marker is on the standby (target <= 20 s). About 1 min per run.")
public final class BenchFailoverCommand implements Callable<Integer> {
  private static final double TARGET_SECONDS = 20.0;
  private static final Duration LINK_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration POINTS_TIMEOUT = Duration.ofSeconds(240);
  private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(240);

  @Mixin
  BenchRuns options = new BenchRuns();

  @Override
  public Integer call() throws Exception {
    int runs = options.checkedRuns();
    boolean json = options.json;
    PrintWriter out = options.out();
    PrintWriter progress = options.progress();
    List<Double> rtos = new ArrayList<>();
    List<Double> coordinatorRtos = new ArrayList<>();
    JsonArray results = new JsonArray();
    for (int run = 1; run <= runs; run++) {
      SiteFailover.Outcome o = oneRun(run);
      double rto = BenchRuns.seconds(o.rto());
      rtos.add(rto);
      coordinatorRtos.add(BenchRuns.seconds(o.coordinatorRto()));
      results.add(new JsonObject().put("run", run).put("rtoSeconds", rto)
          .put("coordinatorRtoSeconds", BenchRuns.seconds(o.coordinatorRto()))
          .put("rpoSeconds", BenchRuns.seconds(o.rpo())));
      progress.printf(Locale.ROOT, "run %d/%d: RTO %.1f s (coordinator: %.1f s from loss declaration to verified "
          + "boot)%n", run, runs, rto, BenchRuns.seconds(o.coordinatorRto()));
      progress.flush();
    }
    double median = BenchRuns.median(rtos);
    boolean met = median <= TARGET_SECONDS;
    if (json) {
      out.println(new JsonObject().put("runs", results).put("medianRtoSeconds", median)
          .put("medianCoordinatorRtoSeconds", BenchRuns.median(coordinatorRtos)).put("targetSeconds", TARGET_SECONDS)
          .put("targetMet", met).encode());
    } else {
      out.printf(Locale.ROOT, "median RTO over %d run(s): %.1f s (target <= %.0f s: %s)%n", runs, median,
          TARGET_SECONDS, met ? "met" : "NOT met");
    }
    out.flush();
    return met ? 0 : 1;
  }

  private SiteFailover.Outcome oneRun(int run) {
    // A CLI-mode lab, so `lab down` removes it if the bench is interrupted; the site's files live in its state dir.
    try (Lab lab = Lab.create(Lab.Mode.CLI);
        LabSite site = LabSite.start(lab, new LabSite.Settings(List.of("bench" + run), 900, 60,
            lab.knownHosts().getParent().resolve("site")), line -> {})) {
      SiteFailover failover = new SiteFailover(site);
      failover.awaitLinked(LINK_TIMEOUT);
      failover.awaitRestorePoints(Instant.now(), POINTS_TIMEOUT);
      return failover.killPrimaryAndAwaitFailover(FAILOVER_TIMEOUT).get(0);
    } catch (LabException e) {
      throw new LabException("bench failover: run " + run + ": " + e.getMessage(), e);
    }
  }
}
