package io.lifeboat.agent.drill;

import com.google.protobuf.Duration;
import io.lifeboat.agent.fence.AtomicFiles;
import io.lifeboat.agent.hypervisor.BootEvidence;
import io.lifeboat.agent.hypervisor.GuestRef;
import io.lifeboat.agent.hypervisor.HypervisorDriver;
import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.agent.hypervisor.Registration;
import io.lifeboat.agent.restore.RestorePointMaterialiser;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.DrillBoot;
import io.lifeboat.protocol.v1.DrillBootResult;
import io.lifeboat.protocol.v1.DrillTeardownResult;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.MaterialiseResult;
import io.lifeboat.protocol.v1.PowerState;
import io.lifeboat.protocol.v1.VmdkCreateType;
import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.DiskImages;
import io.lifeboat.storage.store.ChunkStore;
import io.lifeboat.storage.store.RestorePoint;
import io.lifeboat.storage.store.RestorePointId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs DR drills on a standby (DESIGN.md flow 5, I1): checks that the restore point is usable in the agent's own
 * store, materialises it once as read-only VMDK bases in {@code <guestDir>/.drills/<drillId>/base-<i>.vmdk}, puts a
 * copy-on-write overlay on each ({@link DrillOverlay}: {@code overlay-<i>.qcow2} on libvirt, a VMDK child
 * {@code overlay-<i>.vmdk} on VMware), registers a transient drill copy under its drill name with no guest id and no
 * production NIC, starts it and verifies the boot; tears it all down and checks that nothing is left.
 * The store is only read. Blocking steps run on the named worker pool.
 */
public final class DrillRunner {
  /** Lines of the serial console kept as evidence. */
  public static final int EVIDENCE_LINES = 20;

  private static final Logger LOG = LoggerFactory.getLogger(DrillRunner.class);
  private static final String DRILLS = ".drills";
  private static final String INFO = "drill.json";
  private static final long POLL_MILLIS = 250;

  private final Vertx vertx;
  private final String hostId;
  private final HypervisorDriver driver;
  private final ChunkStore store;
  private final RestorePointMaterialiser materialiser;
  private final Path drills;
  private final WorkerExecutor workers;
  private final QemuImg qemuImg;
  private final SecureRandom random = new SecureRandom();

  /** What a DrillBoot ended with: the result detail, and the failure when it did not pass. */
  public record BootOutcome(DrillBootResult result, HypervisorException failure) {
    /** @return whether the drill copy booted and was verified */
    public boolean passed() {
      return failure == null;
    }
  }

  /**
   * Creates the runner.
   *
   * @param vertx Vert.x, for boot-verification timers
   * @param hostId this host's id, for messages
   * @param driver the host's hypervisor
   * @param store the agent's store (only read)
   * @param materialiser writes the bases
   * @param guestDir the guest directory under whose {@code .drills} the drills live
   * @param workers the named worker pool for blocking steps
   * @param qemuImg creates the overlays
   */
  public DrillRunner(Vertx vertx, String hostId, HypervisorDriver driver, ChunkStore store,
      RestorePointMaterialiser materialiser, Path guestDir, WorkerExecutor workers, QemuImg qemuImg) {
    this.vertx = vertx;
    this.hostId = hostId;
    this.driver = driver;
    this.store = store;
    this.materialiser = materialiser;
    this.drills = guestDir.toAbsolutePath().normalize().resolve(DRILLS);
    this.workers = workers;
    this.qemuImg = qemuImg;
  }

  /**
   * The directory of a drill.
   *
   * @param drillId a checked drill id
   * @return {@code <guestDir>/.drills/<drillId>}
   */
  public Path drillDir(String drillId) {
    return drills.resolve(DrillSpecs.checkDrillId(drillId));
  }

