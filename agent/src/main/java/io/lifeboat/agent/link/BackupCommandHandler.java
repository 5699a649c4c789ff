package io.lifeboat.agent.link;

import io.lifeboat.agent.backup.BackupCancelledException;
import io.lifeboat.agent.backup.BackupCycle;
import io.lifeboat.agent.backup.BackupRequest;
import io.lifeboat.agent.hypervisor.GuestRef;
import io.lifeboat.agent.hypervisor.HypervisorDriver;
import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.protocol.v1.BackupGuest;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.Failure;
import io.lifeboat.protocol.v1.PowerState;
import io.lifeboat.protocol.v1.ReverseReplicate;
import io.lifeboat.storage.replication.ReplicationException;
import io.vertx.core.Future;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs BackupGuest and ReverseReplicate (failback) commands as {@link BackupCycle}s, at most one per guest at a time
 * (a second one for a guest whose cycle still runs fails with code {@code backup_in_progress}), and Cancel commands
 * against a running cycle. The cycle's id is the command id; the result carries the committed restore point.
 */
public final class BackupCommandHandler implements CommandHandler {
  private static final Set<Envelope.PayloadCase> SUPPORTED = Set.of(Envelope.PayloadCase.BACKUP_GUEST,
      Envelope.PayloadCase.REVERSE_REPLICATE, Envelope.PayloadCase.CANCEL);

  private final String hostId;
  private final BackupCycle cycles;
  private final GuestDirectory guests;
  private final HypervisorDriver driver;
  private final Map<String, BackupCycle.Running> byGuest = new ConcurrentHashMap<>();
  private final Map<String, BackupCycle.Running> byCommand = new ConcurrentHashMap<>();

  /**
   * Creates the handler.
   *
   * @param hostId this host's id, for messages
   * @param cycles runs backup cycles on this host's driver
   * @param guests the protected guests
   */
  public BackupCommandHandler(String hostId, BackupCycle cycles, GuestDirectory guests) {
    this(hostId, cycles, guests, null);
  }

  /**
   * Creates the handler.
   *
   * @param hostId this host's id, for messages
   * @param cycles runs backup cycles on this host's driver
   * @param guests the protected guests
   * @param driver the host's driver, to refuse a final delta of a guest still running; null to skip that check
   */
  public BackupCommandHandler(String hostId, BackupCycle cycles, GuestDirectory guests, HypervisorDriver driver) {
    this.hostId = hostId;
    this.cycles = cycles;
    this.guests = guests;
    this.driver = driver;
  }

  @Override
  public boolean supports(Envelope.PayloadCase command) {
    return SUPPORTED.contains(command);
  }

  /**
   * Tells whether a backup of a guest runs now.
   *
   * @param guestId the guest id
   * @return whether one runs
   */
  public boolean running(String guestId) {
    return byGuest.containsKey(guestId);
  }

  @Override
  public Future<CommandResult> handle(Envelope command) {
    return switch (command.getPayloadCase()) {
      case BACKUP_GUEST -> backup(command.getBackupGuest(), "");
      case REVERSE_REPLICATE -> reverse(command.getReverseReplicate());
      case CANCEL -> cancel(command.getCancel().getTargetCommandId(), command.getCancel().getReason());
      default -> Future.succeededFuture(failed(ErrorClass.ERROR_CLASS_PERMANENT, "unsupported",
          "agent " + hostId + ": the backup handler does not run " + command.getPayloadCase()));
    };
  }

  /**
   * Failback: the backup cycle of the failed-over guest on this (standby) host, pushed to the primary's store, which
   * holds the primary's old disk as a point, so only the chunks it lacks travel. A final delta needs the guest
   * stopped (the coordinator sends StopGuest first): its disks are then read in place.
   */
  private Future<CommandResult> reverse(ReverseReplicate cmd) {
    BackupGuest as = BackupGuest.newBuilder().setHeader(cmd.getHeader()).setGuestId(cmd.getGuestId())
        .setTarget(cmd.getTarget()).build();
    Optional<GuestRef> ref = guests.ref(cmd.getGuestId());
    if (!cmd.getFinalDelta() || driver == null || ref.isEmpty()) {
      return backup(as, cmd.getSincePointId());
    }
    return driver.guest(ref.get()).compose(spec -> spec.getPowerState() == PowerState.POWER_STATE_RUNNING
        ? Future.succeededFuture(failed(ErrorClass.ERROR_CLASS_RETRIABLE, "guest_running", "final delta "
            + cmd.getHeader().getCommandId() + " of guest " + cmd.getGuestId() + " refused: it still runs on agent "
            + hostId + "; stop it first"))
        : backup(as, cmd.getSincePointId()));
  }

