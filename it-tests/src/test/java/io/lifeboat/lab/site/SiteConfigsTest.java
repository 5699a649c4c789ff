package io.lifeboat.lab.site;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeboat.agent.link.AgentConfig;
import io.lifeboat.coordinator.api.auth.PasswordHasher;
import io.lifeboat.coordinator.config.CoordinatorConfig;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;
import io.lifeboat.protocol.v1.BootCheckKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lab site's YAML is read by the real agent and coordinator loaders, with the keys of the issue 6 contract. */
class SiteConfigsTest {
  private final SiteConfigs.Host hostA = new SiteConfigs.Host("hostA", "172.30.0.2");
  private final SiteConfigs.Host hostB = new SiteConfigs.Host("hostB", "172.30.0.3");
  private final List<SiteGuest> guests = List.of(SiteGuest.named("demo1"), SiteGuest.named("demo2"));

  @Test
  void theStandbyAgentRunsTheStoreAndThePrimaryProtectsTheGuests(@TempDir Path dir) throws Exception {
    Path primary = Files.writeString(dir.resolve("a.yaml"),
        SiteConfigs.agent(hostA, hostB, "172.30.0.1", 7400, guests, false));
    Path standby = Files.writeString(dir.resolve("b.yaml"),
        SiteConfigs.agent(hostB, hostA, "172.30.0.1", 7400, List.of(), true));

    AgentConfig a = AgentConfig.read(primary);
    assertThat(a.hostId()).isEqualTo("hostA");
    assertThat(a.coordinators()).hasSize(1).allMatch(c -> c.toString().contains("172.30.0.1:7400"));
    assertThat(a.peers()).hasSize(1).allMatch(p -> p.toString().contains("172.30.0.3:7401"));
    assertThat(a.protectedGuests()).containsEntry(guests.get(0).id(), "demo1").containsEntry(guests.get(1).id(),
        "demo2");
    assertThat(a.fenceProcess()).isEqualTo("libvirt");
    assertThat(a.store()).isNull();

    AgentConfig b = AgentConfig.read(standby);
    assertThat(b.store()).isNotNull();
    assertThat(b.store().dir()).isEqualTo(Path.of(SiteConfigs.STORE_DIR));
    assertThat(b.store().listenPort()).isEqualTo(SiteConfigs.STORE_PORT);
    assertThat(b.store().guestDirs()).anyMatch(d -> Path.of(SiteConfigs.RECOVERED_DIR).startsWith(d));
    assertThat(b.protectedGuests()).isEmpty();
  }

  @Test
  void theCoordinatorKnowsStoresProbesRpoAndTheMarkerBootCheck(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("site.secret"), "0123456789abcdef0123456789abcdef\n");
    Path file = Files.writeString(dir.resolve("coordinator.yaml"),
        SiteConfigs.coordinator("172.30.0.1", 7480, hostA, hostB, guests, 30, 60));

    CoordinatorConfig c = CoordinatorConfigLoader.load(file);
    assertThat(c.listenHost()).isEqualTo("172.30.0.1");
    assertThat(c.placement().whyNotArmed()).isEmpty();
    assertThat(c.hosts().get("hostB").store()).contains("172.30.0.3:7402");
    assertThat(c.hosts().get("hostA").probeHypervisor()).isPresent();
    assertThat(c.hosts().get("hostA").probeSsh()).contains("172.30.0.2:22");
    assertThat(c.guests().values()).extracting(CoordinatorConfig.GuestConfig::rpo)
        .containsOnly(Duration.ofSeconds(30));
    assertThat(c.plans().get(SiteConfigs.PLAN).getTargetHostId()).isEqualTo("hostB");
    assertThat(c.plans().get(SiteConfigs.PLAN).getNetworkMapMap()).containsEntry("", "user");
    assertThat(c.plans().get(SiteConfigs.PLAN).getEntriesList()).allSatisfy(e -> {
      assertThat(e.getBootCheck().getKind()).isEqualTo(BootCheckKind.BOOT_CHECK_KIND_SERIAL_MARKER);
      assertThat(e.getBootCheck().getSerialMarker()).startsWith("LIFEBOAT-MARKER name=demo");
    });
  }

  @Test
  void theSiteHasAnAdminAndAViewerWithHashedPasswordsAndItsAgentsCanBeSlowedDown(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("site.secret"), "0123456789abcdef0123456789abcdef\n");
    String yaml = SiteConfigs.coordinator("172.30.0.1", 7480, hostA, hostB, guests, 30, 60)
        + SiteConfigs.users("the admin's passphrase", "the viewer's passphrase");
    assertThat(yaml).doesNotContain("passphrase");
    CoordinatorConfig c = CoordinatorConfigLoader.load(Files.writeString(dir.resolve("coordinator.yaml"), yaml));
    assertThat(c.users()).containsOnlyKeys(SiteConfigs.ADMIN_USER, SiteConfigs.VIEWER_USER);
    assertThat(c.users().get(SiteConfigs.ADMIN_USER).admin()).isTrue();
    assertThat(c.users().get(SiteConfigs.VIEWER_USER).admin()).isFalse();
    assertThat(PasswordHasher.matches("the admin's passphrase".toCharArray(),
        c.users().get(SiteConfigs.ADMIN_USER).passwordHash())).isTrue();
    assertThat(CoordinatorConfigLoader.load(Files.writeString(dir.resolve("admin-only.yaml"),
        SiteConfigs.coordinator("172.30.0.1", 7480, hostA, hostB, guests, 30, 60)
            + SiteConfigs.users("the admin's passphrase", null))).users()).containsOnlyKeys(SiteConfigs.ADMIN_USER);

    AgentConfig a = AgentConfig.read(Files.writeString(dir.resolve("a.yaml"),
        SiteConfigs.agent(hostA, hostB, "172.30.0.1", 7400, guests, false) + SiteConfigs.replication("12M")));
    assertThat(a.replicationLimitBytesPerSecond()).isEqualTo(12L << 20);
  }
}
