package io.lifeboat.lab.site;

import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.GuestEntry;
import io.lifeboat.coordinator.state.RestorePoint;
import io.lifeboat.lab.LabException;
import io.lifeboat.lab.TestGuest;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.FailoverStep;
import io.lifeboat.protocol.v1.GuestState;
import io.lifeboat.protocol.v1.HostHealth;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The steps of a failover run on a {@link LabSite}: wait for the agents to link, for every guest's first restore point
 * on the standby, then kill the primary and wait until every guest is FAILED_OVER and has printed its marker on the
 * standby. Failures say where each guest stood.
 */
public final class SiteFailover {
  private static final Duration POLL = Duration.ofMillis(500);

  /**
   * A guest's restore point as the coordinator recorded it.
   *
   * @param guest the guest
   * @param pointId the point
   * @param snapshotTime when its snapshot was taken
   * @param seenAfter how long after {@code since} of {@link #awaitRestorePoints} it was seen
   */
  public record PointSeen(SiteGuest guest, String pointId, Instant snapshotTime, Duration seenAfter) {}

  /**
   * How one guest failed over.
   *
   * @param guest the guest
   * @param pointId the restore point it was recovered from
   * @param rpo the age of that point when the primary was killed (the data lost)
   * @param rto from the kill to its marker on the standby's serial console, as this JVM saw it
   * @param coordinatorRto from the coordinator's host-loss declaration to the verified boot, as it recorded it
   * @param marker the marker it printed on the standby
   */
  public record Outcome(SiteGuest guest, String pointId, Duration rpo, Duration rto, Duration coordinatorRto,
      TestGuest.Identity marker) {}

  private final LabSite site;

  /** The steps for this site. */
  public SiteFailover(LabSite site) {
    this.site = site;
  }

  /** Waits until the coordinator sees both hosts UP. */
  public void awaitLinked(Duration timeout) {
    awaitState("both agents linked and their hosts UP", timeout, s -> LabSite.bothHostsUp(s, site));
  }

  /** Waits until every guest has a restore point on the standby; returns the newest of each. */
  public List<PointSeen> awaitRestorePoints(Instant since, Duration timeout) {
    Map<String, PointSeen> seen = new LinkedHashMap<>();
    awaitState("a restore point of every guest on " + site.standby().name(), timeout, s -> {
      for (SiteGuest g : site.guests()) {
        if (!seen.containsKey(g.id())) {
          newest(s, g).ifPresent(p -> seen.put(g.id(), new PointSeen(g, p.pointId(), p.snapshotTime(),
              Duration.between(since, Instant.now()))));
        }
      }
      return seen.size() == site.guests().size();
    });
    return List.copyOf(seen.values());
  }

  /**
   * Kills the primary ({@code docker kill}), waits until every guest is FAILED_OVER in the coordinator and its marker
   * is on the standby's serial console, and returns how each went.
   */
  public List<Outcome> killPrimaryAndAwaitFailover(Duration timeout) {
    return cutPrimaryAndAwaitFailover(() -> site.lab().kill(site.primary().name()), timeout);
  }

  /**
   * Cuts the primary off with {@code cut} (a kill, or a network partition), waits until every guest is FAILED_OVER in
   * the coordinator and its marker is on the standby's serial console, and returns how each went (RTO and RPO counted
   * from the cut).
   */
  public List<Outcome> cutPrimaryAndAwaitFailover(Runnable cut, Duration timeout) {
    CoordinatorState before = site.coordinator().state();
    Instant killedAt = Instant.now();
    cut.run();
    Map<String, Instant> markerAt = new LinkedHashMap<>();
    Map<String, TestGuest.Identity> markers = awaitFailedOver(timeout, markerAt);
    List<Outcome> out = new ArrayList<>();
    for (SiteGuest g : site.guests()) {
      Optional<Envelope> verified = site.coordinator().events().stream().map(SiteCoordinator.Event::envelope)
          .filter(e -> e.hasFailoverStepCompleted() && e.getFailoverStepCompleted().getGuestId().equals(g.id())
              && e.getFailoverStepCompleted().getStep() == FailoverStep.FAILOVER_STEP_VERIFY_BOOT)
          .reduce((a, b) -> b);
      String pointId = verified.map(e -> e.getFailoverStepCompleted().getPointId()).orElse("");
      Instant pointTime = before.points(g.id()).stream().filter(p -> p.pointId().equals(pointId))
          .map(RestorePoint::snapshotTime).findFirst()
          .orElseGet(() -> newest(before, g).map(RestorePoint::snapshotTime).orElse(killedAt));
      Duration coordinatorRto = verified.map(e -> e.getFailoverStepCompleted().getElapsed())
          .map(d -> Duration.ofSeconds(d.getSeconds(), d.getNanos())).orElse(Duration.ZERO);
      out.add(new Outcome(g, pointId, Duration.between(pointTime, killedAt), Duration.between(killedAt,
          markerAt.get(g.id())), coordinatorRto, markers.get(g.id())));
    }
    return out;
  }