  /**
   * Boots a drill copy and verifies it; on any failure tears down what it made and reports why.
   *
   * @param cmd the command
   * @param receivedNanos {@link System#nanoTime()} when the command arrived (the boot time counts from it)
   * @return the outcome; never failed
   */
  public Future<BootOutcome> boot(DrillBoot cmd, long receivedNanos) {
    DrillBootResult.Builder r = DrillBootResult.newBuilder().setDrillId(cmd.getDrillId())
        .setPointId(cmd.getPointId());
    String name;
    Path dir;
    try {
      dir = drillDir(cmd.getDrillId());
      name = DrillSpecs.drillName(cmd.getDrillName(), cmd.hasSpec() ? cmd.getSpec().getName() : "",
          cmd.getGuestId(), cmd.getDrillId());
      r.setDrillName(name);
    } catch (HypervisorException e) {
      return Future.succeededFuture(new BootOutcome(r.setReason(e.getMessage()).build(), e));
    }
    AtomicReference<GuestRef> copy = new AtomicReference<>();
    AtomicReference<String> evidence = new AtomicReference<>("");
    String where = "drill " + cmd.getDrillId() + " of guest " + cmd.getGuestId() + " on agent " + hostId;
    AtomicReference<DrillOverlay> overlay = new AtomicReference<>();
    Future<BootOutcome> run = driver.hostFacts().compose(facts -> {
      overlay.set(DrillOverlay.forHost(facts, dir, where));
      return driver.inventory();
    }).compose(specs -> {
      for (GuestSpec s : specs) {
        if (s.getName().equals(name)) {
          return Future.failedFuture(HypervisorException.permanent("drill_exists", where + ": a guest named '"
              + name + "' already exists on " + driver.endpoint() + "; tear the drill down first"));
        }
      }
      return workers.executeBlocking(() -> prepare(cmd, name, dir, overlay.get(), r), false);
    }).compose(spec -> driver.register(spec, Registration.TRANSIENT)).compose(registered -> {
      GuestRef ref = GuestRef.of(registered);
      copy.set(ref);
      r.setHypervisorUuid(registered.getHypervisorUuid());
      LOG.info("[agent host={}] {}: drill copy '{}' ({}) registered on {}", hostId, where, name,
          registered.getHypervisorUuid(), driver.endpoint());
      return driver.start(ref).compose(v -> verify(ref, cmd, receivedNanos, where, evidence));
    }).map(elapsed -> {
      LOG.info("[agent host={}] {}: drill copy '{}' verified after {} ms", hostId, where, name, elapsed / 1_000_000);
      return new BootOutcome(r.setPassed(true).setBootDuration(duration(elapsed)).setEvidence(evidence.get())
          .build(), null);
    });
    return run.recover(e -> {
      HypervisorException h = classify(where, e);
      LOG.warn("[agent host={}] {}: drill failed: {}", hostId, where, h.getMessage(), h == e ? null : e);
      Future<String> tail = copy.get() == null ? Future.succeededFuture(evidence.get())
          : driver.bootEvidence(copy.get(), 64 * 1024).map(b -> lastLines(b.consoleTail()))
              .otherwise(evidence.get());
      // A failed drill leaves nothing running and nothing on disk; DrillTeardown afterwards finds nothing left.
      return tail.compose(t -> teardown(cmd.getDrillId(), name).otherwiseEmpty()
          .map(td -> new BootOutcome(r.setPassed(false).setReason(h.getMessage()).setEvidence(t).build(), h)));
    });
  }

  private GuestSpec prepare(DrillBoot cmd, String name, Path dir, DrillOverlay kind, DrillBootResult.Builder r)
      throws IOException {
    RestorePointId id;
    try {
      RestorePointId.checkGuest(cmd.getGuestId());
      id = RestorePointId.parse(cmd.getPointId());
    } catch (IllegalArgumentException e) {
      throw HypervisorException.permanent("invalid_point", "agent " + hostId + ": " + e.getMessage());
    }
    Files.createDirectories(dir);
    AtomicFiles.write(dir.resolve(INFO), new JsonObject().put("drillId", cmd.getDrillId()).put("drillName", name)
        .put("guestId", cmd.getGuestId()).put("pointId", cmd.getPointId()).encode()
        .getBytes(StandardCharsets.UTF_8));
    if (store.points(id.guestId()).contains(id)) {
      r.setRootDigest(store.load(id).rootDigest());
    }
    // Checks the point (present, every chunk there, not marked bad by a scrub) and writes the bases outside the store.
    MaterialiseResult bases = materialiser.materialise(cmd.getGuestId(), cmd.getPointId(), DiskFormat.DISK_FORMAT_VMDK,
        VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE, dir.toString(), "base");
    List<String> overlays = new ArrayList<>();
    List<Long> capacities = new ArrayList<>();
    for (int i = 0; i < bases.getDisksCount(); i++) {
      DiskSpec base = bases.getDisks(i);
      Path basePath = Path.of(base.getPath());
      Path overlay = kind.overlayPath(dir, i);
      Files.deleteIfExists(overlay);
      qemuImg.createOverlay(kind.qemuFormat(), kind.backingName(basePath), "vmdk", overlay,
          kind.createOptions(kind == DrillOverlay.VMDK_CHILD ? adapterType(basePath) : null));
      basePath.toFile().setReadOnly();
      overlays.add(overlay.toString());
      capacities.add(base.getCapacityBytes());
    }
    RestorePoint point = store.load(id);
    if (!r.getRootDigest().isEmpty() && !point.rootDigest().equals(r.getRootDigest())) {
      throw new IOException("restore point " + id + " changed while the drill read it");
    }
    r.setRootDigest(point.rootDigest());
    return DrillSpecs.drillSpec(cmd.hasSpec() ? cmd.getSpec() : null, name, overlays, kind, capacities,
        cmd.getIsolatedNetwork(), random);
  }

