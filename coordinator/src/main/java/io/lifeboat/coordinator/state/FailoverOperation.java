package io.lifeboat.coordinator.state;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A failover of a lost host's guests, in plan order.
 *
 * @param operationId the operation id
 * @param lostHostId the lost host
 * @param declaredAt when recovery was declared (the start of the RTO)
 * @param guestIds the guests, in plan order
 * @param guests each guest's recovery, by guest id
 */
public record FailoverOperation(String operationId, String lostHostId, Instant declaredAt, List<String> guestIds,
                                Map<String, GuestRecovery> guests) {

    /** Creates the operation, copying its collections. */
    public FailoverOperation {
        guestIds = List.copyOf(guestIds);
        guests = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(guests));
    }

    /** Whether every guest is terminal. */
    public boolean finished() {
        return guests.values().stream().allMatch(GuestRecovery::terminal);
    }
}
