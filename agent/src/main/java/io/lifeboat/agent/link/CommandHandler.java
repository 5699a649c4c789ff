package io.lifeboat.agent.link;

import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.Envelope;
import io.vertx.core.Future;

/** Runs commands that passed the link's checks (epoch, duplicates, fencing); the driver-facing side of dispatch. */
public interface CommandHandler {
  /**
   * Tells whether a command kind can run here.
   *
   * @param command the payload case of a command envelope
   * @return whether {@link #handle} runs it
   */
  boolean supports(Envelope.PayloadCase command);

  /**
   * Runs a command; must not block the calling event loop.
   *
   * @param command the command envelope
   * @return the result; command id and elapsed time are filled in by the dispatcher
   */
  Future<CommandResult> handle(Envelope command);
}