  /** The {@code ddb.adapterType} of a materialised base VMDK (kept from the source disk), or null. */
  private static String adapterType(Path base) throws IOException {
    try (DiskImage image = DiskImages.open(base)) {
      return image.info().adapterType();
    }
  }

  /** Polls the drill copy's console (or run state when no marker is asked) until verified or the timeout. */
  private Future<Long> verify(GuestRef ref, DrillBoot cmd, long receivedNanos, String where,
      AtomicReference<String> evidence) {
    java.time.Duration timeout = java.time.Duration.ofSeconds(cmd.getBootTimeout().getSeconds(),
        cmd.getBootTimeout().getNanos());
    if (timeout.isZero()) {
      timeout = java.time.Duration.ofSeconds(60);
    }
    long deadline = receivedNanos + timeout.toNanos();
    String marker = cmd.getBootMarker();
    long limit = timeout.toSeconds();
    return driver.bootEvidence(ref, 64 * 1024).compose(b -> {
      long now = System.nanoTime();
      evidence.set(lastLines(b.consoleTail()));
      if (verified(b, marker)) {
        return Future.succeededFuture(now - receivedNanos);
      }
      if (b.powerState() == PowerState.POWER_STATE_OFF || b.powerState() == PowerState.POWER_STATE_CRASHED) {
        return Future.failedFuture(new HypervisorException(ErrorClass.ERROR_CLASS_PERMANENT, "boot_not_verified",
            where + ": drill copy " + ref + " stopped (" + b.powerState() + ") before its boot was verified"));
      }
      if (now - deadline > 0) {
        return Future.failedFuture(new HypervisorException(ErrorClass.ERROR_CLASS_PERMANENT, "boot_not_verified",
            where + ": drill copy " + ref + (marker.isEmpty() ? " was not running" : " showed no \"" + marker
                + "\" on its serial console") + " within " + limit + " s"));
      }
      return vertx.timer(POLL_MILLIS).compose(t -> verify(ref, cmd, receivedNanos, where, evidence));
    });
  }

  private static boolean verified(BootEvidence b, String marker) {
    return marker.isEmpty() ? b.powerState() == PowerState.POWER_STATE_RUNNING : b.consoleShows(marker);
  }

