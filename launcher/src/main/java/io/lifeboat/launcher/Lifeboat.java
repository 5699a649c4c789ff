package io.lifeboat.launcher;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

import io.lifeboat.lab.cli.LabCommand;
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
                    new Subcommand("demo", NotBuilt.of("demo", "Run the demo: two lab hosts, a coordinator, agents; "
                            + "--kill-primary shows a failover.", "issue #6 (coordinator, failover, demo)")),
                    new Subcommand("test", ScriptOnly.of("test", "Install what the tests need and run every unit "
                            + "and integration test.")),
                    new Subcommand("lab", new LabCommand()),
                    new Subcommand("coordinator", NotBuilt.of("coordinator", "Run a coordinator: --config FILE.",
                            "issue #6 (coordinator)")),
                    new Subcommand("agent", NotBuilt.of("agent", "Run an agent: --config FILE.",
                            "issue #5 (agent)")),
                    new Subcommand("vmdk", new VmdkCommand()),
                    new Subcommand("store", new StoreCommand()),
                    new Subcommand("status", NotBuilt.of("status", "Show hosts and guests.",
                            "issue #7 (REST and CLI)")),
                    new Subcommand("events", NotBuilt.of("events", "List or follow events.",
                            "issue #7 (REST and CLI)")),
                    new Subcommand("failover", NotBuilt.of("failover", "Fail a guest over now.",
                            "issue #7 (REST and CLI)")),
                    new Subcommand("failback", NotBuilt.of("failback", "Fail a guest back to its primary.",
                            "issue #8 (failback)")),
                    new Subcommand("restore", NotBuilt.of("restore", "Restore a guest to a restore point.",
                            "issue #7 (REST and CLI)")),
                    new Subcommand("drill", NotBuilt.of("drill", "Run a DR drill: run PLAN.",
                            "issue #8 (drills)")),
                    new Subcommand("bench", NotBuilt.of("bench", "Benchmarks: replicate, failover, scale, drill.",
                            "issues #4, #6, #8")));
        }
    }
}
