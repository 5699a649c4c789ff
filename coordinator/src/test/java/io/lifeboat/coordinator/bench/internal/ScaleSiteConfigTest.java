package io.lifeboat.coordinator.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lifeboat.coordinator.config.CoordinatorConfig;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;

class ScaleSiteConfigTest {

    @Test
    void theCoordinatorLoadsTheSiteWithEveryGuestOntoTheNextHostAndFailoverArmed(@TempDir Path dir)
            throws Exception {
        CoordinatorConfig config = CoordinatorConfigLoader.load(ScaleSiteConfig.write(dir, 5, 3));
        assertThat(config.hostIds()).hasSize(5);
        assertThat(config.guests()).hasSize(15);
        CoordinatorConfig.GuestConfig last = config.guests().get(ScaleNames.guestId(4, 2));
        assertThat(last.primaryHostId()).isEqualTo("host4");
        assertThat(last.standbyHostId()).isEqualTo("host0");
        assertThat(last.plan()).isEqualTo("onto-host0");
        assertThat(last.rpo().getSeconds()).isEqualTo(ScaleSiteConfig.RPO_SECONDS);
        assertThat(config.placement().whyNotArmed()).isEmpty();
        assertThat(config.http()).isPresent();
    }

    @Test
    void namesRoundTrip() {
        assertThat(ScaleNames.hostIndex(ScaleNames.hostId(999))).isEqualTo(999);
        assertThat(ScaleNames.hostIndex("hostX")).isEqualTo(-1);
        assertThat(ScaleNames.hostIndex("host")).isEqualTo(-1);
        assertThat(ScaleNames.guestId(999, 9)).isEqualTo("5ca1e000-03e7-4000-8000-000000000009");
    }
}
