package io.lifeboat.coordinator.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.lifeboat.coordinator.CoordinatorVerticle;
import io.lifeboat.coordinator.api.cli.HashPasswordCommand;
import io.lifeboat.coordinator.cluster.ClusterCheck;
import io.lifeboat.coordinator.cluster.ClusteredCoordinator;
import io.lifeboat.coordinator.cluster.HazelcastSetup;
import io.lifeboat.coordinator.config.CoordinatorConfig;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;
import io.lifeboat.coordinator.health.LeaseTimers;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lifeboat coordinator --config FILE}: runs a coordinator until Ctrl-C; with {@code --check}, only validates
 * the configuration (timer order, voter placement) and says whether automatic failover would be armed.
 */
@Command(name = "coordinator", subcommands = HashPasswordCommand.class, description = "Run a coordinator: accept "
        + "agent links, detect host loss, fail guests over. --check validates the configuration only (exit 1 when "
        + "automatic failover would not be armed).")
public final class CoordinatorCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    // Not required by picocli, so that the hash-password subcommand runs without it; call() insists.
    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file (required).")
    Path config;

    @Option(names = "--check", description = "Validate the configuration and exit.")
    boolean check;

    @Option(names = "--json", description = "With --check: print one JSON document.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (config == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "Missing required option: '--config=FILE'");
        }
        CoordinatorConfig cfg = CoordinatorConfigLoader.load(config);
        PrintWriter out = spec.commandLine().getOut();
        java.util.Optional<String> notArmed = cfg.placement().whyNotArmed();
        if (check) {
            LeaseTimers t = cfg.timers();
            if (json) {
                out.println(new JsonObject().put("nodeId", cfg.nodeId())
                        .put("voters", new JsonArray(cfg.placement().voters()))
                        .put("failoverArmed", notArmed.isEmpty()).put("notArmedReason", notArmed.orElse(null))
                        .put("heartbeatSeconds", t.heartbeatIntervalNanos() / 1e9)
                        .put("suspectSeconds", t.suspectAfterNanos() / 1e9)
                        .put("fenceDeadlineSeconds", t.fenceDeadlineNanos() / 1e9)
                        .put("leaseTtlSeconds", t.leaseTtlNanos() / 1e9)
                        .put("recoveryStartSeconds", t.recoveryStartNanos() / 1e9)
                        .put("plans", new JsonArray(java.util.List.copyOf(cfg.plans().keySet())))
                        .put("guests", cfg.guests().size())
                        .put("httpListen", cfg.http().map(Object::toString).orElse(null))
                        .put("cluster", ClusterCheck.clusterJson(cfg)).put("agentTls", ClusterCheck.agentTlsJson(cfg))
                        .put("hostsWithoutStore", new JsonArray(cfg.hosts().values().stream()
                                .filter(h -> h.store().isEmpty()).map(h -> h.hostId()).toList())).encode());
            } else {
                out.println(config + ": coordinator " + cfg.nodeId() + ", voters " + cfg.placement().voters()
                        + ", automatic failover " + (notArmed.isEmpty() ? "armed" : "NOT armed: " + notArmed.get())
                        + ", " + ClusterCheck.text(cfg));
            }
            out.flush();
            return notArmed.isEmpty() ? 0 : 1;
        }
        if (cfg.cluster().isPresent()) {
            return runClustered(cfg, out);
        }
        Vertx vertx = Vertx.vertx();
        CoordinatorVerticle verticle = new CoordinatorVerticle(cfg);
        try {
            vertx.deployVerticle(verticle).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            vertx.close();
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("coordinator " + cfg.nodeId() + " (" + config + ") did not start: "
                    + cause.getMessage(), cause);
        }
        out.println("coordinator " + cfg.nodeId() + " epoch " + verticle.epoch() + " listening on "
                + cfg.listenHost() + ":" + verticle.actualPort()
                + cfg.http().map(h -> "; metrics and status on http://" + h.host() + ":" + verticle.httpPort() + "/")
                        .orElse("")
                + notArmed.map(why -> "; automatic failover NOT armed: " + why).orElse(""));
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS)
                    .whenComplete((v, e) -> stopped.countDown());
            try {
                stopped.await(15, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "lifeboat-coordinator-shutdown"));
        stopped.await();
        return 0;
    }

    private int runClustered(CoordinatorConfig cfg, PrintWriter out) throws Exception {
        ClusteredCoordinator member;
        try {
            member = ClusteredCoordinator.start(cfg, HazelcastSetup.Tuning.DEFAULTS).toCompletionStage()
                    .toCompletableFuture().get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("coordinator " + cfg.nodeId() + " (" + config + ") did not join cluster "
                    + cfg.cluster().get().name() + ": " + cause.getMessage(), cause);
        }
        out.println("coordinator " + cfg.nodeId() + " joined cluster " + cfg.cluster().get().name() + " as "
                + cfg.cluster().get().host() + ":" + cfg.cluster().get().port() + " with members "
                + cfg.cluster().get().addresses() + "; it leads when it holds the CP lock, and follows otherwise");
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            member.close().toCompletionStage().toCompletableFuture().orTimeout(20, TimeUnit.SECONDS)
                    .whenComplete((v, e) -> stopped.countDown());
            try {
                stopped.await(25, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "lifeboat-coordinator-shutdown"));
        stopped.await();
        return 0;
    }
}
