package io.lifeboat.coordinator.health;

import java.util.List;

/**
 * What one evaluation of the lease table found.
 *
 * @param transitions host state changes to journal and then apply, in host id order
 * @param probes probes to send to other agents (not journaled: asking twice is harmless)
 * @param recoveryDueHostIds LOST hosts, armed for automatic failover, silent to a majority past the recovery start
 */
public record HealthAssessment(List<HostTransition> transitions, List<ProbeRequest> probes,
                               List<String> recoveryDueHostIds) {

    /** Creates the assessment, copying the lists. */
    public HealthAssessment {
        transitions = List.copyOf(transitions);
        probes = List.copyOf(probes);
        recoveryDueHostIds = List.copyOf(recoveryDueHostIds);
    }
}
