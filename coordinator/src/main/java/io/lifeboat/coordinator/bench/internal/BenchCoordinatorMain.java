package io.lifeboat.coordinator.bench.internal;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.lifeboat.coordinator.CoordinatorVerticle;
import io.lifeboat.coordinator.config.CoordinatorConfig;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;
import io.lifeboat.protocol.Addresses;
import io.lifeboat.protocol.v1.Envelope;
import io.vertx.core.Vertx;

/**
 * The coordinator process of the scale benchmark: deploys a {@link CoordinatorVerticle} from a config file exactly as
 * {@code lifeboat coordinator} does, prints {@code ready agentPort=P httpPort=Q}, and prints each host-suspected and
 * host-lost event from {@code lifeboat.events} as one line ({@code event HOST_LOST hostN silenceNanos=S agreeing=K
 * armed=B}), so that the benchmark times a declaration without polling. On stdin, {@code heap} answers {@code heap
 * usedBytes=U committedBytes=C}; it stops at {@code quit} or end of stdin.
 */
public final class BenchCoordinatorMain {

    private BenchCoordinatorMain() {
    }

    /** Runs the coordinator of {@code args[0]} (a config file) until stdin ends. */
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: BenchCoordinatorMain CONFIG");
            System.exit(2);
        }
        CoordinatorConfig config = CoordinatorConfigLoader.load(Path.of(args[0]));
        PrintStream out = System.out;
        Vertx vertx = Vertx.vertx();
        CoordinatorVerticle verticle = new CoordinatorVerticle(config);
        vertx.eventBus().<Object>consumer(Addresses.EVENTS, message -> {
            if (message.body() instanceof Envelope e) {
                String line = eventLine(e);
                if (line != null) {
                    synchronized (out) {
                        out.println(line);
                        out.flush();
                    }
                }
            }
        });
        try {
            vertx.deployVerticle(verticle).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            System.err.println("coordinator " + config.nodeId() + " (" + args[0] + ") did not start: "
                    + e.getCause().getMessage());
            vertx.close();
            System.exit(1);
        }
        synchronized (out) {
            out.println("ready agentPort=" + verticle.actualPort() + " httpPort=" + verticle.httpPort());
            out.flush();
        }
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null && !line.strip().equals("quit")) {
                String reply = line.strip().equals("heap") ? heapLine()
                        : "error unknown control line '" + line.strip() + "' (heap, quit)";
                synchronized (out) {
                    out.println(reply);
                    out.flush();
                }
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        System.exit(0);
    }

    /** The heap in use now, as {@code heap usedBytes=U committedBytes=C}. */
    static String heapLine() {
        java.lang.management.MemoryUsage heap = java.lang.management.ManagementFactory.getMemoryMXBean()
                .getHeapMemoryUsage();
        return "heap usedBytes=" + heap.getUsed() + " committedBytes=" + heap.getCommitted();
    }

    /** The line printed for an event, or null for events the benchmark does not time. */
    static String eventLine(Envelope e) {
        if (e.hasHostLost()) {
            var lost = e.getHostLost();
            return "event HOST_LOST " + lost.getHostId() + " silenceNanos=" + nanos(lost.getSilence())
                    + " agreeing=" + lost.getAgreeingVoterIdsCount() + " armed=" + lost.getFailoverArmed();
        }
        if (e.hasHostSuspected()) {
            var suspected = e.getHostSuspected();
            return "event HOST_SUSPECTED " + suspected.getHostId() + " silenceNanos=" + nanos(suspected.getSilence());
        }
        return null;
    }

    private static long nanos(com.google.protobuf.Duration d) {
        return d.getSeconds() * 1_000_000_000L + d.getNanos();
    }
}
