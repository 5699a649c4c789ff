package io.lifeboat.lab.site;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.GuestEntry;
import io.lifeboat.lab.Lab;
import io.lifeboat.lab.LabExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The site's plumbing: an agent inside each lab host links to the coordinator running in this JVM on the lab
 * network's gateway, the coordinator sees both hosts UP and the primary's inventory of the protected guests.
 */
@ExtendWith(LabExtension.class)
class AgentLinkLabIT {

  @Test
  void bothAgentsLinkAndReportTheGuests(Lab lab, @TempDir Path work) {
    LabSite.Settings settings = new LabSite.Settings(List.of("link1", "link2"), 30, 60, work);
    try (LabSite site = LabSite.start(lab, settings, line -> System.out.println("[site] " + line))) {
      AtomicReference<CoordinatorState> last = new AtomicReference<>();
      try {
        Awaitility.await("both hosts UP and both guests' disks reported").atMost(Duration.ofSeconds(90))
            .pollInterval(Duration.ofMillis(500)).until(() -> {
              CoordinatorState state = site.coordinator().state();
              last.set(state);
              return LabSite.bothHostsUp(state, site) && site.guests().stream().allMatch(g -> state.guest(g.id())
                  .map(e -> e.spec().getDisksCount() > 0).orElse(false));
            });
      } catch (ConditionTimeoutException e) {
        throw new AssertionError("coordinator state: hosts " + (last.get() == null ? "?" : last.get().hostHealth())
            + ", guests " + (last.get() == null ? "?" : last.get().guests()) + "\n" + site.agentLogs(), e);
      }
      CoordinatorState state = last.get();
      for (SiteGuest g : site.guests()) {
        GuestEntry entry = state.guest(g.id()).orElseThrow();
        assertThat(entry.primaryHostId()).isEqualTo("hostA");
        assertThat(entry.standbyHostId()).isEqualTo("hostB");
        assertThat(entry.ownerHostId()).isEqualTo("hostA");
        assertThat(entry.spec().getName()).isEqualTo(g.name());
        assertThat(entry.spec().getDisks(0).getPath()).endsWith("/" + g.name() + ".vmdk");
        assertThat(entry.spec().getNicsList()).extracting(n -> n.getMacAddress()).containsExactly(g.spec().mac());
      }
      assertThat(site.coordinator().failoverNotArmedReason()).isEmpty();
    }
  }
}
