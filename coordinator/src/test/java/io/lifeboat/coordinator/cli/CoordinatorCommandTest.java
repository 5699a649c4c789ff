package io.lifeboat.coordinator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lifeboat.coordinator.config.SiteConfigs;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine;

class CoordinatorCommandTest {

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
    void checkPrintsOneJsonDocumentAndExitsZeroWhenFailoverIsArmed() throws Exception {
        Path config = SiteConfigs.write(dir, "nas", "");
        assertThat(run("--config", config.toString(), "--check", "--json")).isZero();
        JsonObject doc = new JsonObject(out.toString().strip());
        assertThat(doc.getString("nodeId")).isEqualTo("c1");
        assertThat(doc.getBoolean("failoverArmed")).isTrue();
        assertThat(doc.getDouble("leaseTtlSeconds")).isEqualTo(8.0);
        assertThat(doc.getDouble("recoveryStartSeconds")).isEqualTo(10.0);
        assertThat(doc.getJsonArray("voters").encode()).isEqualTo("[\"c1\",\"hostA\",\"hostB\"]");
        assertThat(doc.getValue("httpListen")).isNull();
        assertThat(doc.getJsonArray("hostsWithoutStore")).isEmpty();
    }

    @Test
    void checkExitsOneAndSaysWhyWhenTheCoordinatorSharesTheStandbysBox() throws Exception {
        Path config = SiteConfigs.write(dir, "boxB", "");
        assertThat(run("--config", config.toString(), "--check")).isEqualTo(1);
        assertThat(out.toString()).contains("automatic failover NOT armed: box boxB runs voters [c1, hostB]");
    }

    @Test
    void missingConfigIsAUsageError() {
        assertThat(run("--check")).isEqualTo(2);
    }
}
