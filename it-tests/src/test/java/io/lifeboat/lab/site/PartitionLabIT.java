package io.lifeboat.lab.site;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeboat.lab.Lab;
import io.lifeboat.lab.LabExtension;
import io.lifeboat.protocol.v1.HostHealth;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.event.DomainEventType;

/**
 * A partitioned primary fences itself before the standby starts its guest (issue 6, section 8): hostA is cut from the
 * lab network without being killed, its own agent stops the guest when its lease lapses, and only later does the guest
 * start on hostB. Both hypervisors are watched through libvirt lifecycle events from inside the hosts, so hostA stays
 * watched while it is cut off; the times compared are libvirt's own stamps on one machine clock.
 */
@ExtendWith(LabExtension.class)
class PartitionLabIT {
  private static final String GUEST = "pt1";

  @Test
  void partitionedPrimaryFencesItselfBeforeTheStandbyStartsTheGuest(Lab lab, @TempDir Path work) throws Exception {
    List<GuestLifecycleWatch.Change> changes = new CopyOnWriteArrayList<>();
    LabSite.Settings settings = new LabSite.Settings(List.of(GUEST), 30, 60, work);
    try (LabSite site = LabSite.start(lab, settings, line -> System.out.println("[site] " + line));
        InHostLifecycleWatch onPrimary = InHostLifecycleWatch.start(site.primary(), changes);
        InHostLifecycleWatch onStandby = InHostLifecycleWatch.start(site.standby(), changes)) {
      SiteFailover failover = new SiteFailover(site);
      try {
        Awaitility.await("virsh event running in both hosts").atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(300)).until(() -> onPrimary.ready() && onStandby.ready());
        failover.awaitLinked(Duration.ofSeconds(60));
        failover.awaitRestorePoints(Instant.now(), Duration.ofSeconds(120));

        assertThat(site.primary().runningGuests()).as("%s still runs on hostA once the site is linked", GUEST)
            .contains(GUEST);
        Instant cutAt = Instant.now();
        List<SiteFailover.Outcome> outcomes = failover.cutPrimaryAndAwaitFailover(
            () -> lab.partition(site.primary().name()), Duration.ofSeconds(180));
        System.out.println("[site] " + GUEST + " failed over after the partition: RTO "
            + outcomes.get(0).rto().toMillis() / 1000.0 + " s");
        assertThat(outcomes.get(0).marker().markerLine()).isEqualTo(site.guests().get(0).marker());

        Instant fencedAt = Awaitility.await("hostA's own stop of " + GUEST + " seen through its lifecycle events")
            .atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300))
            .until(() -> first(onPrimary.changes(), DomainEventType.STOPPED, DomainEventType.CRASHED), a -> a != null);
        Instant standbyStartedAt = first(onStandby.changes(), DomainEventType.STARTED, DomainEventType.RESUMED);
        System.out.println("[site] hostA stopped " + GUEST + " " + Duration.between(cutAt, fencedAt).toMillis()
            + " ms after the cut; hostB started it " + Duration.between(cutAt, standbyStartedAt).toMillis() + " ms after");
        assertThat(fencedAt).as("hostA's STOPPED of %s (self-fence) comes before hostB's STARTED", GUEST)
            .isAfter(cutAt).isBefore(standbyStartedAt);
        assertThat(site.agentRunning(site.primary())).as("hostA's agent was not killed: it fenced").isTrue();
        assertThat(site.primary().runningGuests()).doesNotContain(GUEST);
        assertThat(onPrimary.changes()).as("hostA never restarted %s", GUEST)
            .noneMatch(c -> c.domain().equals(GUEST) && c.type() == DomainEventType.STARTED);

        // Healed, hostA links again and leaves the guest to hostB, which owns it now.
        lab.heal(site.primary().name());
        Awaitility.await("hostA's agent linked again after the heal").atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> site.coordinator().state().hostHealth("hostA").orElse(null) == HostHealth.HOST_HEALTH_UP);
        Awaitility.await("guest stays off on the healed hostA").during(Duration.ofSeconds(10))
            .atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofSeconds(1))
            .until(() -> !site.primary().runningGuests().contains(GUEST));
        assertThat(onPrimary.changes()).noneMatch(c -> c.domain().equals(GUEST) && c.type() == DomainEventType.STARTED);
        assertThat(site.standby().runningGuests()).contains(GUEST);
      } catch (AssertionError | RuntimeException e) {
        System.out.println("lifecycle events: " + changes);
        System.out.println("coordinator: " + failover.describe(site.coordinator() == null ? null
            : site.coordinator().state()));
        System.out.println(site.agentLogs());
        throw e;
      } finally {
        if (!site.primary().connected()) {
          lab.heal(site.primary().name());
        }
      }
    }
  }

  private static Instant first(List<GuestLifecycleWatch.Change> changes, DomainEventType... types) {
    return changes.stream().filter(c -> c.domain().equals(GUEST) && List.of(types).contains(c.type()))
        .map(GuestLifecycleWatch.Change::at).min(Instant::compareTo).orElse(null);
  }
}
