package io.lifeboat.coordinator.failover;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import io.lifeboat.coordinator.state.AbandonedRecovery;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.GuestEntry;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.GuestProtectionResumed;
import io.lifeboat.protocol.v1.GuestState;
import io.lifeboat.protocol.v1.JournalRecord;

/**
 * Decides when a guest left AT_RISK by an abandoned failover is PROTECTED again: the host the failover was recovering
 * it from is back and still owns it, so backups from there resume.
 *
 * <p>The owner is still that host only when the recovery never reached REGISTER: nothing of the guest exists on the
 * standby, so giving it back to its primary cannot add a copy (I1). A guest whose recovery reached REGISTER is owned
 * by its standby and waits for an admin's failover. Stateless; reads no clock.
 */
public final class ProtectionResumer {

    /**
     * The {@link GuestProtectionResumed} records due in {@code state} at {@code wall}.
     *
     * @param hostBack whether a host is UP and its agent linked, so that it can run and back up its guests again
     */
    public Decision resume(CoordinatorState state, Predicate<String> hostBack, Instant wall) {
        List<JournalRecord> records = new ArrayList<>();
        for (GuestEntry g : state.guests().values()) {
            if (g.state() != GuestState.GUEST_STATE_AT_RISK) {
                continue;
            }
            AbandonedRecovery a = state.abandonedRecovery(g.guestId()).orElse(null);
            if (a != null && a.lostHostId().equals(g.ownerHostId()) && hostBack.test(a.lostHostId())) {
                records.add(JournalRecord.newBuilder().setGuestProtectionResumed(GuestProtectionResumed.newBuilder()
                        .setGuestId(g.guestId()).setHostId(a.lostHostId())
                        .setReason("host " + a.lostHostId() + " is UP again and still owns the guest (" + a.reason()
                                + ", " + a.operationId() + "): protected from there again")
                        .setAt(Timestamps.of(wall))).build());
            }
        }
        return new Decision(records, List.of());
    }
}
