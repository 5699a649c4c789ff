package io.lifeboat.coordinator.compat;

import java.util.Map;
import java.util.Objects;

import io.lifeboat.protocol.v1.HostFacts;

/**
 * Where a recovery plan places guests: the target host's facts, the plan's network mapping (source network, bridge
 * or port group → target network), and the datastore directory the guests' disks go to.
 *
 * @param facts the target host's facts
 * @param networkMap source network name → target network name
 * @param destinationDir directory on the target, inside a datastore, that receives the guests' disks
 */
public record PlacementTarget(HostFacts facts, Map<String, String> networkMap, String destinationDir) {

    /** Creates the target, copying the map. */
    public PlacementTarget {
        Objects.requireNonNull(facts, "facts");
        networkMap = Map.copyOf(networkMap);
        Objects.requireNonNull(destinationDir, "destinationDir");
    }
}
