package io.lifeboat.coordinator.api.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.lifeboat.coordinator.compat.Compatibility;
import io.lifeboat.coordinator.compat.CompatibilityVerdict;
import io.lifeboat.coordinator.compat.DiskConversion;
import io.lifeboat.coordinator.core.CoordinatorCore;
import io.lifeboat.coordinator.health.HostState;
import io.lifeboat.coordinator.replication.ReplicationStatus;
import io.lifeboat.coordinator.state.FailoverOperation;
import io.lifeboat.coordinator.state.GuestEntry;
import io.lifeboat.coordinator.state.GuestRecovery;
import io.lifeboat.coordinator.state.RestorePoint;
import io.lifeboat.protocol.v1.RecoveryPlanDefined;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * JSON views of the coordinator's in-memory state for the REST API: hosts (state, facts, lease), guests (protection
 * state, compatibility verdict, newest point age against the RPO, replication progress), restore points and plans.
 * Reads only; call it on the coordinator's event loop.
 */
public final class ApiViews {

    private final CoordinatorCore core;

    /** Views of {@code core}. */
    public ApiViews(CoordinatorCore core) {
        this.core = core;
    }

    /** Every configured host, by id. */
    public JsonArray hosts(long nowNanos) {
        JsonArray out = new JsonArray();
        for (String hostId : core.hostIds()) {
            out.add(host(hostId, nowNanos));
        }
        return out;
    }

    /** One host, or empty when it is not configured. */
    public Optional<JsonObject> findHost(String hostId, long nowNanos) {
        return core.hostIds().contains(hostId) ? Optional.of(host(hostId, nowNanos)) : Optional.empty();
    }

    private JsonObject host(String hostId, long nowNanos) {
        HostState state = core.leases().state(hostId);
        JsonObject h = new JsonObject().put("hostId", hostId).put("state", state.name())
                .put("failoverArmed", core.leases().failoverArmed(hostId));
        String notArmed = core.leases().notArmedReason(hostId);
        h.put("failoverNotArmedReason", notArmed.isEmpty() ? null : notArmed);
        core.state().hostFacts(hostId).ifPresentOrElse(f -> h.put("facts", ProtoJson.of(f)),
                () -> h.put("facts", null));
        boolean heard = core.heartbeats().heardFrom(hostId);
        double silence = core.heartbeats().silenceNanos(hostId, nowNanos) / 1e9;
        double ttl = core.leases().timers().leaseTtlNanos() / 1e9;
        h.put("lease", new JsonObject().put("heardSinceStart", heard)
                .put("lastHeardSecondsAgo", heard ? round(silence) : null)
                .put("ttlSeconds", ttl)
                .put("remainingSeconds", heard ? round(Math.max(0, ttl - silence)) : null));
        h.put("guestIds", new JsonArray(core.state().guests().values().stream()
                .filter(g -> g.ownerHostId().equals(hostId)).map(GuestEntry::guestId).toList()));
        return h;
    }

    /** Every protected guest. */
    public JsonArray guests(Instant now, Map<String, JsonObject> progress) {
        Map<String, ReplicationStatus> replication = core.replication(now);
        Map<String, CompatibilityVerdict> verdicts = core.verdicts();
        JsonArray out = new JsonArray();
        for (GuestEntry g : core.state().guests().values()) {
            out.add(guest(g, replication.get(g.guestId()), verdicts.get(g.guestId()), progress.get(g.guestId()),
                    now));
        }
        return out;
    }

    /** One guest, or empty when it is not protected. */
    public Optional<JsonObject> findGuest(String guestId, Instant now, Map<String, JsonObject> progress) {
        return core.state().guest(guestId).map(g -> guest(g, core.replication(now).get(guestId),
                core.verdicts().get(guestId), progress.get(guestId), now));
    }

