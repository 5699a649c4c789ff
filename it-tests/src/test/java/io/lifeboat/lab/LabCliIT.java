package io.lifeboat.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeboat.lab.cli.LabCommand;
import io.lifeboat.lab.internal.LabLabels;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import picocli.CommandLine;

/** The {@code lab} command: up, kill, restart, partition, heal and down, each finding the lab by its labels. */
class LabCliIT {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private JsonObject run(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    int exit = new CommandLine(new LabCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
        .execute(args);
    assertThat(exit).as("lab %s: %s", String.join(" ", args), err).isZero();
    return new JsonObject(out.toString().strip());
  }

  @Test
  void upKillRestartPartitionHealDownLeavesNothing() {
    try {
      JsonObject up = run("up", "1", "--json");
      assertThat(up.getJsonArray("hosts")).hasSize(1);
      JsonObject hostA = up.getJsonArray("hosts").getJsonObject(0);
      assertThat(hostA.getString("name")).isEqualTo("hostA");
      assertThat(hostA.getString("state")).isEqualTo("RUNNING");
      assertThat(hostA.getString("libvirtUri")).matches("qemu\\+tcp://127\\.0\\.0\\.1:\\d+/system");
      assertThat(up.getDouble("upSeconds")).isPositive();

      assertThat(run("kill", "hostA", "--json").getString("state")).isEqualTo("KILLED");
      assertThat(run("restart", "hostA", "--json").getString("state")).isEqualTo("RUNNING");
      assertThat(run("partition", "hostA", "--json").getString("state")).isEqualTo("PARTITIONED");
      assertThat(run("heal", "hostA", "--json").getString("state")).isEqualTo("RUNNING");

      JsonObject down = run("down", "--json");
      assertThat(down.getJsonArray("removedHosts").encode()).isEqualTo("[\"hostA\"]");
    } finally {
      new CommandLine(new LabCommand()).execute("down");
    }
    var docker = DockerClientFactory.instance().client();
    assertThat(docker.listContainersCmd().withShowAll(true)
        .withLabelFilter(Map.of(LabLabels.MODE, Lab.Mode.CLI.label())).exec()).isEmpty();
    assertThat(docker.listNetworksCmd().withFilter("label", List.of(LabLabels.MODE + "=" + Lab.Mode.CLI.label()))
        .exec()).isEmpty();
  }

  @Test
  void commandsOnAMissingLabFailNamingWhatIsMissing() {
    new CommandLine(new LabCommand()).execute("down");
    int exit = new CommandLine(new LabCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
        .execute("kill", "hostA");
    assertThat(exit).isEqualTo(1);
    assertThat(err.toString()).contains("no lab is up");
  }
}
