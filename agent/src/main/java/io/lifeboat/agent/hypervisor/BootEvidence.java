package io.lifeboat.agent.hypervisor;

import io.lifeboat.protocol.v1.PowerState;

import java.util.Objects;

/**
 * What a hypervisor shows of a guest's boot: its run state and the tail of its serial-console log.
 *
 * @param powerState  run state now
 * @param consoleTail the last bytes of the serial-console log as text (UTF-8, malformed bytes replaced), empty when
 *                    the guest has no console log
 */
public record BootEvidence(PowerState powerState, String consoleTail) {

    public BootEvidence {
        Objects.requireNonNull(powerState, "powerState");
        consoleTail = Objects.requireNonNullElse(consoleTail, "");
    }

    /** Whether the console tail contains {@code marker}. */
    public boolean consoleShows(String marker) {
        return consoleTail.contains(marker);
    }
}
