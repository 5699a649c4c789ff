package io.lifeboat.coordinator.bench.sim;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import io.lifeboat.coordinator.bench.internal.ScaleNames;
import io.lifeboat.protocol.HelloCredentials;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The simulated agents' process (a main class, started by the scale benchmark as a separate JVM): N agents over a
 * handful of event loops, linked to one coordinator. It prints {@code ready linked=N} once every agent's Hello was
 * accepted; on stdin it takes {@code kill hostN} (answers {@code killed hostN lastHeartbeatAgoNanos=T}), {@code
 * linked} and {@code quit} (or end of input).
 */
@Command(name = "simulated-agents", mixinStandardHelpOptions = true,
        description = "Simulated Lifeboat agents for the scale benchmark.")
public final class SimulatedAgents implements Callable<Integer> {

    @Option(names = "--coordinator", required = true, paramLabel = "HOST:PORT", description = "The agent listener.")
    String coordinator;

    @Option(names = "--agents", defaultValue = "1000", description = "Number of agents (default: ${DEFAULT-VALUE}).")
    int agents;

    @Option(names = "--guests-per-agent", defaultValue = "10", description = "Guests each agent reports.")
    int guestsPerAgent;

    @Option(names = "--secret-file", required = true, paramLabel = "FILE", description = "The site's shared secret.")
    Path secretFile;

    @Option(names = "--event-loops", defaultValue = "4", description = "Event loops (and verticles) to use.")
    int eventLoops;

    @Option(names = "--heartbeat-millis", defaultValue = "1000", description = "Heartbeat and renewal interval.")
    long heartbeatMillis;

    /** Runs the simulated agents; see the class comment. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new SimulatedAgents()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        int colon = coordinator.lastIndexOf(':');
        if (colon <= 0) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--coordinator: expected HOST:PORT, got '"
                    + coordinator + "'");
        }
        String host = coordinator.substring(0, colon);
        int port = Integer.parseInt(coordinator.substring(colon + 1));
        byte[] secret = Files.readString(secretFile, StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8);
        HelloCredentials credentials = new HelloCredentials(ScaleNames.KEY_ID, secret);
        PrintStream out = System.out;
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops));
        SimulatedFleet fleet = new SimulatedFleet(agents, System.nanoTime());
        int groups = Math.max(1, Math.min(eventLoops, agents));
        Future<?> deployed = Future.succeededFuture();
        for (int g = 0; g < groups; g++) {
            int from = (int) ((long) agents * g / groups);
            int to = (int) ((long) agents * (g + 1) / groups);
            SimulatedAgentGroup group = new SimulatedAgentGroup(fleet, from, to, guestsPerAgent, host, port,
                    credentials, heartbeatMillis);
            deployed = deployed.compose(v -> vertx.deployVerticle(group, new DeploymentOptions()));
        }
        deployed.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        long[] readyTimer = {0};
        readyTimer[0] = vertx.setPeriodic(100, id -> {
            if (fleet.linkedCount() == agents) {
                vertx.cancelTimer(readyTimer[0]);
                synchronized (out) {
                    out.println("ready linked=" + agents);
                    out.flush();
                }
            }
        });
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String reply = control(fleet, line.strip());
                if (reply == null) {
                    break;
                }
                synchronized (out) {
                    out.println(reply);
                    out.flush();
                }
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        return 0;
    }

    /** Runs one control line; returns the reply, or null to stop. */
    static String control(SimulatedFleet fleet, String line) {
        if (line.equals("quit")) {
            return null;
        }
        if (line.equals("linked")) {
            return "linked " + fleet.linkedCount();
        }
        if (line.startsWith("kill ")) {
            String hostId = line.substring(5).strip();
            int index = ScaleNames.hostIndex(hostId);
            if (index < 0 || index >= fleet.size()) {
                return "error no simulated agent '" + hostId + "' (host0..host" + (fleet.size() - 1) + ")";
            }
            fleet.kill(index);
            return "killed " + hostId + " lastHeartbeatAgoNanos=" + (System.nanoTime() - fleet.lastBeatNanos(index));
        }
        return "error unknown control line '" + line + "' (kill hostN, linked, quit)";
    }
}
