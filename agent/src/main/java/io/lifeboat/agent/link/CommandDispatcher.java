package io.lifeboat.agent.link;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.lifeboat.agent.fence.MonotonicClock;
import io.lifeboat.protocol.v1.CommandAck;
import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandRefusal;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.Failure;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Checks each command from a coordinator and runs it at most once: refuses malformed ones, ones carrying an epoch
 * older than the highest seen (I3; a newer epoch is persisted before anything else happens), and everything while
 * the host is fenced; acknowledges, runs through the {@link CommandHandler}, and answers with a CommandResult.
 * A repeated command id is acknowledged as a duplicate, and its result sent again when known.
 */
public final class CommandDispatcher {
  /** Payload field numbers of commands in Envelope (64..127). */
  static final int FIRST_COMMAND_FIELD = 64;
  private static final int MAX_REMEMBERED = 4096;

  private final String hostId;
  private final EpochStore epochs;
  private final WorkerExecutor stateWorker;
  private final BooleanSupplier fenced;
  private final BooleanSupplier holdsLease;
  private final CommandHandler handler;
  private final MonotonicClock clock;
  private final Map<String, CommandResult> seen = new LinkedHashMap<>(16, 0.75f, false) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, CommandResult> eldest) {
      return size() > MAX_REMEMBERED;
    }
  };

  /**
   * Creates the dispatcher.
   *
   * @param hostId this host's id, for messages
   * @param epochs the durable epoch
   * @param stateWorker worker pool for the epoch's fsync
   * @param fenced whether the host is fenced now
   * @param holdsLease whether the host holds its lease now: no guest is started without it
   * @param handler runs accepted commands
   * @param clock measures elapsed time
   */
  public CommandDispatcher(String hostId, EpochStore epochs, WorkerExecutor stateWorker, BooleanSupplier fenced,
      BooleanSupplier holdsLease, CommandHandler handler, MonotonicClock clock) {
    this.hostId = hostId;
    this.epochs = epochs;
    this.stateWorker = stateWorker;
    this.fenced = fenced;
    this.holdsLease = holdsLease;
    this.handler = handler;
    this.clock = clock;
  }

  /**
   * Tells whether an envelope carries a command.
   *
   * @param envelope the envelope
   * @return true for command payloads
   */
  public static boolean isCommand(Envelope envelope) {
    return envelope.getPayloadCase() != Envelope.PayloadCase.PAYLOAD_NOT_SET
        && envelope.getPayloadCase().getNumber() >= FIRST_COMMAND_FIELD;
  }

  /**
   * Finds the header of a command envelope (every command's field named "header").
   *
   * @param envelope the command envelope
   * @return the header, when the payload has one
   */
  public static Optional<CommandHeader> header(Envelope envelope) {
    if (!isCommand(envelope)) {
      return Optional.empty();
    }
    FieldDescriptor payloadField = Envelope.getDescriptor().findFieldByNumber(envelope.getPayloadCase().getNumber());
    Message payload = (Message) envelope.getField(payloadField);
    FieldDescriptor headerField = payload.getDescriptorForType().findFieldByName("header");
    if (headerField == null || !payload.hasField(headerField)) {
      return Optional.empty();
    }
    return Optional.of((CommandHeader) payload.getField(headerField));
  }

  /**
   * Dispatches one command. Call on the link's event loop.
   *
   * @param command the command envelope
   * @param reply sends an answer payload (CommandAck or CommandResult) back on the link, in reply to the command
   */
  public void dispatch(Envelope command, Consumer<Envelope.Builder> reply) {
    Optional<CommandHeader> header = header(command);
    String id = header.map(CommandHeader::getCommandId).orElse("");
    if (header.isEmpty() || id.isEmpty()) {
      refuse(reply, id, CommandRefusal.COMMAND_REFUSAL_INVALID, "command " + command.getPayloadCase() + " from "
          + command.getSender() + " has no header or no command id");
      return;
    }
    if (seen.containsKey(id)) {
      reply.accept(Envelope.newBuilder().setCommandAck(CommandAck.newBuilder().setCommandId(id).setAccepted(true)
          .setDuplicate(true).setHighestEpochSeen(epochs.highest())));
      CommandResult done = seen.get(id);
      if (done != null) {
        reply.accept(Envelope.newBuilder().setCommandResult(done));
      }
      return;
    }
    long epoch = header.get().getEpoch();
    stateWorker.executeBlocking(() -> epochs.admit(epoch), true).onComplete(ar -> {
      if (ar.failed()) {
        refuse(reply, id, CommandRefusal.COMMAND_REFUSAL_INVALID, "agent " + hostId + " cannot persist epoch "
            + epoch + ": " + ar.cause().getMessage());
        return;
      }
      if (!ar.result()) {
        refuse(reply, id, CommandRefusal.COMMAND_REFUSAL_STALE_EPOCH, "command " + id + " carries epoch " + epoch
            + ", agent " + hostId + " has seen epoch " + epochs.highest());
        return;
      }
      if (seen.containsKey(id)) {
        dispatch(command, reply);
        return;
      }
      // Fencing again is harmless (the protected guests are hard-stopped already): a coordinator's Fence still runs.
      if (fenced.getAsBoolean() && command.getPayloadCase() != Envelope.PayloadCase.FENCE) {
        refuse(reply, id, CommandRefusal.COMMAND_REFUSAL_FENCED, "agent " + hostId
            + " has fenced itself and runs no command until it holds a lease again");
        return;
      }
      boolean starts = command.getPayloadCase() == Envelope.PayloadCase.START_GUEST
          || command.getPayloadCase() == Envelope.PayloadCase.DRILL_BOOT;
      if (starts && !holdsLease.getAsBoolean()) {
        refuse(reply, id, CommandRefusal.COMMAND_REFUSAL_FENCED, "agent " + hostId
            + " holds no lease from a majority of its voters and starts no guest until it does");
        return;
      }
      if (!handler.supports(command.getPayloadCase())) {
        refuse(reply, id, CommandRefusal.COMMAND_REFUSAL_UNSUPPORTED, "agent " + hostId + " cannot run "
            + command.getPayloadCase().name().toLowerCase(java.util.Locale.ROOT) + " commands");
        return;
      }
      seen.put(id, null);
      reply.accept(Envelope.newBuilder().setCommandAck(CommandAck.newBuilder().setCommandId(id).setAccepted(true)
          .setHighestEpochSeen(epochs.highest())));
      long started = clock.nanoTime();
      Future<CommandResult> run;
      try {
        run = handler.handle(command);
      } catch (RuntimeException e) {
        run = Future.failedFuture(e);
      }
      run.recover(e -> Future.succeededFuture(CommandResult.newBuilder()
              .setOutcome(CommandOutcome.COMMAND_OUTCOME_FAILED)
              .setFailure(Failure.newBuilder().setErrorClass(ErrorClass.ERROR_CLASS_PERMANENT)
                  .setCode("command_failed").setMessage(String.valueOf(e.getMessage())))
              .build()))
          .onSuccess(result -> {
            long elapsed = clock.nanoTime() - started;
            CommandResult done = result.toBuilder().setCommandId(id)
                .setElapsed(com.google.protobuf.Duration.newBuilder().setSeconds(elapsed / 1_000_000_000L)
                    .setNanos((int) (elapsed % 1_000_000_000L)))
                .build();
            seen.put(id, done);
            reply.accept(Envelope.newBuilder().setCommandResult(done));
          });
    });
  }

  private void refuse(Consumer<Envelope.Builder> reply, String id, CommandRefusal refusal, String message) {
    reply.accept(Envelope.newBuilder().setCommandAck(CommandAck.newBuilder().setCommandId(id).setAccepted(false)
        .setRefusal(refusal).setMessage(message).setHighestEpochSeen(epochs.highest())));
  }
}
