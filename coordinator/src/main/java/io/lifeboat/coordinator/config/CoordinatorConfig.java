package io.lifeboat.coordinator.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.lifeboat.coordinator.health.LeaseTimers;
import io.lifeboat.coordinator.health.VoterPlacement;
import io.lifeboat.protocol.v1.RecoveryPlanDefined;

/**
 * A coordinator's configuration, as read from its YAML file by {@link CoordinatorConfigLoader}.
 *
 * @param nodeId this coordinator's voter id
 * @param box the physical box the coordinator runs on (for the voter placement check)
 * @param listenHost address the agent link listener binds
 * @param listenPort its TCP port (0 = any free port)
 * @param journalDir directory of the journal
 * @param secrets key id → shared secret bytes (agents prove knowledge with an HMAC in their Hello)
 * @param hosts the hosts whose agents may connect, by host id
 * @param timers failure-detection timers
 * @param plans recovery plans, by name
 * @param guests guests to protect, by guest id
 */
public record CoordinatorConfig(String nodeId, String box, String listenHost, int listenPort, Path journalDir,
                                Map<String, byte[]> secrets, Map<String, HostConfig> hosts, LeaseTimers timers,
                                Map<String, RecoveryPlanDefined> plans, Map<String, GuestConfig> guests) {

    /** Creates the config, copying its collections. */
    public CoordinatorConfig {
        secrets = Map.copyOf(secrets);
        hosts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(hosts));
        plans = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(plans));
        guests = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(guests));
    }

    /**
     * One host whose agent may connect.
     *
     * @param hostId the host id
     * @param box the physical box it is
     * @param keyId the key id its agent must use, or empty for any configured key
     */
    public record HostConfig(String hostId, String box, Optional<String> keyId) {
    }

    /**
     * A guest to protect once its primary's agent reports it.
     *
     * @param guestId the stable id Lifeboat assigns (a UUID string)
     * @param name the name the primary's hypervisor shows
     * @param primaryHostId host it runs on
     * @param standbyHostId host it fails over to
     * @param plan its recovery plan
     */
    public record GuestConfig(String guestId, String name, String primaryHostId, String standbyHostId, String plan) {
    }

    /** The voters (every host and this coordinator) and their boxes. */
    public VoterPlacement placement() {
        Map<String, String> boxes = new LinkedHashMap<>();
        hosts.values().forEach(h -> boxes.put(h.hostId(), h.box()));
        boxes.put(nodeId, box);
        return new VoterPlacement(boxes);
    }

    /** The host ids. */
    public List<String> hostIds() {
        return List.copyOf(hosts.keySet());
    }
}
