package io.lifeboat.coordinator.core;

import java.util.Optional;

/**
 * Where the other hosts reach a host: its agent's store (backups of the guests it stands by for) and the endpoints a
 * peer agent probes for the second signal.
 *
 * @param hostId the host
 * @param store its agent store as "ADDR:PORT", empty when it runs none
 * @param probeHypervisor its hypervisor API endpoint ("ADDR:PORT" or a URI), empty when unknown
 * @param probeSsh its SSH endpoint as "ADDR:PORT", empty when unknown
 */
public record HostEndpoints(String hostId, Optional<String> store, Optional<String> probeHypervisor,
                            Optional<String> probeSsh) {
}
