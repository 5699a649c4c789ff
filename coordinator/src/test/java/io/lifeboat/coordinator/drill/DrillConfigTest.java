package io.lifeboat.coordinator.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lifeboat.coordinator.config.ConfigException;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;
import io.lifeboat.coordinator.config.SiteConfigs;

class DrillConfigTest {

    @TempDir
    Path dir;

    private Path withDrill(String drill) throws IOException {
        Path file = SiteConfigs.write(dir, "nas", "");
        Files.writeString(file, Files.readString(file).replace("    destinationDir: /srv/lifeboat\n",
                "    destinationDir: /srv/lifeboat\n    drill:\n" + drill));
        return file;
    }

    @Test
    void aPlanCarriesItsDrillScheduleAndIsolatedNetwork() throws IOException {
        var config = CoordinatorConfigLoader.load(withDrill("      cron: \"0 3 * * 0\"\n      isolatedNetwork: drillnet\n"));
        var drill = config.plans().get("office").getDrill();
        assertThat(drill.getCron()).isEqualTo("0 3 * * 0");
        assertThat(drill.getIsolatedNetwork()).isEqualTo("drillnet");
        assertThat(CoordinatorConfigLoader.load(SiteConfigs.write(dir, "nas", "")).plans().get("office").hasDrill())
                .isFalse();
    }

    @Test
    void aBadCronOrAnUnknownKeyNamesTheKey() throws IOException {
        Path bad = withDrill("      cron: \"0 25 * * 0\"\n");
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(bad)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("plans[0].drill.cron")
                .hasMessageContaining("cron '0 25 * * 0': hour 25 outside 0..23");
        Path unknown = withDrill("      when: weekly\n");
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(unknown)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("when: unknown key");
    }
}
