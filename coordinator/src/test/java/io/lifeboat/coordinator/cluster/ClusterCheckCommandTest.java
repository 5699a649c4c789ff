package io.lifeboat.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lifeboat.coordinator.cli.CoordinatorCommand;
import io.lifeboat.coordinator.config.SiteConfigs;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine;

/** {@code coordinator --check} reports the cluster (members, CP) and the agent listener's TLS. */
class ClusterCheckCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();

    private int run(String... args) {
        CommandLine cli = new CommandLine(new CoordinatorCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(new StringWriter(), true));
        return cli.execute(args);
    }

    @Test
    void checkJsonNamesTheMembersTheCpSubsystemAndTheAgentTls() throws Exception {
        for (String pem : new String[] {"c1.pem", "c1.key", "agents-ca.pem"}) {
            Files.writeString(dir.resolve(pem), "placeholder: --check only reads the configuration\n");
        }
        Path config = SiteConfigs.write(dir, "nas", """
                cluster:
                  name: office
                  host: 127.0.0.1
                  port: 5801
                  eventBusPort: 5901
                  members:
                    - {id: c1, box: nas, address: "127.0.0.1:5801"}
                    - {id: c2, box: pi, address: "127.0.0.1:5802"}
                    - {id: c3, box: office-pc, address: "127.0.0.1:5803"}
                """);
        Files.writeString(config, Files.readString(config).replace("  port: 0\n",
                "  port: 0\n  tls: {cert: c1.pem, key: c1.key, trust: agents-ca.pem, clientAuth: required}\n"));
        assertThat(run("--config", config.toString(), "--check", "--json")).isZero();
        JsonObject report = new JsonObject(out.toString().strip());
        JsonObject cluster = report.getJsonObject("cluster");
        assertThat(cluster.getString("name")).isEqualTo("office");
        assertThat(cluster.getJsonArray("members").stream().map(String::valueOf).toList())
                .containsExactly("127.0.0.1:5801", "127.0.0.1:5802", "127.0.0.1:5803");
        assertThat(cluster.getBoolean("cpSubsystem")).isTrue();
        assertThat(cluster.getInteger("cpMemberCount")).isEqualTo(3);
        assertThat(cluster.getInteger("eventBusPort")).isEqualTo(5901);
        assertThat(cluster.getBoolean("multicast")).isFalse();
        assertThat(cluster.getBoolean("phoneHome")).isFalse();
        JsonObject tls = report.getJsonObject("agentTls");
        assertThat(tls.getString("clientAuth")).isEqualTo("required");
        assertThat(tls.getString("trust")).isEqualTo(dir.resolve("agents-ca.pem").toString());
    }

    @Test
    void aSingleCoordinatorHasNoClusterAndPlainTcp() throws Exception {
        Path config = SiteConfigs.write(dir, "nas", "");
        assertThat(run("--config", config.toString(), "--check", "--json")).isZero();
        JsonObject report = new JsonObject(out.toString().strip());
        assertThat(report.containsKey("cluster")).isTrue();
        assertThat(report.getValue("cluster")).isNull();
        assertThat(report.getValue("agentTls")).isNull();
        out.getBuffer().setLength(0);
        assertThat(run("--config", config.toString(), "--check")).isZero();
        assertThat(out.toString()).contains("single coordinator (epoch in its journal), agent links over plain TCP");
    }
}
