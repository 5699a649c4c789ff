package io.lifeboat.lab.cli;

import io.lifeboat.lab.Lab;
import io.lifeboat.lab.LabException;
import io.lifeboat.lab.LabHost;
import io.lifeboat.lab.site.LabSite;
import io.lifeboat.lab.site.SiteFailover;
import io.lifeboat.lab.site.SiteGuest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code demo [--kill-primary] [--json]}: two lab hosts, a coordinator in this process and an agent in each host
 * protect two VMDK test guests of hostA, replicated to hostB. Without {@code --kill-primary} it runs until Ctrl-C;
 * with it, it kills hostA, waits until both guests boot on hostB and prints the achieved RTO and RPO.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Run the demo: two lab hosts, a coordinator, an agent in each host, two protected test guests "
        + "replicated from hostA to hostB. Ctrl-C tears it down (`lab down` too).",
        "The web page's address, user and password (random, or $LIFEBOAT_DEMO_PASSWORD) are printed once the guests "
            + "are protected.",
        "--kill-primary: once every guest has a restore point, kill hostA, wait for the automatic failover to "
            + "hostB and print the achieved RTO and RPO per guest, then tear down."})
public final class DemoCommand implements Callable<Integer> {
  static final List<String> GUESTS = List.of("demo1", "demo2");
  /** The environment variable that sets the demo admin's password instead of a random one. */
  static final String PASSWORD_ENV = "LIFEBOAT_DEMO_PASSWORD";
  private static final int RPO_SECONDS = 30;
  private static final int BOOT_TIMEOUT_SECONDS = 60;
  private static final Duration LINK_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration POINTS_TIMEOUT = Duration.ofSeconds(240);
  private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(240);

  @Spec
  CommandSpec spec;

  @Option(names = "--kill-primary", description = "Kill hostA once protected; show the failover; exit.")
  boolean killPrimary;

  @Option(names = "--json", description = "Print one JSON document on stdout (progress goes to stderr).")
  boolean json;

  private final AtomicBoolean tornDown = new AtomicBoolean();
  private Instant started;
  private PrintWriter progressOut;
  private Lab lab;
  private LabSite site;

