package io.lifeboat.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeboat.agent.link.AgentConfig;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AgentCommandTest {
  static final String VALID = """
      hostId: oldserver
      stateDir: state
      coordinators: ["c1@10.0.0.5:7400"]
      peers: ["hostA@10.0.0.6:7401"]
      listen: "0.0.0.0:7401"
      secretFile: site.secret
      timers: {heartbeatMillis: 1000, fenceDeadlineMillis: 6000, leaseTtlMillis: 8000}
      driver:
        kind: vmware
        uri: https://oldserver:8333/sdk
        user: root
        passwordFile: vmware.password
        datastores: {standard: "/var/lib/vmware/Virtual Machines"}
        ssh: {user: root, host: oldserver, port: 22, identityFile: id_ed25519, knownHosts: known_hosts}
      fenceProcess: vmrun
      protectedGuests: {"6f1c2a3b-0000-4000-8000-000000000001": "mail"}
      """;

  @TempDir
  Path dir;

  @Test
  void checkPrintsOneJsonDocumentWithLowerCamelKeysAndSeconds() throws Exception {
    Path file = Files.writeString(dir.resolve("agent.yaml"), VALID);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream old = System.out;
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      code = new CommandLine(new AgentCommand()).execute("--config", file.toString(), "--check", "--json");
    } finally {
      System.setOut(old);
    }
    assertThat(code).isZero();
    JsonObject json = new JsonObject(out.toString(StandardCharsets.UTF_8).strip());
    assertThat(json.getString("hostId")).isEqualTo("oldserver");
    assertThat(json.getBoolean("agentless")).isTrue();
    assertThat(json.getDouble("fenceDeadlineSeconds")).isEqualTo(6.0);
    assertThat(json.getJsonArray("coordinators").getString(0)).isEqualTo("c1@10.0.0.5:7400");
    assertThat(json.getString("stateDir")).isEqualTo(dir.resolve("state").toString());
    assertThat(json.containsKey("store")).isTrue();
    assertThat(json.getValue("store")).isNull();
  }

  @Test
  void checkShowsTheStandbyStore() throws Exception {
    Path file = Files.writeString(dir.resolve("agent.yaml"), VALID + """
        store: {dir: /var/lib/lifeboat/store, listen: "0.0.0.0:7402", id: main}
        """);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream old = System.out;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      assertThat(new CommandLine(new AgentCommand()).execute("--config", file.toString(), "--check", "--json"))
          .isZero();
      assertThat(new CommandLine(new AgentCommand()).execute("--config", file.toString(), "--check")).isZero();
    } finally {
      System.setOut(old);
    }
    String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
    JsonObject store = new JsonObject(lines[0]).getJsonObject("store");
    assertThat(store.getString("id")).isEqualTo("main");
    assertThat(store.getString("dir")).isEqualTo("/var/lib/lifeboat/store");
    assertThat(store.getString("listen")).isEqualTo("0.0.0.0:7402");
    assertThat(store.getJsonArray("guestDirs").getString(0)).isEqualTo("/var/lib/lifeboat/guests");
    assertThat(store.getJsonArray("guestDirs").size()).isEqualTo(1);
    assertThat(lines[1]).contains("store main in /var/lib/lifeboat/store on 0.0.0.0:7402")
        .contains("disks into /var/lib/lifeboat/guests");
  }

  @Test
  void configErrorsNameFileAndKey() throws Exception {
    Path file = dir.resolve("agent.yaml");
    Files.writeString(file, VALID.replace("fenceProcess: vmrun", "fenceProcess: vmrun\nbogus: 1"));
    assertThatThrownBy(() -> AgentConfig.read(file)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(file + ": unknown key bogus");
    Files.writeString(file, VALID.replace("fenceDeadlineMillis: 6000", "fenceDeadlineMillis: 9000"));
    assertThatThrownBy(() -> AgentConfig.read(file))
        .hasMessage(file + ": timers: need heartbeatMillis < fenceDeadlineMillis < leaseTtlMillis");
    Files.writeString(file, VALID.replace("c1@10.0.0.5:7400", "c1@10.0.0.5"));
    assertThatThrownBy(() -> AgentConfig.read(file)).hasMessageContaining(file + ": coordinators: voter \"c1@10.0.0.5\"");
    Files.writeString(file, VALID.replace("hostId: oldserver", "hostId: \"../evil host\""));
    assertThatThrownBy(() -> AgentConfig.read(file)).hasMessageContaining("hostId \"../evil host\"");
    Files.writeString(file, VALID.replace("kind: vmware", "kind: hyperv"));
    assertThatThrownBy(() -> AgentConfig.read(file)).hasMessage(file + ": driver.kind \"hyperv\" is neither libvirt nor vmware");
    Files.writeString(file, VALID.replace("  ssh: {", "  ssh: {extra: 1, "));
    assertThatThrownBy(() -> AgentConfig.read(file)).hasMessageStartingWith(file + ": unknown key driver.ssh.extra");
  }

  @Test
  void usageErrorsExitTwo() {
    assertThat(new CommandLine(new AgentCommand()).execute("--check")).isEqualTo(2);
  }

  @Test
  void standaloneCommandLinePrintsFailuresAsOneLineAndExitsOne() throws Exception {
    Path file = Files.writeString(dir.resolve("agent.yaml"), VALID + "bogus: 1\n");
    java.io.StringWriter err = new java.io.StringWriter();
    CommandLine cl = AgentCommand.commandLine();
    cl.setErr(new java.io.PrintWriter(err));
    assertThat(cl.execute("--config", file.toString(), "--check")).isEqualTo(1);
    assertThat(err.toString()).startsWith("agent: " + file + ": unknown key bogus").endsWith(System.lineSeparator())
        .hasLineCount(1);
    assertThat(AgentCommand.commandLine().execute("--check")).isEqualTo(2);
  }
}
