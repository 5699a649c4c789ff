package io.lifeboat.agent.link;

import com.google.protobuf.Duration;
import io.lifeboat.agent.hypervisor.GuestRef;
import io.lifeboat.agent.hypervisor.HypervisorDriver;
import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.agent.hypervisor.Registration;
import io.lifeboat.agent.restore.MaterialisedDiskCleaner;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.BootResult;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.FenceResult;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.PowerState;
import io.lifeboat.protocol.v1.RegisterResult;
import io.lifeboat.protocol.v1.StopMode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the power and registration commands on the host's {@link HypervisorDriver}: StartGuest (with boot
 * verification by serial-console marker), StopGuest, Fence, RegisterGuest, UnregisterGuest. Backup and restore
 * commands belong to the backup cycle's handler.
 */
public final class DriverCommandHandler implements CommandHandler {
  private static final Logger LOG = LoggerFactory.getLogger(DriverCommandHandler.class);
  private static final Set<Envelope.PayloadCase> SUPPORTED = Set.of(Envelope.PayloadCase.START_GUEST,
      Envelope.PayloadCase.STOP_GUEST, Envelope.PayloadCase.FENCE, Envelope.PayloadCase.REGISTER_GUEST,
      Envelope.PayloadCase.UNREGISTER_GUEST);

  private final Vertx vertx;
  private final HypervisorDriver driver;
  private final GuestDirectory guests;
  private final Runnable guestsChanged;
  private final MaterialisedDiskCleaner diskCleaner;

  /**
   * Creates the handler.
   *
   * @param vertx Vert.x, for boot-verification timers
   * @param driver the host's driver
   * @param guests the protected guests
   */
  public DriverCommandHandler(Vertx vertx, HypervisorDriver driver, GuestDirectory guests) {
    this(vertx, driver, guests, () -> { });
  }

  /**
   * Creates the handler.
   *
   * @param vertx Vert.x, for boot-verification timers
   * @param driver the host's driver
   * @param guests the protected guests; RegisterGuest adds to them, UnregisterGuest removes what it added
   * @param guestsChanged called after a command changed which guests exist or run here (to report it at once)
   */
  public DriverCommandHandler(Vertx vertx, HypervisorDriver driver, GuestDirectory guests, Runnable guestsChanged) {
    this(vertx, driver, guests, guestsChanged, null);
  }

  /**
   * Creates the handler.
   *
   * @param vertx Vert.x, for boot-verification timers
   * @param driver the host's driver
   * @param guests the protected guests; RegisterGuest adds to them, UnregisterGuest removes what it added
   * @param guestsChanged called after a command changed which guests exist or run here (to report it at once)
   * @param diskCleaner deletes materialised disks for UnregisterGuest with delete_disks; null when this host has no
   *     guest directories (such an UnregisterGuest is refused)
   */
  public DriverCommandHandler(Vertx vertx, HypervisorDriver driver, GuestDirectory guests, Runnable guestsChanged,
      MaterialisedDiskCleaner diskCleaner) {
    this.vertx = vertx;
    this.driver = driver;
    this.guests = guests;
    this.guestsChanged = guestsChanged;
    this.diskCleaner = diskCleaner;
  }

  @Override
  public boolean supports(Envelope.PayloadCase command) {
    return SUPPORTED.contains(command);
  }