  /**
   * Waits until every guest is FAILED_OVER in the (current) coordinator and has printed its marker on the standby's
   * serial console; returns each guest's marker by guest id, and puts when this JVM first read it in {@code markerAt}.
   */
  public Map<String, TestGuest.Identity> awaitFailedOver(Duration timeout, Map<String, Instant> markerAt) {
    Map<String, TestGuest.Identity> markers = new LinkedHashMap<>();
    awaitState("every guest FAILED_OVER on " + site.standby().name() + " with its marker on its serial console",
        timeout, s -> {
          for (SiteGuest g : site.guests()) {
            if (!markers.containsKey(g.id())) {
              TestGuest.Identity m = site.markerOnStandby(g);
              if (m != null) {
                markers.put(g.id(), m);
                markerAt.put(g.id(), Instant.now());
              }
            }
          }
          hopeless(s).ifPresent(why -> {
            throw new LabException("lab site: the failover of " + site.primary().name() + " will not happen: " + why
                + "; " + describe(s));
          });
          return markers.size() == site.guests().size() && site.everyGuest(s, GuestState.GUEST_STATE_FAILED_OVER);
        });
    return markers;
  }

  /** Why waiting on is pointless: the primary was declared lost without failover, or a guest's recovery gave up. */
  private Optional<String> hopeless(CoordinatorState s) {
    for (SiteCoordinator.Event event : site.coordinator().events()) {
      Envelope e = event.envelope();
      if (e.hasHostLost() && e.getHostLost().getHostId().equals(site.primary().name())
          && !e.getHostLost().getFailoverArmed()) {
        return Optional.of("it was declared LOST with automatic failover NOT armed");
      }
      // An abandoned recovery is announced as a failed step without a step (a failed step of a recovery that goes
      // on, such as making a failed-over guest persistent, names its step).
      if (e.hasFailoverStepFailed() && !e.getFailoverStepFailed().getWillRetry()
          && e.getFailoverStepFailed().getStep() == FailoverStep.FAILOVER_STEP_UNSPECIFIED
          && s.guest(e.getFailoverStepFailed().getGuestId()).map(g -> g.state() != GuestState.GUEST_STATE_FAILED_OVER)
              .orElse(false)) {
        return Optional.of("the recovery of guest " + s.guest(e.getFailoverStepFailed().getGuestId())
            .map(g -> g.spec().getName()).orElse("?") + " was abandoned");
      }
    }
    return Optional.empty();
  }

  private static Optional<RestorePoint> newest(CoordinatorState s, SiteGuest g) {
    return s.points(g.id()).stream().max(Comparator.comparing(RestorePoint::snapshotTime));
  }

  private void awaitState(String what, Duration timeout, Predicate<CoordinatorState> done) {
    AtomicReference<CoordinatorState> last = new AtomicReference<>();
    try {
      Awaitility.await(what).atMost(timeout).pollInterval(POLL).until(() -> {
        CoordinatorState s = site.coordinator().state();
        last.set(s);
        return done.test(s);
      });
    } catch (ConditionTimeoutException e) {
      throw new LabException("lab site: no " + what + " within " + timeout.toSeconds() + " s; " + describe(last.get()),
          e);
    }
  }

  /** Where the hosts and guests stand, and the last failure the coordinator reported, in one line. */
  public String describe(CoordinatorState s) {
    if (s == null) {
      return "coordinator state unknown";
    }
    StringBuilder b = new StringBuilder("hosts:");
    for (String h : List.of(site.primary().name(), site.standby().name())) {
      b.append(' ').append(h).append('=').append(s.hostHealth(h).map(LabSite::shortName)
          .orElse("never seen"));
    }
    b.append("; guests:");
    for (SiteGuest g : site.guests()) {
      b.append(' ').append(g.name()).append('=').append(s.guest(g.id()).map(GuestEntry::state)
          .map(LabSite::shortName).orElse("unknown")).append(" (").append(s.points(g.id()).size())
          .append(" restore point(s))");
    }
    site.coordinator().events().stream().map(SiteCoordinator.Event::envelope)
        .filter(e -> e.hasHostLost() && !e.getHostLost().getFailoverArmed()).reduce((a, b2) -> b2)
        .ifPresent(e -> b.append("; ").append(e.getHostLost().getHostId()).append(" was declared LOST with automatic "
            + "failover NOT armed (a host that cannot fence itself waits for an admin; its agent reported fencing ")
            .append(s.hostFacts(e.getHostLost().getHostId()).map(f -> f.getFencingCapability().name()
                .replace("FENCING_CAPABILITY_", "")).orElse("nothing")).append(')'));
    site.coordinator().events().stream().map(SiteCoordinator.Event::envelope)
        .filter(Envelope::hasFailoverStepFailed).reduce((a, b2) -> b2).ifPresent(e -> b.append("; last failure: ")
            .append(LabSite.shortName(e.getFailoverStepFailed().getStep())).append(' ')
            .append(e.getFailoverStepFailed().getFailure().getCode()).append(": ")
            .append(e.getFailoverStepFailed().getFailure().getMessage()));
    return b.toString();
  }

  /** Whether the host is LOST for the coordinator. */
  public static boolean lost(CoordinatorState s, String hostId) {
    return s.hostHealth(hostId).orElse(null) == HostHealth.HOST_HEALTH_LOST;
  }
}
