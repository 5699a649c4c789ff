package io.lifeboat.storage.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code lifeboat vmdk}: look inside disk images without changing them ({@code inspect}, {@code map}). */
@Command(name = "vmdk", description = "Inspect VMDK (and raw) disk images read-only.",
        subcommands = {VmdkInspectCommand.class, VmdkMapCommand.class})
public final class VmdkCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandLine.ExitCode.USAGE;
    }
}
