package io.lifeboat.agent.link;

import io.lifeboat.agent.fence.PeerFencer;
import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.FencePeerHost;
import io.lifeboat.protocol.v1.FenceResult;
import io.lifeboat.protocol.v1.Failure;
import io.vertx.core.Future;

/** Runs FencePeerHost: hard-stops a lost peer's guests through its hypervisor API with a {@link PeerFencer}. */
public final class PeerFenceCommandHandler implements CommandHandler {
  private final String hostId;
  private final PeerFencer fencer;

  /**
   * Creates the handler.
   *
   * @param hostId this host's id, for messages
   * @param fencer the fencer
   */
  public PeerFenceCommandHandler(String hostId, PeerFencer fencer) {
    this.hostId = hostId;
    this.fencer = fencer;
  }

  @Override
  public boolean supports(Envelope.PayloadCase command) {
    return command == Envelope.PayloadCase.FENCE_PEER_HOST;
  }

  @Override
  public Future<CommandResult> handle(Envelope command) {
    FencePeerHost fence = command.getFencePeerHost();
    if (fence.getHypervisorUri().isEmpty() || fence.getPeerHostId().isEmpty()) {
      return Future.succeededFuture(failed(HypervisorException.permanent("invalid_command", "agent " + hostId
          + ": FencePeerHost names no peer_host_id or no hypervisor_uri").toFailure()));
    }
    return fencer.fence(fence.getPeerHostId(), fence.getHypervisorUri(), fence.getGuestsList())
        .map(stopped -> CommandResult.newBuilder().setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED)
            .setFence(FenceResult.newBuilder().addAllStoppedGuestIds(stopped)).build())
        .recover(e -> Future.succeededFuture(failed(e instanceof HypervisorException h ? h.toFailure()
            : Failure.newBuilder().setErrorClass(ErrorClass.ERROR_CLASS_RETRIABLE).setCode("fence_failed")
                .setMessage(String.valueOf(e.getMessage())).build())));
  }

  private static CommandResult failed(Failure failure) {
    return CommandResult.newBuilder().setOutcome(CommandOutcome.COMMAND_OUTCOME_FAILED).setFailure(failure).build();
  }
}
