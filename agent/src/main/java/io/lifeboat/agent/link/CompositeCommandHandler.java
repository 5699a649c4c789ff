package io.lifeboat.agent.link;

import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.Envelope;
import io.vertx.core.Future;
import java.util.List;

/** Hands each command to the first of several handlers that supports its kind. */
public final class CompositeCommandHandler implements CommandHandler {
  private final List<CommandHandler> handlers;

  /**
   * Creates the handler.
   *
   * @param handlers the handlers, asked in order
   */
  public CompositeCommandHandler(List<CommandHandler> handlers) {
    this.handlers = List.copyOf(handlers);
  }

  @Override
  public boolean supports(Envelope.PayloadCase command) {
    return handlers.stream().anyMatch(h -> h.supports(command));
  }

  @Override
  public Future<CommandResult> handle(Envelope command) {
    for (CommandHandler h : handlers) {
      if (h.supports(command.getPayloadCase())) {
        return h.handle(command);
      }
    }
    return Future.failedFuture(new IllegalStateException("no handler runs " + command.getPayloadCase()));
  }
}
