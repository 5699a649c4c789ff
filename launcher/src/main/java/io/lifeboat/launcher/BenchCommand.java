package io.lifeboat.launcher;

import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ./lifeboat bench}: the parent of the benchmarks that each module contributes. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks of the issues' targets: replicate, failover, scale, drill. Results go to "
                + "docs/benchmarks.md with the machine and the command.")
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandLine.ExitCode.USAGE;
    }
}
