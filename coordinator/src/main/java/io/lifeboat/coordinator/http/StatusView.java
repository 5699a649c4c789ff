package io.lifeboat.coordinator.http;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.lifeboat.coordinator.api.internal.ProtoJson;
import io.lifeboat.coordinator.compat.Compatibility;
import io.lifeboat.coordinator.compat.CompatibilityVerdict;
import io.lifeboat.coordinator.compat.DiskConversion;
import io.lifeboat.coordinator.core.CoordinatorCore;
import io.lifeboat.coordinator.replication.ReplicationStatus;
import io.lifeboat.coordinator.state.FailoverOperation;
import io.lifeboat.coordinator.state.GuestEntry;
import io.lifeboat.coordinator.state.GuestRecovery;
import io.lifeboat.coordinator.state.RestorePoint;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The one renderer of hosts and guests, for the {@code GET /api/v1/status} document (hosts with their states, guests
 * with their states, newest restore point, its age and the RPO, failover operations with the RTO and RPO they
 * achieved) and for the REST resources {@code /hosts} and {@code /guests} (the same guest fields plus the verdict
 * with its steps, replication progress, latest recovery; hosts with facts and lease). It renders a
 * {@link StatusSnapshot}, so it may run on a worker thread: for thousands of guests it must not run on the event loop.
 */
public final class StatusView {

    private StatusView() {
    }

    /** The status document at {@code now}, snapshot and rendering on the calling thread (tests, small sites). */
    public static JsonObject render(CoordinatorCore core, Instant now) {
        // The status document shows no lease ages: the monotonic time is not needed.
        return render(StatusSnapshot.capture(core, now, 0L));
    }

    /** The status document of {@code s}. */
    public static JsonObject render(StatusSnapshot s) {
        JsonObject out = new JsonObject().put("nodeId", s.nodeId()).put("epoch", s.epoch()).put("at", s.at().toString())
                .put("failoverArmed", s.placementProblem().isEmpty())
                .put("notArmedReason", s.placementProblem().orElse(null));
        JsonArray hosts = new JsonArray();
        for (StatusSnapshot.Host host : s.hosts()) {
            JsonObject h = new JsonObject().put("hostId", host.hostId()).put("state", host.state().name());
            if (!host.notArmedReason().isEmpty()) {
                h.put("failoverNotArmedReason", host.notArmedReason());
            }
            host.facts().ifPresent(f -> h.put("hypervisorKind", f.getHypervisorKind().name()
                    .replace("HYPERVISOR_KIND_", "")).put("hypervisorVersion", f.getHypervisorVersion()));
            hosts.add(h);
        }
        out.put("hosts", hosts);
        Guests guests = new Guests(s);
        JsonArray rows = new JsonArray();
        for (GuestEntry g : s.state().guests().values()) {
            JsonObject j = guests.base(g);
            CompatibilityVerdict verdict = guests.verdicts.get(g.guestId());
            if (verdict != null) {
                j.put("compatibility", verdict.compatibility().name()).put("compatibilitySummary", verdict.summary());
            }
            rows.add(j);
        }
        out.put("guests", rows);

        JsonArray failovers = new JsonArray();
        for (FailoverOperation op : s.state().operations()) {
            JsonArray opGuests = new JsonArray();
            for (GuestRecovery r : op.guests().values()) {
                JsonObject j = new JsonObject().put("guestId", r.guestId())
                        .put("step", r.step().name().replace("RECOVERY_STEP_", ""))
                        .put("stepStatus", r.status().name().replace("STEP_STATUS_", "")).put("attempt", r.attempt())
                        .put("pointId", r.pointId().isEmpty() ? null : r.pointId())
                        .put("failedOver", r.failedOverAt().isPresent())
                        .put("abandoned", r.abandonedAt().isPresent());
                r.failedOverAt().ifPresent(at -> j.put("rtoSeconds", seconds(Duration.between(op.declaredAt(), at))));
                rpo(s, op, r).ifPresent(d -> j.put("rpoSeconds", seconds(d)));
                opGuests.add(j);
            }
            failovers.add(new JsonObject().put("operationId", op.operationId()).put("lostHostId", op.lostHostId())
                    .put("declaredAt", op.declaredAt().toString()).put("finished", op.finished())
                    .put("guests", opGuests));
        }
        out.put("failovers", failovers);
        return out;
    }

    /** Every protected guest as the REST resource {@code /guests} lists it. */
    public static JsonArray guests(StatusSnapshot s) {
        Guests guests = new Guests(s);
        JsonArray out = new JsonArray();
        s.state().guests().values().forEach(g -> out.add(guests.resource(g)));
        return out;
    }

    /** One guest as the REST resource {@code /guests/{guestId}}, or empty when it is not protected. */
    public static Optional<JsonObject> guest(StatusSnapshot s, String guestId) {
        return s.state().guest(guestId).map(g -> new Guests(s).resource(g));
    }

    /** Every configured host as the REST resource {@code /hosts} lists it. */
    public static JsonArray hosts(StatusSnapshot s) {
        JsonArray out = new JsonArray();
        s.hosts().forEach(h -> out.add(host(s, h)));
        return out;
    }

    /** One host as the REST resource {@code /hosts/{hostId}}, or empty when it is not configured. */
    public static Optional<JsonObject> host(StatusSnapshot s, String hostId) {
        return s.hosts().stream().filter(h -> h.hostId().equals(hostId)).findFirst().map(h -> host(s, h));
    }

