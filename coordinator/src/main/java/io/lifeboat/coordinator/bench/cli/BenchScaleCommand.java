package io.lifeboat.coordinator.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import io.lifeboat.coordinator.bench.ScaleBench;
import io.lifeboat.coordinator.bench.ScaleReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lifeboat bench scale}: one coordinator process against simulated agents in another process; prints the
 * coordinator's CPU share, heap and the time to declare a killed agent LOST, and exits 1 when a target is missed.
 */
@Command(name = "scale", description = "One coordinator against N simulated agents x G guests heartbeating every "
        + "second (another process): the coordinator's CPU share of one core (from /proc), its heap, and the time "
        + "to declare a killed agent LOST. Targets: < 25%% of a core, < 512 MiB heap, LOST within the lease TTL + 1 s. "
        + "Exit 1 when a target is missed.")
public final class BenchScaleCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--agents", defaultValue = "1000", description = "Simulated agents (default: ${DEFAULT-VALUE}).")
    int agents;

    @Option(names = "--guests-per-agent", defaultValue = "10",
            description = "Guests per agent (default: ${DEFAULT-VALUE}).")
    int guestsPerAgent;

    @Option(names = "--warmup", defaultValue = "20", paramLabel = "SECONDS",
            description = "Warm-up once all are linked (default: ${DEFAULT-VALUE}).")
    int warmupSeconds;

    @Option(names = "--measure", defaultValue = "60", paramLabel = "SECONDS",
            description = "Measurement window (default: ${DEFAULT-VALUE}).")
    int measureSeconds;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Where the config, journal and logs go (default: a new temporary directory, kept).")
    Path workDir;

    @Option(names = "--json", description = "Print one JSON document.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Path dir = workDir != null ? workDir : Files.createTempDirectory("lifeboat-bench-scale-");
        ScaleBench.Settings settings;
        try {
            settings = new ScaleBench.Settings(agents, guestsPerAgent, warmupSeconds, measureSeconds, dir);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter err = spec.commandLine().getErr();
        ScaleReport report = new ScaleBench(settings, line -> {
            err.println("bench scale: " + line);
            err.flush();
        }).run();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(report.toJson().put("workDir", dir.toString()).encode());
        } else {
            out.print(report.toTable());
            out.println("logs and journal: " + dir);
        }
        out.flush();
        return report.targetsMet() ? 0 : 1;
    }
}