    private JsonObject guest(GuestEntry g, ReplicationStatus r, CompatibilityVerdict verdict, JsonObject progress,
                             Instant now) {
        JsonObject j = new JsonObject().put("guestId", g.guestId()).put("name", g.spec().getName())
                .put("state", guestState(g, r, verdict, now)).put("primaryHostId", g.primaryHostId())
                .put("standbyHostId", g.standbyHostId()).put("ownerHostId", g.ownerHostId()).put("plan", g.plan());
        if (r != null) {
            j.put("rpoSeconds", seconds(r.rpo()))
                    .put("newestPointId", r.newestPoint().map(RestorePoint::pointId).orElse(null))
                    .put("newestPointAgeSeconds", r.pointAge(now).map(ApiViews::seconds).orElse(null))
                    .put("rpoExceeded", r.atRisk(now))
                    .put("backupInFlight", r.inFlightCommandId().isPresent())
                    .put("nextBackupInSeconds", r.nextBackupAt()
                            // A guest due since Instant.MIN (no point yet) is due now: 0, not an overflow (HTTP 500).
                            .map(at -> at.isAfter(now) ? seconds(Duration.between(now, at)) : 0.0).orElse(null))
                    .put("replicationBlockedReason", r.blockedReason().orElse(null))
                    .put("consecutiveBackupFailures", r.consecutiveFailures())
                    .put("lastBackupFailure", r.lastFailure().orElse(null));
        }
        j.put("replicationProgress", r != null && r.inFlightCommandId().isPresent() ? progress : null);
        j.put("pointCount", core.state().points(g.guestId()).size());
        j.put("compatibility", verdict == null ? null : compatibility(verdict));
        j.put("recovery", recovery(g.guestId()));
        return j;
    }

    private static JsonObject compatibility(CompatibilityVerdict v) {
        JsonArray steps = new JsonArray();
        for (DiskConversion d : v.diskConversions()) {
            steps.add("disk " + d.diskIndex() + ": " + d.reason());
        }
        v.deviceChanges().forEach(steps::add);
        return new JsonObject().put("verdict", v.compatibility().name()).put("targetHostId", v.targetHostId())
                .put("summary", v.summary()).put("refusals", new JsonArray(v.refusals())).put("steps", steps);
    }

    private JsonObject recovery(String guestId) {
        List<FailoverOperation> ops = core.state().operations();
        for (int i = ops.size() - 1; i >= 0; i--) {
            GuestRecovery r = ops.get(i).guests().get(guestId);
            if (r != null) {
                return new JsonObject().put("operationId", ops.get(i).operationId())
                        .put("step", r.step().name().replace("RECOVERY_STEP_", ""))
                        .put("stepStatus", r.status().name().replace("STEP_STATUS_", ""))
                        .put("attempt", r.attempt()).put("pointId", r.pointId().isEmpty() ? null : r.pointId())
                        .put("failedOverAt", r.failedOverAt().map(Instant::toString).orElse(null))
                        .put("abandonedAt", r.abandonedAt().map(Instant::toString).orElse(null));
            }
        }
        return null;
    }

    /** A guest's restore points, newest first, or empty when the guest is not protected. */
    public Optional<JsonArray> points(String guestId, Instant now) {
        if (core.state().guest(guestId).isEmpty()) {
            return Optional.empty();
        }
        JsonArray out = new JsonArray();
        core.state().points(guestId).stream().sorted(Comparator.comparing(RestorePoint::snapshotTime).reversed())
                .forEach(p -> out.add(new JsonObject().put("pointId", p.pointId()).put("guestId", guestId)
                        .put("storeHostId", p.storeHostId()).put("snapshotTime", p.snapshotTime().toString())
                        .put("ageSeconds", seconds(Duration.between(p.snapshotTime(), now)))
                        .put("verified", p.verified())));
        return Optional.of(out);
    }

    /** The recovery plans. */
    public JsonArray plans(Map<String, RecoveryPlanDefined> plans) {
        JsonArray out = new JsonArray();
        for (RecoveryPlanDefined p : plans.values()) {
            JsonObject j = ProtoJson.of(p);
            j.put("name", p.getName());
            j.put("guestIds", new JsonArray(core.state().guests().values().stream()
                    .filter(g -> g.plan().equals(p.getName())).map(GuestEntry::guestId).toList()));
            out.add(j);
        }
        return out;
    }

    /** The protection state shown for a guest: PROTECTED becomes AT_RISK past its RPO or with a REFUSE verdict. */
    static String guestState(GuestEntry g, ReplicationStatus r, CompatibilityVerdict verdict, Instant now) {
        String state = g.state().name().replace("GUEST_STATE_", "");
        if (state.equals("PROTECTED") && (r != null && r.atRisk(now)
                || verdict != null && verdict.compatibility() == Compatibility.REFUSE)) {
            return "AT_RISK";
        }
        return state;
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }

    private static double round(double seconds) {
        return Math.round(seconds * 1000) / 1000.0;
    }
}