  @Override
  public Integer call() throws Exception {
    started = Instant.now();
    PrintWriter out = spec.commandLine().getOut();
    progressOut = json ? spec.commandLine().getErr() : out;
    Thread hook = new Thread(this::tearDown, "lifeboat-demo-teardown");
    Runtime.getRuntime().addShutdownHook(hook);
    boolean keep = false;
    try {
      progress("creating the lab (replaces a lab of `lab up`; builds the host image on first use)");
      lab = Lab.create(Lab.Mode.CLI);
      Path work = lab.knownHosts().getParent().resolve("site");
      String password = adminPassword();
      site = LabSite.start(lab, new LabSite.Settings(GUESTS, RPO_SECONDS, BOOT_TIMEOUT_SECONDS, work)
          .withAdmin(password), this::progress);
      SiteFailover failover = new SiteFailover(site);
      failover.awaitLinked(LINK_TIMEOUT);
      progress("agents linked: coordinator sees " + site.primary().name() + " and " + site.standby().name() + " UP");
      Instant protectedFrom = Instant.now();
      Optional<String> http = site.coordinator().httpAddress();
      progress(http.map(h -> "web page: " + h + "/ (log in as " + LabSite.ADMIN_USER + ", password " + password
          + "); metrics: " + h + "/metrics").orElse("coordinator web: not answering on loopback"));
      List<SiteFailover.PointSeen> points = failover.awaitRestorePoints(protectedFrom, POINTS_TIMEOUT);
      long storeBytes = site.standbyStoreBytes();
      for (SiteFailover.PointSeen p : points) {
        progress("first restore point of " + p.guest().name() + " on " + site.standby().name() + " after "
            + seconds(p.seenAfter()) + " s (" + p.pointId() + ")");
      }
      progress("standby store holds " + storeBytes + " bytes");
      JsonObject doc = new JsonObject().put("runId", lab.runId()).put("hosts", hosts())
          .put("coordinator", site.coordinator().listenHost() + ":" + site.coordinator().port())
          .put("httpAddress", http.orElse(null)).put("standbyStoreBytes", storeBytes)
          .put("webPage", http.map(h -> new JsonObject().put("url", h + "/").put("user", LabSite.ADMIN_USER)
              .put("password", password)).orElse(null));
      JsonArray guests = new JsonArray();
      for (SiteFailover.PointSeen p : points) {
        guests.add(guestJson(p.guest()).put("firstPointId", p.pointId())
            .put("firstPointSeconds", seconds(p.seenAfter())));
      }
      doc.put("guests", guests);
      if (!killPrimary) {
        progress("demo running (lab " + lab.runId() + "); Ctrl-C tears it down");
        if (json) {
          out.println(doc.encode());
          out.flush();
        }
        keep = true;
        new CountDownLatch(1).await();
        return 0;
      }
      progress("killing " + site.primary().name() + " (docker kill: the host and its guests die at once)");
      List<SiteFailover.Outcome> outcomes = failover.killPrimaryAndAwaitFailover(FAILOVER_TIMEOUT);
      JsonArray results = new JsonArray();
      for (SiteFailover.Outcome o : outcomes) {
        progress(o.guest().name() + " FAILED_OVER to " + site.standby().name() + ": RTO " + seconds(o.rto())
            + " s (kill to marker on the standby; coordinator: " + seconds(o.coordinatorRto())
            + " s from loss declaration to verified boot), RPO " + seconds(o.rpo()) + " s; marker \""
            + o.marker().markerLine() + "\"");
        results.add(guestJson(o.guest()).put("pointId", o.pointId()).put("rtoSeconds", seconds(o.rto()))
            .put("coordinatorRtoSeconds", seconds(o.coordinatorRto())).put("rpoSeconds", seconds(o.rpo()))
            .put("markerOnStandby", o.marker().markerLine()));
      }
      doc.put("failover", results).put("totalSeconds", seconds(Duration.between(started, Instant.now())));
      tearDown();
      if (json) {
        out.println(doc.encode());
      } else {
        progress("failover shown; lab torn down");
      }
      out.flush();
      return 0;
    } catch (RuntimeException e) {
      Path logs = saveAgentLogs();
      throw new LabException("demo failed: " + e.getMessage().replace('\n', ' ')
          + (logs == null ? "" : " (agent logs: " + logs + ")"), e);
    } finally {
      if (!keep) {
        tearDown();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // The hook runs anyway.
        }
      }
    }
  }

  /**
   * The demo admin's password: {@value #PASSWORD_ENV} when it is set, else a random one for this run (the demo's
   * coordinator lives only as long as the demo).
   */
  private static String adminPassword() {
    String given = System.getenv(PASSWORD_ENV);
    if (given != null && !given.isBlank()) {
      return given;
    }
    byte[] random = new byte[15];
    new SecureRandom().nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  private JsonArray hosts() {
    JsonArray hosts = new JsonArray();
    for (LabHost h : List.of(site.primary(), site.standby())) {
      hosts.add(new JsonObject().put("name", h.name()).put("role", h == site.primary() ? "primary" : "standby")
          .put("labAddress", h.labAddress()));
    }
    return hosts;
  }

  private static JsonObject guestJson(SiteGuest g) {
    return new JsonObject().put("name", g.name()).put("guestId", g.id()).put("marker", g.marker());
  }

  private Path saveAgentLogs() {
    if (site == null) {
      return null;
    }
    try {
      Path file = Path.of(System.getProperty("java.io.tmpdir"), "lifeboat-demo-" + lab.runId() + "-agents.log");
      Files.writeString(file, site.agentLogs(), StandardCharsets.UTF_8);
      return file;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Stops agents and coordinator and takes the lab down, once (also from the Ctrl-C shutdown hook). */
  private void tearDown() {
    if (!tornDown.compareAndSet(false, true)) {
      return;
    }
    if (site != null) {
      progress("tearing down: agents, coordinator, lab " + lab.runId());
      try {
        site.close();
      } catch (RuntimeException e) {
        progress("stopping the site: " + e.getMessage());
      }
    }
    if (lab != null) {
      lab.down();
    }
  }

  private void progress(String line) {
    progressOut.printf(Locale.ROOT, "[%6.1f s] %s%n", Duration.between(started, Instant.now()).toMillis() / 1000.0,
        line);
    progressOut.flush();
  }

  private static double seconds(Duration d) {
    return Math.round(d.toMillis() / 100.0) / 10.0;
  }
}