  @Override
  public Future<CommandResult> handle(Envelope command) {
    CommandResult.Builder ok = CommandResult.newBuilder().setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
    Future<CommandResult> run = switch (command.getPayloadCase()) {
      case FENCE -> fence().map(ids -> ok.setFence(FenceResult.newBuilder().addAllStoppedGuestIds(ids)).build());
      case STOP_GUEST -> ref(command.getStopGuest().getGuestId()).compose(ref -> driver.stop(ref,
          command.getStopGuest().getMode() == StopMode.STOP_MODE_HARD ? java.time.Duration.ZERO
              : seconds(command.getStopGuest().getGracePeriod())))
          .map(state -> ok.build());
      case START_GUEST -> ref(command.getStartGuest().getGuestId()).compose(ref -> driver.start(ref)
          .onSuccess(v -> guestsChanged.run())
          .compose(v -> command.getStartGuest().getBootMarker().isEmpty() ? Future.succeededFuture(ok.build())
              : verifyBoot(ref, command.getStartGuest().getBootMarker(),
                  seconds(command.getStartGuest().getBootTimeout()), System.nanoTime())
                  .map(boot -> ok.setBoot(boot).build())));
      case REGISTER_GUEST -> {
        GuestSpec spec = command.getRegisterGuest().getSpec();
        Registration how = command.getRegisterGuest().getTransient() ? Registration.TRANSIENT
            : Registration.PERSISTENT;
        if (spec.getGuestId().isEmpty()) {
          // Without its id the guest could not be started, stopped or fenced by id afterwards.
          yield Future.failedFuture(HypervisorException.permanent("invalid_spec", "RegisterGuest of '"
              + spec.getName() + "' on " + driver.endpoint() + " carries no spec.guest_id"));
        }
        Optional<GuestRef> known = guests.ref(spec.getGuestId());
        Future<GuestSpec> registration = how == Registration.PERSISTENT && known.isPresent()
            ? reRegister(known.get(), spec)
            : driver.register(spec, how);
        yield registration
            .compose(registered -> command.getRegisterGuest().getDisableAutostart() && how == Registration.PERSISTENT
                ? driver.disableAutostart(GuestRef.of(registered)).map(registered) : Future.succeededFuture(registered))
            .compose(registered -> vertx.executeBlocking(() -> {
              // Known by id from now on (and after a restart): Start, Stop, Unregister and fencing find it.
              guests.put(spec.getGuestId(), GuestRef.of(registered));
              return registered;
            }, false))
            .map(registered -> ok.setRegister(RegisterResult.newBuilder()
                .setHypervisorUuid(registered.getHypervisorUuid()).setConfigPath(registered.getConfigPath()))
                .build());
      }
      case UNREGISTER_GUEST -> {
        String guestId = command.getUnregisterGuest().getGuestId();
        boolean deleteDisks = command.getUnregisterGuest().getDeleteDisks();
        if (deleteDisks && diskCleaner == null) {
          yield Future.failedFuture(HypervisorException.permanent("unsupported", "UnregisterGuest of " + guestId
              + " on " + driver.endpoint() + " asks to delete disks, but this agent has no store.guestDirs"));
        }
        List<String> disks = new java.util.ArrayList<>();
        // A transient guest leaves the hypervisor when it stops: already gone counts as unregistered.
        yield ref(guestId).compose(ref -> (deleteDisks ? driver.guest(ref).map(spec -> {
          spec.getDisksList().stream().map(DiskSpec::getPath).forEach(disks::add);
          return null;
        }).otherwiseEmpty() : Future.succeededFuture()).compose(v -> driver.unregister(ref)).recover(e ->
            e instanceof HypervisorException h && h.code().equals("no_such_guest") ? Future.succeededFuture()
                : Future.failedFuture(e)))
            .compose(v -> vertx.executeBlocking(() -> {
              if (deleteDisks) {
                // Only the materialised copies inside the guest directories; never restore points.
                diskCleaner.delete(guestId, disks);
              }
              guests.forget(guestId);
              return ok.build();
            }, false));
      }
      default -> Future.failedFuture(HypervisorException.permanent("unsupported", "unsupported command "
          + command.getPayloadCase()));
    };
    return run.onSuccess(r -> {
      if (command.getPayloadCase() != Envelope.PayloadCase.FENCE || r.getFence().getStoppedGuestIdsCount() > 0) {
        guestsChanged.run();
      }
    }).recover(e -> Future.succeededFuture(CommandResult.newBuilder()
        .setOutcome(CommandOutcome.COMMAND_OUTCOME_FAILED)
        .setFailure(e instanceof HypervisorException h ? h.toFailure()
            : io.lifeboat.protocol.v1.Failure.newBuilder()
                .setErrorClass(io.lifeboat.protocol.v1.ErrorClass.ERROR_CLASS_PERMANENT).setCode("command_failed")
                .setMessage(String.valueOf(e.getMessage())).build())
        .build()));
  }

