package io.lifeboat.coordinator.state;

import java.time.Instant;
import java.util.Optional;

import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.RecoveryStep;
import io.lifeboat.protocol.v1.StepStatus;

/**
 * Where one guest's recovery stands within a failover operation.
 *
 * @param guestId the guest
 * @param step the latest step (UNSPECIFIED before the first)
 * @param status that step's status
 * @param attempt that step's attempt number
 * @param pointId the pinned restore point, empty before SELECT_POINT
 * @param command the command of a STARTED step, resent unchanged after a restart
 * @param deadline when the coordinator stops waiting for that command
 * @param registeredSpec the guest as registered on the target
 * @param failedOverAt when its boot was verified, empty before
 * @param abandonedAt when its recovery was abandoned, empty if it was not
 */
public record GuestRecovery(String guestId, RecoveryStep step, StepStatus status, int attempt, String pointId,
                            Optional<Envelope> command, Optional<Instant> deadline, Optional<GuestSpec> registeredSpec,
                            Optional<Instant> failedOverAt, Optional<Instant> abandonedAt) {

    static GuestRecovery initial(String guestId) {
        return new GuestRecovery(guestId, RecoveryStep.RECOVERY_STEP_UNSPECIFIED, StepStatus.STEP_STATUS_UNSPECIFIED,
                0, "", Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** Whether the guest's recovery is over: verified on the target, or abandoned. */
    public boolean terminal() {
        return abandonedAt.isPresent() || failedOverAt.isPresent();
    }

    /** When it became terminal. */
    public Optional<Instant> terminalAt() {
        return abandonedAt.isPresent() ? abandonedAt : failedOverAt;
    }

    /** Whether a command is outstanding. */
    public boolean waiting() {
        return status == StepStatus.STEP_STATUS_STARTED && command.isPresent();
    }
}
