package io.lifeboat.coordinator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lifeboat.protocol.v1.BootCheckKind;

class CoordinatorConfigLoaderTest {

    @TempDir
    Path dir;

    @Test
    void loadsASiteWithDefaultsResolvedAgainstTheFile() throws IOException {
        CoordinatorConfig config = CoordinatorConfigLoader.load(SiteConfigs.write(dir, "nas", ""));
        assertThat(config.nodeId()).isEqualTo("c1");
        assertThat(config.journalDir()).isEqualTo(dir.resolve("journal"));
        assertThat(config.hostIds()).containsExactly("hostA", "hostB");
        assertThat(config.hosts().get("hostB").keyId()).contains("hostb-key");
        assertThat(new String(config.secrets().get("site"), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(SiteConfigs.SECRET);
        assertThat(config.timers().leaseTtlNanos()).isEqualTo(8_000_000_000L);
        assertThat(config.plans().get("office").getNetworkMapMap()).containsEntry("VM Network", "br0");
        assertThat(config.plans().get("office").getEntries(0).getBootCheck().getKind())
                .isEqualTo(BootCheckKind.BOOT_CHECK_KIND_SERIAL_MARKER);
        assertThat(config.placement().whyNotArmed()).isEmpty();
        assertThat(config.hosts().get("hostA").store()).contains("127.0.0.1:7402");
        assertThat(config.hosts().get("hostA").probeHypervisor()).contains("qemu+tcp://127.0.0.1/system");
        assertThat(config.hosts().get("hostB").probeSsh()).contains("127.0.0.1:2223");
        assertThat(config.guests().get("7f1c8d2e-0000-4000-8000-000000000001").rpo())
                .isEqualTo(java.time.Duration.ofSeconds(600));
        assertThat(config.http()).isEmpty();
    }

    @Test
    void storeProbeRpoAndHttpAreOptionalAndChecked() throws IOException {
        Path file = SiteConfigs.write(dir, "nas", "http:\n  listen: \"127.0.0.1:0\"\n");
        String text = Files.readString(file);
        Files.writeString(file, text.replace("    rpo: 600\n", "").replace("    store: \"127.0.0.1:7403\"\n", ""));
        CoordinatorConfig config = CoordinatorConfigLoader.load(file);
        assertThat(config.http()).contains(new HostPort("127.0.0.1", 0));
        assertThat(config.hosts().get("hostB").store()).isEmpty();
        assertThat(config.guests().values()).singleElement()
                .satisfies(g -> assertThat(g.rpo()).isEqualTo(CoordinatorConfig.DEFAULT_RPO));

        Files.writeString(file, text.replace("store: \"127.0.0.1:7402\"", "store: \"127.0.0.1\""));
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(file))
                .hasMessage(file + ": hosts[0].store: '127.0.0.1' is not HOST:PORT");
        Files.writeString(file, text.replace("ssh: \"127.0.0.1:2222\"", "ssh: \"127.0.0.1:70000\""));
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(file))
                .hasMessage(file + ": hosts[0].probe.ssh: '127.0.0.1:70000': port 70000 outside 1..65535");
        Files.writeString(file, text.replace("      ssh: \"127.0.0.1:2222\"", "      telnet: \"127.0.0.1:23\""));
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(file))
                .hasMessage(file + ": hosts[0].probe.telnet: unknown key (allowed: hypervisor, ssh)");
        Files.writeString(file, text.replace("hypervisor: \"qemu+tcp://127.0.0.1/system\"",
                "hypervisor: \"qemu+tcp:///system\""));
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(file))
                .hasMessage(file + ": hosts[0].probe.hypervisor: URI 'qemu+tcp:///system' names no host");
        Files.writeString(file, text.replace("rpo: 600", "rpo: fast"));
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(file))
                .hasMessage(file + ": guests[0].rpo: expected a number of seconds >= 0, got 'fast'");
    }

    @Test
    void hypervisorEndpointsAreHostPortsOrUris() {
        assertThat(HostPort.parseEndpoint("qemu+tcp://10.0.0.2/system")).isEqualTo(new HostPort("10.0.0.2", 16509));
        assertThat(HostPort.parseEndpoint("qemu+tcp://10.0.0.2:16600/system"))
                .isEqualTo(new HostPort("10.0.0.2", 16600));
        assertThat(HostPort.parseEndpoint("https://esx.local/sdk")).isEqualTo(new HostPort("esx.local", 443));
        assertThat(HostPort.parseEndpoint("[fe80::1]:22")).isEqualTo(new HostPort("fe80::1", 22));
        assertThat(new HostPort("fe80::1", 22)).hasToString("[fe80::1]:22");
    }

    @Test
    void coordinatorOnTheStandbyBoxIsLoadedButNotArmed() throws IOException {
        CoordinatorConfig config = CoordinatorConfigLoader.load(SiteConfigs.write(dir, "boxB", ""));
        assertThat(config.placement().whyNotArmed()).hasValueSatisfying(why -> assertThat(why)
                .contains("box boxB runs voters [c1, hostB]"));
    }

    @Test
    void errorsNameTheFileAndTheKey() throws IOException {
        Path file = SiteConfigs.write(dir, "nas", "colour: blue\n");
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(file)).isInstanceOf(ConfigException.class)
                .hasMessage(file + ": colour: unknown key (allowed: nodeId, box, listen, http, journalDir, secrets, "
                        + "hosts, timers, plans, guests, users, cluster, notify)");
        Path timers = SiteConfigs.write(dir, "nas", "timers:\n  fenceDeadlineSeconds: 9\n");
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(timers))
                .hasMessageStartingWith(timers + ": timers: timers: agent fence deadline 9.000 s must be shorter "
                        + "than lease TTL 8.000 s");
        Files.writeString(dir.resolve("site.secret"), "short");
        String yaml = Files.readString(file).replace("colour: blue\n", "");
        Files.writeString(file, yaml);
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(file))
                .hasMessageContaining(file + ": secrets.site: secret in")
                .hasMessageContaining("is 5 bytes, at least 16 are needed");
    }

    @Test
    void referencesToUnknownHostsAndPlansAreErrors() throws IOException {
        Path file = SiteConfigs.write(dir, "nas", "");
        Files.writeString(file, Files.readString(file).replace("standby: hostB", "standby: hostC"));
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(file))
                .hasMessage(file + ": guests[0].standby: host 'hostC' is not under hosts");
        Files.writeString(file, Files.readString(file).replace("standby: hostC", "standby: hostB")
                .replace("- id: hostA", "- id: host.A"));
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(file))
                .hasMessageContaining(file + ": hosts[0].id: 'host.A' is not an address-safe id");
    }

    @Test
    void malformedYamlIsOneLineNamingTheFile() throws IOException {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "nodeId: [c1\n");
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(file)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ": not valid YAML:")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
