package io.lifeboat.coordinator.state;

import java.time.Instant;

/**
 * A restore point as the coordinator knows it.
 *
 * @param pointId restore point id
 * @param storeHostId host whose store holds it
 * @param snapshotTime its recovery point in time
 * @param verified every chunk present and hash-checked, none marked bad
 */
public record RestorePoint(String pointId, String storeHostId, Instant snapshotTime, boolean verified) {
}
