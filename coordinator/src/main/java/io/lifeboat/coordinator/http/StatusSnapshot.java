package io.lifeboat.coordinator.http;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.lifeboat.coordinator.core.CoordinatorCore;
import io.lifeboat.coordinator.health.HostState;
import io.lifeboat.coordinator.replication.HostReadiness;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.protocol.v1.HostFacts;
import io.vertx.core.json.JsonObject;

/**
 * What the status views show, frozen on the coordinator's event loop (a copy of the state, each host's lease and
 * readiness, the replication progress) so that {@link StatusView} can render it on a worker thread: taking it costs a
 * copy of the state, rendering thousands of guests (verdicts, replication status, JSON) happens off the loop.
 *
 * @param nodeId the coordinator
 * @param epoch its epoch
 * @param at the wall-clock time of the snapshot
 * @param placementProblem why automatic failover is not armed on this site, if it is not
 * @param hosts every configured host, sorted by id
 * @param state a copy of the state, read only
 * @param readiness each host's readiness for backups, frozen
 * @param progress the latest replication progress per guest id (copies)
 * @param core used only for its thread-safe verdicts and replication status over {@code state}
 */
public record StatusSnapshot(String nodeId, long epoch, Instant at, Optional<String> placementProblem,
                             List<Host> hosts, CoordinatorState state, HostReadiness readiness,
                             Map<String, JsonObject> progress, CoordinatorCore core) {

    /**
     * One host's lease and facts.
     *
     * @param hostId the host
     * @param state its state
     * @param failoverArmed whether a loss of it would be failed over automatically
     * @param notArmedReason why not, empty when it would
     * @param facts its latest facts
     * @param heard whether it was heard from since the coordinator started
     * @param silenceNanos how long it has been silent
     * @param ttlNanos the lease TTL
     */
    public record Host(String hostId, HostState state, boolean failoverArmed, String notArmedReason,
                       Optional<HostFacts> facts, boolean heard, long silenceNanos, long ttlNanos) {
    }

    /** Takes the snapshot; call on the coordinator's event loop. */
    public static StatusSnapshot capture(CoordinatorCore core, Map<String, JsonObject> progress, Instant now,
                                         long nowNanos) {
        CoordinatorState state = core.state().copy();
        List<Host> hosts = core.hostIds().stream().map(h -> new Host(h, core.hostState(h),
                core.leases().failoverArmed(h), core.leases().notArmedReason(h), state.hostFacts(h),
                core.heartbeats().heardFrom(h), core.heartbeats().silenceNanos(h, nowNanos),
                core.leases().timers().leaseTtlNanos())).toList();
        Map<String, JsonObject> copies = new HashMap<>();
        progress.forEach((guest, p) -> copies.put(guest, p.copy()));
        return new StatusSnapshot(core.nodeId(), core.epoch(), now, core.leases().placementProblem(), hosts, state,
                core.readinessSnapshot(), copies, core);
    }

    /** Takes the snapshot without replication progress (the status document and metrics show none). */
    public static StatusSnapshot capture(CoordinatorCore core, Instant now, long nowNanos) {
        return capture(core, Map.of(), now, nowNanos);
    }
}