  private Future<CommandResult> backup(BackupGuest cmd, String basePointId) {
    String guestId = cmd.getGuestId();
    String cycleId = cmd.getHeader().getCommandId();
    Optional<GuestRef> ref = guests.ref(guestId);
    if (ref.isEmpty()) {
      return Future.succeededFuture(failed(ErrorClass.ERROR_CLASS_PERMANENT, "no_such_guest",
          "backup " + cycleId + ": guest " + guestId + " is not protected on agent " + hostId));
    }
    if (!cmd.hasTarget() || cmd.getTarget().getAddress().isEmpty()) {
      return Future.succeededFuture(failed(ErrorClass.ERROR_CLASS_PERMANENT, "invalid_target",
          "backup " + cycleId + " of guest " + guestId + " names no store target address"));
    }
    BackupRequest request;
    try {
      request = new BackupRequest(guestId, ref.get(), cmd.getTarget(), cycleId, basePointId);
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(failed(ErrorClass.ERROR_CLASS_PERMANENT, "invalid_guest_id",
          "backup " + cycleId + ": " + e.getMessage()));
    }
    if (byGuest.containsKey(guestId)) {
      return Future.succeededFuture(failed(ErrorClass.ERROR_CLASS_RETRIABLE, "backup_in_progress",
          "backup " + cycleId + " of guest " + guestId + " refused: a backup of that guest still runs on agent "
              + hostId));
    }
    BackupCycle.Running running = cycles.start(request);
    byGuest.put(guestId, running);
    byCommand.put(cycleId, running);
    return running.result().transform(ar -> {
      byGuest.remove(guestId, running);
      byCommand.remove(cycleId, running);
      if (ar.succeeded()) {
        return Future.succeededFuture(CommandResult.newBuilder().setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED)
            .setBackup(ar.result()).build());
      }
      return Future.succeededFuture(failure(cycleId, guestId, ar.cause()));
    });
  }

  private Future<CommandResult> cancel(String targetCommandId, String reason) {
    BackupCycle.Running running = byCommand.get(targetCommandId);
    if (running == null) {
      return Future.succeededFuture(failed(ErrorClass.ERROR_CLASS_PERMANENT, "not_running",
          "cancel: command " + targetCommandId + " is not a backup running on agent " + hostId));
    }
    running.cancel(reason.isEmpty() ? "cancelled by the coordinator" : reason);
    return Future.succeededFuture(CommandResult.newBuilder().setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED)
        .build());
  }

  private CommandResult failure(String cycleId, String guestId, Throwable cause) {
    String text = "backup " + cycleId + " of guest " + guestId + " on agent " + hostId + ": "
        + (cause.getMessage() == null ? cause.toString() : cause.getMessage());
    if (cancelled(cause)) {
      return CommandResult.newBuilder().setOutcome(CommandOutcome.COMMAND_OUTCOME_CANCELLED)
          .setFailure(Failure.newBuilder().setErrorClass(ErrorClass.ERROR_CLASS_PERMANENT).setCode("cancelled")
              .setMessage(text))
          .build();
    }
    if (cause instanceof HypervisorException h) {
      return failed(h.errorClass(), h.code(), text);
    }
    if (cause instanceof ReplicationException) {
      return failed(ErrorClass.ERROR_CLASS_RETRIABLE, "replication_failed", text);
    }
    if (cause instanceof IOException) {
      return failed(ErrorClass.ERROR_CLASS_RETRIABLE, "read_failed", text);
    }
    return failed(ErrorClass.ERROR_CLASS_PERMANENT, "backup_failed", text);
  }

  private static boolean cancelled(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof BackupCancelledException) {
        return true;
      }
    }
    return false;
  }

  private static CommandResult failed(ErrorClass errorClass, String code, String message) {
    return CommandResult.newBuilder().setOutcome(CommandOutcome.COMMAND_OUTCOME_FAILED)
        .setFailure(Failure.newBuilder().setErrorClass(errorClass).setCode(code).setMessage(message)).build();
  }
}
