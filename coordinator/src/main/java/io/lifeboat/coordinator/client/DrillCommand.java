package io.lifeboat.coordinator.client;

import picocli.CommandLine.Command;

/** {@code lifeboat drill}: the DR drill commands (only {@code run} so far). */
@Command(name = "drill", description = "DR drills of recovery plans.", subcommands = DrillRunCommand.class)
public final class DrillCommand {
}
