package io.lifeboat.launcher;

import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * A public subcommand whose implementation has not landed yet: it says so, names the work that brings it, and exits
 * non-zero, so that scripts never mistake it for success.
 */
final class NotBuilt implements Callable<Integer> {

    private final String name;
    private final String arrivesWith;
    private CommandSpec spec;

    private NotBuilt(String name, String arrivesWith) {
        this.name = name;
        this.arrivesWith = arrivesWith;
    }

    static CommandSpec of(String name, String description, String arrivesWith) {
        NotBuilt command = new NotBuilt(name, arrivesWith);
        CommandSpec spec = CommandSpec.wrapWithoutInspection(command);
        spec.usageMessage(new UsageMessageSpec().description(description + " (not built yet)"));
        spec.parser().unmatchedArgumentsAllowed(true).unmatchedOptionsArePositionalParams(true);
        command.spec = spec;
        return spec;
    }

    @Override
    public Integer call() {
        spec.commandLine().getErr().println(
                spec.qualifiedName() + ": not built yet; it arrives with " + arrivesWith + ".");
        return 1;
    }

    @Override
    public String toString() {
        return "NotBuilt[" + name + "]";
    }

    static boolean isNotBuilt(CommandLine cl) {
        return cl.getCommandSpec().userObject() instanceof NotBuilt;
    }
}
