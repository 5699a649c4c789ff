package io.lifeboat.coordinator.drill;

import java.time.Instant;
import java.util.Optional;

import io.lifeboat.protocol.v1.GuestSpec;

/**
 * What a drill needs to know about one guest when its turn comes.
 *
 * @param guestId the guest id
 * @param name its name (the drill copy is named {@code drill-<name>-<short id>})
 * @param standbyHostId the host its restore points are on, where the drill copy boots
 * @param spec its spec as it runs in production, or the default instance when unknown
 * @param pointId the latest verified restore point on the standby, or empty when there is none
 * @param pointTime that point's snapshot time, or empty
 */
public record DrillGuest(String guestId, String name, String standbyHostId, GuestSpec spec,
                         Optional<String> pointId, Optional<Instant> pointTime) {
}
