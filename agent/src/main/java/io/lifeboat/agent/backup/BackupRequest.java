package io.lifeboat.agent.backup;

import io.lifeboat.agent.hypervisor.GuestRef;
import io.lifeboat.protocol.v1.StoreTarget;
import io.lifeboat.storage.store.RestorePointId;

import java.util.Objects;

/**
 * One backup of one guest.
 *
 * @param guestId     Lifeboat's stable id of the guest (names its restore points)
 * @param guest       the guest on this host's hypervisor
 * @param target      the standby store receiving the chunks
 * @param cycleId     id of this cycle, quoted by every event it emits
 * @param basePointId restore point the cycle compares against, for the started event; empty for a first cycle
 */
public record BackupRequest(String guestId, GuestRef guest, StoreTarget target, String cycleId, String basePointId) {

    public BackupRequest {
        RestorePointId.checkGuest(guestId);
        Objects.requireNonNull(guest, "guest");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(cycleId, "cycleId");
        basePointId = Objects.requireNonNullElse(basePointId, "");
    }
}
