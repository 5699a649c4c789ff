package io.lifeboat.agent.link;

import io.lifeboat.agent.drill.DrillRunner;
import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.Failure;
import io.vertx.core.Future;

/**
 * Runs DrillBoot and DrillTeardown with a {@link DrillRunner}. A drill that did not pass fails the command and still
 * carries its {@code DrillBootResult} (point, reason, serial evidence); a teardown that left something fails with
 * code {@code drill_leftovers} and lists what in its {@code DrillTeardownResult}.
 */
public final class DrillCommandHandler implements CommandHandler {
  private final String hostId;
  private final DrillRunner runner;

  /**
   * Creates the handler.
   *
   * @param hostId this host's id, for messages
   * @param runner runs the drills
   */
  public DrillCommandHandler(String hostId, DrillRunner runner) {
    this.hostId = hostId;
    this.runner = runner;
  }

  @Override
  public boolean supports(Envelope.PayloadCase command) {
    return command == Envelope.PayloadCase.DRILL_BOOT || command == Envelope.PayloadCase.DRILL_TEARDOWN;
  }

  @Override
  public Future<CommandResult> handle(Envelope command) {
    long received = System.nanoTime();
    if (command.getPayloadCase() == Envelope.PayloadCase.DRILL_BOOT) {
      return runner.boot(command.getDrillBoot(), received).map(o -> {
        CommandResult.Builder r = CommandResult.newBuilder().setDrillBoot(o.result());
        return o.passed() ? r.setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED).build()
            : r.setOutcome(CommandOutcome.COMMAND_OUTCOME_FAILED).setFailure(o.failure().toFailure()).build();
      });
    }
    var cmd = command.getDrillTeardown();
    return runner.teardown(cmd.getDrillId(), cmd.getDrillName()).map(t -> {
      CommandResult.Builder r = CommandResult.newBuilder().setDrillTeardown(t);
      if (t.getNothingLeft()) {
        return r.setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED).build();
      }
      return r.setOutcome(CommandOutcome.COMMAND_OUTCOME_FAILED).setFailure(Failure.newBuilder()
          .setErrorClass(ErrorClass.ERROR_CLASS_RETRIABLE).setCode("drill_leftovers").setMessage("drill "
              + cmd.getDrillId() + " on agent " + hostId + ": after teardown still found " + t.getLeftoversList()))
          .build();
    }).recover(e -> Future.succeededFuture(CommandResult.newBuilder()
        .setOutcome(CommandOutcome.COMMAND_OUTCOME_FAILED)
        .setFailure(e instanceof HypervisorException h ? h.toFailure() : Failure.newBuilder()
            .setErrorClass(ErrorClass.ERROR_CLASS_RETRIABLE).setCode("teardown_failed")
            .setMessage("drill " + cmd.getDrillId() + " on agent " + hostId + ": teardown failed: " + e.getMessage())
            .build())
        .build()));
  }
}
