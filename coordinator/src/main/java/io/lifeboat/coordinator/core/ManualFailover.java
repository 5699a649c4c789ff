package io.lifeboat.coordinator.core;

import java.util.Optional;

/**
 * What the core made of an admin's request to fail one guest over now.
 *
 * @param output records to journal and commands to send (empty when refused)
 * @param operationId the failover operation started, empty when refused
 * @param conflict why it was refused (the guest is not PROTECTED, its primary may still run it, nothing to fail
 *                 over to), empty when started
 */
public record ManualFailover(CoreOutput output, Optional<String> operationId, Optional<String> conflict) {

    static ManualFailover refused(String why) {
        return new ManualFailover(new CoreOutput(java.util.List.of(), java.util.List.of(), java.util.List.of()),
                Optional.empty(), Optional.of(why));
    }
}