    private static JsonObject host(StatusSnapshot s, StatusSnapshot.Host host) {
        JsonObject h = new JsonObject().put("hostId", host.hostId()).put("state", host.state().name())
                .put("failoverArmed", host.failoverArmed())
                .put("failoverNotArmedReason", host.notArmedReason().isEmpty() ? null : host.notArmedReason());
        h.put("facts", host.facts().map(ProtoJson::of).orElse(null));
        double silence = host.silenceNanos() / 1e9;
        double ttl = host.ttlNanos() / 1e9;
        h.put("lease", new JsonObject().put("heardSinceStart", host.heard())
                .put("lastHeardSecondsAgo", host.heard() ? round(silence) : null)
                .put("ttlSeconds", ttl)
                .put("remainingSeconds", host.heard() ? round(Math.max(0, ttl - silence)) : null));
        h.put("guestIds", new JsonArray(s.state().guests().values().stream()
                .filter(g -> g.ownerHostId().equals(host.hostId())).map(GuestEntry::guestId).toList()));
        return h;
    }

    /** The guests' derived facts, computed once per rendering. */
    private static final class Guests {
        final StatusSnapshot s;
        final Map<String, ReplicationStatus> replication;
        final Map<String, CompatibilityVerdict> verdicts;
        final Map<String, JsonObject> recoveries = new HashMap<>();

        Guests(StatusSnapshot s) {
            this.s = s;
            this.replication = s.core().replication(s.state(), s.readiness(), s.at());
            this.verdicts = s.core().verdicts(s.state());
            for (FailoverOperation op : s.state().operations()) {
                // Later operations replace earlier ones: each guest shows its latest recovery.
                op.guests().values().forEach(r -> recoveries.put(r.guestId(), recovery(op, r)));
            }
        }

        /** The fields both views show. */
        JsonObject base(GuestEntry g) {
            ReplicationStatus r = replication.get(g.guestId());
            Instant now = s.at();
            String state = shownState(g, r, verdicts.get(g.guestId()), now);
            return new JsonObject().put("guestId", g.guestId()).put("name", g.spec().getName())
                    .put("state", state)
                    .put("atRiskReason", state.equals("AT_RISK") ? atRiskReason(g, r, now) : null)
                    .put("primaryHostId", g.primaryHostId()).put("standbyHostId", g.standbyHostId())
                    .put("ownerHostId", g.ownerHostId()).put("plan", g.plan())
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
                    .put("pointCount", s.state().points(g.guestId()).size());
        }

        /** Why an AT_RISK guest is at risk, in the admin's words: an abandoned failover, a refusal, or its RPO. */
        private String atRiskReason(GuestEntry g, ReplicationStatus r, Instant now) {
            Optional<String> abandoned = s.state().abandonedRecovery(g.guestId()).map(a -> a.reason());
            if (abandoned.isPresent()) {
                return abandoned.get() + "; an admin's failover retries it";
            }
            CompatibilityVerdict verdict = verdicts.get(g.guestId());
            if (verdict != null && verdict.compatibility() == Compatibility.REFUSE) {
                return "cannot run on " + verdict.targetHostId() + ": " + verdict.summary();
            }
            return r.pointAge(now).map(age -> String.format(java.util.Locale.ROOT,
                    "newest restore point is %.0f s old, over the RPO of %.0f s", seconds(age), seconds(r.rpo())))
                    .orElse("no restore point yet");
        }

        /** The REST resource: the base plus RPO exceeded, replication progress, the verdict, the latest recovery. */
        JsonObject resource(GuestEntry g) {
            ReplicationStatus r = replication.get(g.guestId());
            CompatibilityVerdict verdict = verdicts.get(g.guestId());
            return base(g).put("rpoExceeded", r.atRisk(s.at()))
                    .put("replicationProgress", r.inFlightCommandId().isPresent() ? s.progress().get(g.guestId())
                            : null)
                    .put("compatibility", verdict == null ? null : compatibility(verdict))
                    .put("recovery", recoveries.get(g.guestId()));
        }
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

    private static JsonObject recovery(FailoverOperation op, GuestRecovery r) {
        return new JsonObject().put("operationId", op.operationId())
                .put("step", r.step().name().replace("RECOVERY_STEP_", ""))
                .put("stepStatus", r.status().name().replace("STEP_STATUS_", ""))
                .put("attempt", r.attempt()).put("pointId", r.pointId().isEmpty() ? null : r.pointId())
                .put("failedOverAt", r.failedOverAt().map(Instant::toString).orElse(null))
                .put("abandonedAt", r.abandonedAt().map(Instant::toString).orElse(null));
    }

    /** The achieved RPO of a guest's recovery: declaration time minus the pinned point's snapshot time. */
    static Optional<Duration> rpo(StatusSnapshot s, FailoverOperation op, GuestRecovery r) {
        if (r.pointId().isEmpty()) {
            return Optional.empty();
        }
        List<RestorePoint> points = s.state().points(r.guestId());
        return points.stream().filter(p -> p.pointId().equals(r.pointId())).findFirst()
                .map(p -> Duration.between(p.snapshotTime(), op.declaredAt()));
    }

    /** The protection state shown for a guest: PROTECTED becomes AT_RISK past its RPO or with a REFUSE verdict. */
    private static String shownState(GuestEntry g, ReplicationStatus r, CompatibilityVerdict verdict, Instant now) {
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

    private static double round(double seconds) {
        return Math.round(seconds * 1000) / 1000.0;
    }
}
