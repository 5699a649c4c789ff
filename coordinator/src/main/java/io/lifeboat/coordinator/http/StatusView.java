package io.lifeboat.coordinator.http;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import io.lifeboat.coordinator.compat.Compatibility;
import io.lifeboat.coordinator.compat.CompatibilityVerdict;
import io.lifeboat.coordinator.core.CoordinatorCore;
import io.lifeboat.coordinator.replication.ReplicationStatus;
import io.lifeboat.coordinator.state.FailoverOperation;
import io.lifeboat.coordinator.state.GuestEntry;
import io.lifeboat.coordinator.state.GuestRecovery;
import io.lifeboat.coordinator.state.RestorePoint;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Renders the coordinator's in-memory state as the {@code GET /api/v1/status} document: hosts with their states,
 * guests with their states, newest restore point, its age and the RPO, and failover operations with the RTO and RPO
 * they achieved. Reads only; call it on the coordinator's event loop.
 */
public final class StatusView {

    private StatusView() {
    }

    /** The status document at {@code now}. */
    public static JsonObject render(CoordinatorCore core, Instant now) {
        JsonObject out = new JsonObject().put("nodeId", core.nodeId()).put("epoch", core.epoch())
                .put("at", now.toString())
                .put("failoverArmed", core.leases().placementProblem().isEmpty())
                .put("notArmedReason", core.leases().placementProblem().orElse(null));
        JsonArray hosts = new JsonArray();
        for (String hostId : core.hostIds()) {
            JsonObject h = new JsonObject().put("hostId", hostId).put("state", core.leases().state(hostId).name());
            String notArmed = core.leases().notArmedReason(hostId);
            if (!notArmed.isEmpty()) {
                h.put("failoverNotArmedReason", notArmed);
            }
            core.state().hostFacts(hostId).ifPresent(f -> h.put("hypervisorKind", f.getHypervisorKind().name()
                    .replace("HYPERVISOR_KIND_", "")).put("hypervisorVersion", f.getHypervisorVersion()));
            hosts.add(h);
        }
        out.put("hosts", hosts);

        Map<String, ReplicationStatus> replication = core.replication(now);
        Map<String, CompatibilityVerdict> verdicts = core.verdicts();
        JsonArray guests = new JsonArray();
        for (GuestEntry g : core.state().guests().values()) {
            ReplicationStatus r = replication.get(g.guestId());
            CompatibilityVerdict verdict = verdicts.get(g.guestId());
            JsonObject j = new JsonObject().put("guestId", g.guestId()).put("name", g.spec().getName())
                    .put("state", guestState(g, r, verdict, now)).put("primaryHostId", g.primaryHostId())
                    .put("standbyHostId", g.standbyHostId()).put("ownerHostId", g.ownerHostId()).put("plan", g.plan())
                    .put("rpoSeconds", seconds(r.rpo()))
                    .put("newestPointId", r.newestPoint().map(RestorePoint::pointId).orElse(null))
                    .put("newestPointAgeSeconds", r.pointAge(now).map(StatusView::seconds).orElse(null))
                    .put("backupInFlight", r.inFlightCommandId().isPresent())
                    .put("nextBackupInSeconds", r.nextBackupAt()
                            // A guest with no point yet is due since Instant.MIN: 0, not an overflow (HTTP 500).
                            .map(at -> at.isAfter(now) ? seconds(Duration.between(now, at)) : 0.0).orElse(null))
                    .put("replicationBlockedReason", r.blockedReason().orElse(null))
                    .put("consecutiveBackupFailures", r.consecutiveFailures())
                    .put("lastBackupFailure", r.lastFailure().orElse(null))
                    .put("pointCount", core.state().points(g.guestId()).size());
            if (verdict != null) {
                j.put("compatibility", verdict.compatibility().name()).put("compatibilitySummary", verdict.summary());
            }
            guests.add(j);
        }
        out.put("guests", guests);

        JsonArray failovers = new JsonArray();
        for (FailoverOperation op : core.state().operations()) {
            JsonArray opGuests = new JsonArray();
            for (GuestRecovery r : op.guests().values()) {
                JsonObject j = new JsonObject().put("guestId", r.guestId())
                        .put("step", r.step().name().replace("RECOVERY_STEP_", ""))
                        .put("stepStatus", r.status().name().replace("STEP_STATUS_", "")).put("attempt", r.attempt())
                        .put("pointId", r.pointId().isEmpty() ? null : r.pointId())
                        .put("failedOver", r.failedOverAt().isPresent())
                        .put("abandoned", r.abandonedAt().isPresent());
                r.failedOverAt().ifPresent(at -> j.put("rtoSeconds", seconds(Duration.between(op.declaredAt(), at))));
                rpo(core, op, r).ifPresent(d -> j.put("rpoSeconds", seconds(d)));
                opGuests.add(j);
            }
            failovers.add(new JsonObject().put("operationId", op.operationId()).put("lostHostId", op.lostHostId())
                    .put("declaredAt", op.declaredAt().toString()).put("finished", op.finished())
                    .put("guests", opGuests));
        }
        out.put("failovers", failovers);
        return out;
    }

    /** The achieved RPO of a guest's recovery: declaration time minus the pinned point's snapshot time. */
    static Optional<Duration> rpo(CoordinatorCore core, FailoverOperation op, GuestRecovery r) {
        if (r.pointId().isEmpty()) {
            return Optional.empty();
        }
        return core.state().points(r.guestId()).stream().filter(p -> p.pointId().equals(r.pointId())).findFirst()
                .map(p -> Duration.between(p.snapshotTime(), op.declaredAt()));
    }

    private static String guestState(GuestEntry g, ReplicationStatus r, CompatibilityVerdict verdict, Instant now) {
        String state = g.state().name().replace("GUEST_STATE_", "");
        if (state.equals("PROTECTED") && (r.atRisk(now)
                || verdict != null && verdict.compatibility() == Compatibility.REFUSE)) {
            return "AT_RISK";
        }
        return state;
    }

    static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }
}
