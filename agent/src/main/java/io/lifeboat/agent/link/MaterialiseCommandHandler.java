package io.lifeboat.agent.link;

import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.agent.restore.RestorePointMaterialiser;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.Failure;
import io.lifeboat.protocol.v1.MaterialiseRestorePoint;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;

/**
 * Runs MaterialiseRestorePoint from the agent's own store on a named worker pool: bad commands fail permanently
 * naming what and where, I/O failures are retriable.
 */
public final class MaterialiseCommandHandler implements CommandHandler {
  private final String hostId;
  private final RestorePointMaterialiser materialiser;
  private final WorkerExecutor workers;

  /**
   * Creates the handler.
   *
   * @param hostId this host's id, for messages
   * @param materialiser writes the disks
   * @param workers the named worker pool the writes run on
   */
  public MaterialiseCommandHandler(String hostId, RestorePointMaterialiser materialiser, WorkerExecutor workers) {
    this.hostId = hostId;
    this.materialiser = materialiser;
    this.workers = workers;
  }

  @Override
  public boolean supports(Envelope.PayloadCase command) {
    return command == Envelope.PayloadCase.MATERIALISE_RESTORE_POINT;
  }

  @Override
  public Future<CommandResult> handle(Envelope command) {
    MaterialiseRestorePoint m = command.getMaterialiseRestorePoint();
    if (m.getOverlay()) {
      return Future.succeededFuture(failed(HypervisorException.permanent("unsupported", "agent " + hostId
          + ": overlay materialisation (drills) is not supported; materialise a full copy")));
    }
    return workers.executeBlocking(() -> materialiser.materialise(m.getGuestId(), m.getPointId(),
        m.getTargetFormat(), m.getTargetVmdkCreateType(), m.getDestinationDir()), false)
        .map(result -> CommandResult.newBuilder().setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED)
            .setMaterialise(result).build())
        .recover(e -> Future.succeededFuture(failed(e)));
  }

  private CommandResult failed(Throwable e) {
    Failure failure = e instanceof HypervisorException h ? h.toFailure()
        : Failure.newBuilder().setErrorClass(e instanceof IOException ? ErrorClass.ERROR_CLASS_RETRIABLE
            : ErrorClass.ERROR_CLASS_PERMANENT).setCode("materialise_failed")
            .setMessage("agent " + hostId + ": materialise failed: " + e.getMessage()).build();
    return CommandResult.newBuilder().setOutcome(CommandOutcome.COMMAND_OUTCOME_FAILED).setFailure(failure).build();
  }
}
