package io.lifeboat.launcher;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

import io.lifeboat.agent.cli.AgentCommand;
import io.lifeboat.coordinator.cli.CoordinatorCommand;
import io.lifeboat.coordinator.client.EventsCommand;
import io.lifeboat.coordinator.client.FailbackCommand;
import io.lifeboat.coordinator.client.FailoverCommand;
import io.lifeboat.coordinator.client.StatusCommand;
import io.lifeboat.lab.cli.BenchDrillCommand;
import io.lifeboat.lab.cli.BenchFailoverCommand;
import io.lifeboat.lab.cli.DemoCommand;
import io.lifeboat.lab.cli.LabCommand;
import io.lifeboat.storage.cli.BenchReplicateCommand;
import io.lifeboat.storage.cli.StoreCommand;
import io.lifeboat.storage.cli.VmdkCommand;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code ./lifeboat} entry point: one picocli command line whose subcommands are the command classes that each
 * module owns (see docs/adr/0001-module-layout-and-launcher.md).
 */
@Command(
        name = "lifeboat",
        mixinStandardHelpOptions = true,
        versionProvider = Lifeboat.Version.class,
        description = "Disaster recovery for the virtual machines of small organisations.",
        footer = {"", "Conventions: --json prints one JSON document on stdout; errors are one line on stderr "
                + "(--debug adds the stack trace); exit 0 success, 1 failure or problem found, 2 usage error."},
        subcommandsRepeatable = false)
public final class Lifeboat implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Print stack traces of errors.")
    boolean debug;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return CommandLine.ExitCode.USAGE;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line as {@code ./lifeboat} would, returning the exit code instead of exiting. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The assembled command line, with every module's subcommands and the shared error handling. */
    public static CommandLine commandLine() {
        Lifeboat root = new Lifeboat();
        CommandLine cl = new CommandLine(root);
        for (Subcommand sub : Subcommands.all()) {
            cl.addSubcommand(sub.name(), sub.command());
        }
        cl.setExecutionExceptionHandler(new OneLineErrors(root));
        return cl;
    }

    /** Prints a failure as one line naming what and where; the stack trace only with {@code --debug}. */
    static final class OneLineErrors implements CommandLine.IExecutionExceptionHandler {

        private final Lifeboat root;

        OneLineErrors(Lifeboat root) {
            this.root = root;
        }

        @Override
        public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
            PrintWriter err = cmd.getErr();
            if (root.debug) {
                ex.printStackTrace(err);
            }
            err.println(cmd.getCommandSpec().qualifiedName() + ": " + describe(ex));
            err.flush();
            return ex instanceof CommandLine.ParameterException ? CommandLine.ExitCode.USAGE : 1;
        }

        static String describe(Throwable ex) {
            Throwable t = ex;
            while ((t.getMessage() == null || t.getMessage().isBlank()) && t.getCause() != null) {
                t = t.getCause();
            }
            String message = t.getMessage();
            if (message == null || message.isBlank()) {
                return t.getClass().getSimpleName();
            }
            return message.replace('\n', ' ');
        }
    }

    /** Reports the version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Lifeboat.class.getPackage().getImplementationVersion();
            return new String[] {"lifeboat " + (v == null ? "development build" : v), "protocol lifeboat.v1"};
        }
    }

    /** A subcommand and the name it is registered under. */
    record Subcommand(String name, Object command) {
    }

    /** The list of subcommands, in the order {@code --help} shows them. */
    static final class Subcommands {
        private Subcommands() {
        }

        static List<Subcommand> all() {
            return List.of(
                    new Subcommand("demo", new DemoCommand()),
                    new Subcommand("test", ScriptOnly.of("test", "Install what the tests need and run every unit "
                            + "and integration test.")),
                    new Subcommand("lab", new LabCommand()),
                    new Subcommand("coordinator", new CoordinatorCommand()),
                    new Subcommand("agent", new AgentCommand()),
                    new Subcommand("vmdk", new VmdkCommand()),
                    new Subcommand("store", new StoreCommand()),
                    new Subcommand("status", new StatusCommand()),
                    new Subcommand("events", new EventsCommand()),
                    new Subcommand("failover", new FailoverCommand()),
                    new Subcommand("failback", new FailbackCommand()),
                    new Subcommand("restore", new io.lifeboat.coordinator.client.RestoreCommand()),
                    new Subcommand("drill", new io.lifeboat.coordinator.client.DrillCommand()),
                    new Subcommand("bench", bench()));
        }

        /** Benchmarks measure the issues' targets; each module owns the ones about its work. */
        private static CommandLine bench() {
            CommandLine bench = new CommandLine(new BenchCommand());
            bench.addSubcommand("replicate", new BenchReplicateCommand());
            bench.addSubcommand("failover", new BenchFailoverCommand());
            bench.addSubcommand("scale", new io.lifeboat.coordinator.bench.cli.BenchScaleCommand());
            bench.addSubcommand("drill", new BenchDrillCommand());
            return bench;
        }
    }
}
