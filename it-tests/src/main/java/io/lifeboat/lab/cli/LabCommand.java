package io.lifeboat.lab.cli;

import io.lifeboat.lab.Lab;
import io.lifeboat.lab.LabException;
import io.lifeboat.lab.LabHost;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lab}: the lab of containerised hypervisor hosts, driven by hand. {@code lab up N} starts a lab that outlives
 * the command; the other subcommands find it by its Docker labels, from any shell.
 */
@Command(name = "lab", mixinStandardHelpOptions = true,
    description = "The lab of containerised hypervisor hosts (libvirtd + QEMU + sshd).",
    subcommands = {LabCommand.Up.class, LabCommand.Down.class, LabCommand.Kill.class, LabCommand.Restart.class,
        LabCommand.Partition.class, LabCommand.Heal.class})
public final class LabCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }

  static Lab attached() {
    return Lab.attachCli().orElseThrow(() -> new LabException("lab: no lab is up (run `lab up N` first)"));
  }

  static JsonObject hostJson(LabHost host) {
    String state = host.state();
    JsonObject json = new JsonObject().put("name", host.name()).put("state", state)
        .put("container", host.getContainerId().substring(0, 12));
    if (!"KILLED".equals(state)) {
      json.put("labAddress", host.labAddress());
      if ("RUNNING".equals(state)) {
        json.put("libvirtUri", host.libvirtUri()).put("sshHost", host.publishedHost()).put("sshPort", host.sshPort());
      }
    }
    json.put("libvirtUriInLab", host.libvirtUriInLab());
    return json;
  }

  static JsonObject labJson(Lab lab) {
    JsonArray hosts = new JsonArray();
    lab.hosts().forEach(h -> hosts.add(hostJson(h)));
    return new JsonObject().put("runId", lab.runId()).put("network", lab.networkName())
        .put("knownHostsFile", lab.knownHosts().toString()).put("identityFile", lab.identityFile().toString())
        .put("hosts", hosts);
  }

  static void printHost(PrintWriter out, LabHost host) {
    JsonObject h = hostJson(host);
    out.printf("%-8s %-12s libvirt %-40s ssh %s%n", host.name(), h.getString("state"),
        h.getString("libvirtUri", "-"), h.containsKey("sshPort") ? "root@127.0.0.1 -p " + h.getInteger("sshPort") : "-");
  }

  /** {@code lab up N}: replaces any previous CLI lab with N fresh hosts. */
  @Command(name = "up", mixinStandardHelpOptions = true, description = "Start a lab of N hosts (hostA, hostB, ...).")
  public static final class Up implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "number of hosts (1-26)")
    int count;

    @Option(names = "--json", description = "print one JSON document")
    boolean json;

    @Override
    public Integer call() {
      if (count < 1 || count > 26) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "N must be between 1 and 26, got " + count);
      }
      long started = System.nanoTime();
      Lab lab = Lab.create(Lab.Mode.CLI);
      try {
        lab.up(count);
      } catch (RuntimeException e) {
        lab.down();
        throw e;
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println(labJson(lab).put("upSeconds", seconds).encode());
      } else {
        out.printf("lab %s up in %.1f s (network %s)%n", lab.runId(), seconds, lab.networkName());
        lab.hosts().forEach(h -> printHost(out, h));
        out.printf("ssh: ssh -i %s -o UserKnownHostsFile=%s root@127.0.0.1 -p PORT%n", lab.identityFile(),
            lab.knownHosts());
      }
      out.flush();
      return 0;
    }
  }

  /** {@code lab down}: removes the CLI lab and checks nothing is left. */
  @Command(name = "down", mixinStandardHelpOptions = true, description = "Remove the lab: hosts, guests, network.")
  public static final class Down implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "print one JSON document")
    boolean json;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      var lab = Lab.attachCli();
      if (lab.isEmpty()) {
        if (json) {
          out.println(new JsonObject().put("removedHosts", new JsonArray()).put("leftovers", new JsonArray()).encode());
        } else {
          out.println("no lab is up");
        }
        out.flush();
        return 0;
      }
      long started = System.nanoTime();
      String runId = lab.get().runId();
      List<String> names = lab.get().hosts().stream().map(LabHost::name).toList();
      lab.get().down();
      double seconds = (System.nanoTime() - started) / 1e9;
      if (json) {
        out.println(new JsonObject().put("runId", runId).put("removedHosts", new JsonArray(List.copyOf(names)))
            .put("leftovers", new JsonArray()).put("downSeconds", seconds).encode());
      } else {
        out.printf("lab %s down: removed %s and its network; nothing left%n", runId, names);
      }
      out.flush();
      return 0;
    }
  }

  /** Shared shape of the per-host subcommands. */
  abstract static class HostAction implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HOST", description = "host name, e.g. hostA")
    String host;

    @Option(names = "--json", description = "print one JSON document")
    boolean json;

    abstract void apply(Lab lab, String host);

    abstract String verb();

    @Override
    public Integer call() {
      Lab lab = attached();
      long started = System.nanoTime();
      apply(lab, host);
      double seconds = (System.nanoTime() - started) / 1e9;
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println(hostJson(lab.host(host)).put("action", verb()).put("actionSeconds", seconds).encode());
      } else {
        out.printf("%s %s in %.1f s%n", host, verb(), seconds);
        printHost(out, lab.host(host));
      }
      out.flush();
      return 0;
    }
  }

  /** {@code lab kill H}: SIGKILL every process of the host, guests included. */
  @Command(name = "kill", mixinStandardHelpOptions = true, description = "Kill a host (docker kill).")
  public static final class Kill extends HostAction {
    @Override
    void apply(Lab lab, String h) {
      lab.kill(h);
    }

    @Override
    String verb() {
      return "killed";
    }
  }

  /** {@code lab restart H}: bring a killed host back with its files as they were. */
  @Command(name = "restart", mixinStandardHelpOptions = true, description = "Bring a killed host back (docker start).")
  public static final class Restart extends HostAction {
    @Override
    void apply(Lab lab, String h) {
      lab.restart(h);
    }

    @Override
    String verb() {
      return "restarted";
    }
  }

  /** {@code lab partition H}: disconnect the host from the lab network. */
  @Command(name = "partition", mixinStandardHelpOptions = true, description = "Cut a host off the lab network.")
  public static final class Partition extends HostAction {
    @Override
    void apply(Lab lab, String h) {
      lab.partition(h);
    }

    @Override
    String verb() {
      return "partitioned";
    }
  }

  /** {@code lab heal H}: reconnect a partitioned host. */
  @Command(name = "heal", mixinStandardHelpOptions = true, description = "Reconnect a partitioned host.")
  public static final class Heal extends HostAction {
    @Override
    void apply(Lab lab, String h) {
      lab.heal(h);
    }

    @Override
    String verb() {
      return "healed";
    }
  }
}
