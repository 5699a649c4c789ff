package io.lifeboat.lab.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The options of a lab benchmark ({@code --runs N}, {@code --json}) as a picocli mixin, with where its output goes and
 * how its figures are summed up.
 */
final class BenchRuns {
  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  @Option(names = "--runs", defaultValue = "5", description = "Number of runs (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--json", description = "Print one JSON document on stdout (progress goes to stderr).")
  boolean json;

  /** The number of runs; a usage error (exit 2) unless it is 1..50. */
  int checkedRuns() {
    if (runs < 1 || runs > 50) {
      throw new ParameterException(mixee.commandLine(), "--runs " + runs + " outside 1..50");
    }
    return runs;
  }

  /** Where the result goes. */
  PrintWriter out() {
    return mixee.commandLine().getOut();
  }

  /** Where progress goes: stderr with {@code --json}, so stdout holds only the document. */
  PrintWriter progress() {
    return json ? mixee.commandLine().getErr() : out();
  }

  /** The median of {@code values} (not empty). */
  static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /** {@code d} in seconds, rounded to a tenth. */
  static double seconds(Duration d) {
    return Math.round(d.toMillis() / 100.0) / 10.0;
  }
}
