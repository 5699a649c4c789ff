package io.lifeboat.launcher;

import java.util.concurrent.Callable;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * A subcommand that the {@code ./lifeboat} shell script runs itself, before any Java is built (the test command
 * installs the JDK, Maven and the Docker engine). It is listed here so that {@code --help} shows every command.
 */
final class ScriptOnly implements Callable<Integer> {

    private final String name;
    private CommandSpec spec;

    private ScriptOnly(String name) {
        this.name = name;
    }

    static CommandSpec of(String name, String description) {
        ScriptOnly command = new ScriptOnly(name);
        CommandSpec spec = CommandSpec.wrapWithoutInspection(command);
        spec.usageMessage(new UsageMessageSpec().description(description));
        spec.parser().unmatchedArgumentsAllowed(true).unmatchedOptionsArePositionalParams(true);
        command.spec = spec;
        return spec;
    }

    @Override
    public Integer call() {
        spec.commandLine().getErr().println(
                "lifeboat " + name + ": run it as ./lifeboat " + name + " from the repository root; the script "
                        + "handles it before Java starts.");
        return 2;
    }
}