  /**
   * Registers {@code spec} persistently for a guest already known here as {@code known}. The failover's last step makes
   * the running transient copy persistent: the same disks, so defining it anew would clash with itself, and stopping
   * it would cost the guest its uptime; persisting keeps it running. A failback registers the guest on its old primary,
   * whose stopped definition still names the old disks: that definition is replaced (its disks stay), so the guest
   * boots from the disks the spec names. A copy still running on other disks is refused.
   */
  private Future<GuestSpec> reRegister(GuestRef known, GuestSpec spec) {
    return driver.guest(known).compose(current -> {
      List<String> currentDisks = current.getDisksList().stream().map(DiskSpec::getPath).toList();
      List<String> wantedDisks = spec.getDisksList().stream().map(DiskSpec::getPath).toList();
      if (currentDisks.equals(wantedDisks)) {
        return driver.persist(known).compose(v -> driver.guest(known));
      }
      if (current.getPowerState() == PowerState.POWER_STATE_RUNNING
          || current.getPowerState() == PowerState.POWER_STATE_PAUSED) {
        return Future.failedFuture(HypervisorException.permanent("guest_running", "RegisterGuest of '"
            + spec.getName() + "' (" + spec.getGuestId() + ") on " + driver.endpoint() + ": its copy " + known
            + " runs from other disks " + currentDisks + "; stop it first"));
      }
      LOG.info("{}: replacing the stopped definition {} of guest {} (disks {}) by one on {}", driver.endpoint(),
          known, spec.getGuestId(), currentDisks, wantedDisks);
      return driver.unregister(known).compose(v -> driver.register(spec, Registration.PERSISTENT));
    }, e -> e instanceof HypervisorException h && h.code().equals("no_such_guest")
        ? driver.register(spec, Registration.PERSISTENT) : Future.failedFuture(e));
  }

  /**
   * Hard-stops every protected guest running here.
   *
   * @return guest ids of the guests stopped
   */
  public Future<List<String>> fence() {
    return driver.fence(guests.refs()).map(refs -> refs.stream()
        .map(r -> guests.guestId(r).orElse(r.toString())).toList());
  }

  private Future<GuestRef> ref(String guestId) {
    return guests.ref(guestId).map(Future::succeededFuture).orElseGet(() -> Future.failedFuture(
        HypervisorException.permanent("no_such_guest", "guest " + guestId + " is not protected on "
            + driver.endpoint())));
  }

  private Future<BootResult> verifyBoot(GuestRef ref, String marker, java.time.Duration timeout, long startNanos) {
    return driver.bootEvidence(ref, 64 * 1024).compose(evidence -> {
      long elapsed = System.nanoTime() - startNanos;
      if (evidence.consoleShows(marker)) {
        return Future.succeededFuture(BootResult.newBuilder().setBootVerified(true).setBootDuration(Duration
            .newBuilder().setSeconds(elapsed / 1_000_000_000L).setNanos((int) (elapsed % 1_000_000_000L))).build());
      }
      if (elapsed > timeout.toNanos()) {
        return Future.failedFuture(new HypervisorException(io.lifeboat.protocol.v1.ErrorClass.ERROR_CLASS_RETRIABLE,
            "boot_not_verified", "guest " + ref + " on " + driver.endpoint() + " showed no \"" + marker
                + "\" on its serial console within " + timeout.toSeconds() + " s"));
      }
      return vertx.timer(250).compose(t -> verifyBoot(ref, marker, timeout, startNanos));
    });
  }

  private static java.time.Duration seconds(Duration d) {
    java.time.Duration out = java.time.Duration.ofSeconds(d.getSeconds(), d.getNanos());
    return out.isZero() ? java.time.Duration.ofSeconds(60) : out;
  }
}