  /**
   * Tears a drill down: destroys every domain whose name starts with the drill name (transient: it disappears),
   * deletes the drill's directory (bases, overlays, serial log), then checks that nothing is left. Idempotent.
   *
   * @param drillId the drill id
   * @param drillName the drill copy's name; when empty, the name recorded by DrillBoot in the drill's directory
   * @return what was removed and what the check found
   */
  public Future<DrillTeardownResult> teardown(String drillId, String drillName) {
    Path dir;
    try {
      dir = drillDir(drillId);
    } catch (HypervisorException e) {
      return Future.failedFuture(e);
    }
    return workers.executeBlocking(() -> drillName.isEmpty() ? recordedName(dir) : drillName, false)
        .compose(name -> {
          if (!name.isEmpty() && !name.startsWith(DrillSpecs.PREFIX)) {
            return Future.failedFuture(HypervisorException.permanent("invalid_drill", "drill " + drillId
                + ": refusing to tear down '" + name + "': drill copies are named '" + DrillSpecs.PREFIX + "...'"));
          }
          DrillTeardownResult.Builder r = DrillTeardownResult.newBuilder().setDrillId(drillId).setDrillName(name);
          return removeDomains(name, r).compose(v -> workers.executeBlocking(() -> deleteTree(dir), false))
              .compose(files -> {
                r.setRemovedFiles(files);
                return name.isEmpty() ? Future.succeededFuture(List.<GuestSpec>of()) : driver.inventory();
              })
              .map(specs -> {
                for (GuestSpec s : specs) {
                  if (s.getName().startsWith(name)) {
                    r.addLeftovers("domain " + s.getName() + " (" + s.getPowerState() + ")");
                  }
                }
                if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                  r.addLeftovers(dir.toString());
                }
                DrillTeardownResult done = r.setNothingLeft(r.getLeftoversCount() == 0).build();
                LOG.info("[agent host={}] drill {} ('{}') torn down: removed domains {}, {} files; left: {}", hostId,
                    drillId, name, done.getRemovedDomainsList(), done.getRemovedFiles(),
                    done.getNothingLeft() ? "nothing" : done.getLeftoversList());
                return done;
              });
        });
  }

  /**
   * Tears down what drills interrupted by a crash left: every {@code .drills/*} directory and every domain whose
   * name starts with {@code drill-}.
   *
   * @return the teardowns done
   */
  public Future<List<DrillTeardownResult>> sweepLeftovers() {
    return workers.executeBlocking(() -> {
      List<String> ids = new ArrayList<>();
      if (Files.isDirectory(drills, LinkOption.NOFOLLOW_LINKS)) {
        try (Stream<Path> s = Files.list(drills)) {
          s.map(p -> p.getFileName().toString()).filter(n -> n.matches("[A-Za-z0-9][A-Za-z0-9_-]{0,63}"))
              .sorted().forEach(ids::add);
        }
      }
      return ids;
    }, false).compose(ids -> {
      Future<List<DrillTeardownResult>> all = Future.succeededFuture(new ArrayList<>());
      for (String id : ids) {
        all = all.compose(list -> teardown(id, "").map(t -> {
          list.add(t);
          return list;
        }));
      }
      return all;
    }).compose(list -> {
      DrillTeardownResult.Builder r = DrillTeardownResult.newBuilder().setDrillName(DrillSpecs.PREFIX);
      return removeDomains(DrillSpecs.PREFIX, r).map(v -> {
        if (r.getRemovedDomainsCount() > 0) {
          list.add(r.setNothingLeft(true).build());
        }
        return list;
      });
    });
  }

  /** Destroys (and undefines, if persistent) every domain whose name starts with {@code prefix}. */
  private Future<Void> removeDomains(String prefix, DrillTeardownResult.Builder r) {
    if (prefix.isEmpty()) {
      return Future.succeededFuture();
    }
    return driver.inventory().compose(specs -> {
      Future<Void> chain = Future.succeededFuture();
      for (GuestSpec s : specs) {
        if (!s.getName().startsWith(prefix) || !s.getName().startsWith(DrillSpecs.PREFIX)) {
          continue;
        }
        GuestRef ref = GuestRef.of(s);
        chain = chain.compose(v -> driver.stop(ref, java.time.Duration.ZERO))
            .compose(v -> driver.unregister(ref).recover(e -> e instanceof HypervisorException h
                && h.code().equals("no_such_guest") ? Future.succeededFuture() : Future.failedFuture(e)))
            .map(v -> {
              r.addRemovedDomains(s.getName());
              return null;
            });
      }
      return chain;
    });
  }

  private String recordedName(Path dir) {
    try {
      return new JsonObject(Files.readString(dir.resolve(INFO), StandardCharsets.UTF_8)).getString("drillName", "");
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  /** Deletes a drill directory without following links; returns the number of files deleted. */
  private static long deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return 0;
    }
    List<Path> all;
    try (Stream<Path> s = Files.walk(dir)) {
      all = s.sorted(Comparator.reverseOrder()).toList();
    }
    long files = 0;
    for (Path p : all) {
      if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        files++;
      }
      Files.deleteIfExists(p);
    }
    return files;
  }

  /** The last {@value #EVIDENCE_LINES} lines of a console tail. */
  static String lastLines(String tail) {
    String[] lines = tail.split("\r?\n", -1);
    int end = lines.length;
    if (end > 0 && lines[end - 1].isEmpty()) {
      end--;
    }
    int from = Math.max(0, end - EVIDENCE_LINES);
    return String.join("\n", java.util.Arrays.asList(lines).subList(from, end));
  }

  private HypervisorException classify(String where, Throwable e) {
    if (e instanceof HypervisorException h) {
      return h;
    }
    return new HypervisorException(e instanceof IOException ? ErrorClass.ERROR_CLASS_RETRIABLE
        : ErrorClass.ERROR_CLASS_PERMANENT, "drill_failed", where + ": " + (e.getMessage() == null ? e.toString()
        : e.getMessage()), e);
  }

  private static Duration duration(long nanos) {
    return Duration.newBuilder().setSeconds(nanos / 1_000_000_000L).setNanos((int) (nanos % 1_000_000_000L)).build();
  }
}
