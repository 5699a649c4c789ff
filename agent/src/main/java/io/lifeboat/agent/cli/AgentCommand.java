package io.lifeboat.agent.cli;

import io.lifeboat.agent.link.AgentConfig;
import io.lifeboat.agent.link.AgentRuntime;
import io.lifeboat.agent.link.VoterAddress;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lifeboat agent --config FILE}: runs the host's agent until it is stopped; {@code --check} only validates. */
@Command(name = "agent", description = "Run an agent: --config FILE (YAML). --check validates it and exits.",
    mixinStandardHelpOptions = true)
public final class AgentCommand implements Callable<Integer> {

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "YAML configuration file")
  Path config;

  @Option(names = "--check", description = "Validate the configuration, print a summary, exit")
  boolean check;

  @Option(names = "--json", description = "With --check: print one JSON document")
  boolean json;

  /**
   * Runs {@code agent} without the launcher (the lab starts agents this way from the test classpath): errors are one
   * line on stderr, no stack trace; exit 0 success, 1 failure, 2 usage error.
   */
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The agent command line with the launcher's one-line error handling. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new AgentCommand());
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      Throwable t = ex;
      while ((t.getMessage() == null || t.getMessage().isBlank()) && t.getCause() != null) {
        t = t.getCause();
      }
      String message = t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getSimpleName()
          : t.getMessage().replace('\n', ' ');
      cmd.getErr().println("agent: " + message);
      cmd.getErr().flush();
      return 1;
    });
    return cl;
  }

  @Override
  public Integer call() throws Exception {
    AgentConfig c = AgentConfig.read(config);
    if (check) {
      JsonObject summary = new JsonObject().put("config", config.toString()).put("hostId", c.hostId())
          .put("stateDir", c.stateDir().toString())
          .put("coordinators", new JsonArray(c.coordinators().stream().map(VoterAddress::toString).toList()))
          .put("peers", new JsonArray(c.peers().stream().map(VoterAddress::toString).toList()))
          .put("driverKind", c.driver().kind()).put("driverUri", c.driver().uri())
          .put("agentless", c.driver().ssh() != null).put("fenceProcess", c.fenceProcess())
          .put("heartbeatSeconds", c.heartbeat().toMillis() / 1000.0)
          .put("fenceDeadlineSeconds", c.fenceDeadline().toMillis() / 1000.0)
          .put("leaseTtlSeconds", c.leaseTtl().toMillis() / 1000.0)
          .put("protectedGuests", c.protectedGuests().size())
          .put("store", c.store() == null ? null : new JsonObject().put("id", c.store().id())
              .put("dir", c.store().dir().toString()).put("listen", c.store().listen())
              .put("tls", c.tls() != null)
              .put("guestDirs", new JsonArray(c.store().guestDirs().stream().map(Path::toString).toList())));
      System.out.println(json ? summary.encode() : "agent " + c.hostId() + ": configuration " + config
          + " is valid (" + c.coordinators().size() + " coordinator(s), " + c.peers().size() + " peer(s), driver "
          + c.driver().kind() + ", fence process " + c.fenceProcess()
          + (c.store() == null ? ", no store" : ", store " + c.store().id() + " in " + c.store().dir() + " on "
              + c.store().listen() + (c.tls() != null ? " (TLS)" : "") + ", disks into "
              + c.store().guestDirs().stream().map(Path::toString).collect(java.util.stream.Collectors.joining(", ")))
          + ")");
      return 0;
    }
    Vertx vertx = Vertx.vertx();
    CountDownLatch stopped = new CountDownLatch(1);
    AgentRuntime runtime;
    try {
      runtime = AgentRuntime.start(vertx, c).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      vertx.close();
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException("agent " + c.hostId() + " (" + config + "): " + cause.getMessage(), cause);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        runtime.stop(vertx).eventually(vertx::close).toCompletionStage().toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // Exiting anyway.
      } finally {
        stopped.countDown();
      }
    }, "lifeboat-agent-shutdown"));
    stopped.await();
    return 0;
  }
}
