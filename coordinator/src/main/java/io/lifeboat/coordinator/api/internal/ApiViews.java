package io.lifeboat.coordinator.api.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;

import io.lifeboat.coordinator.core.CoordinatorCore;
import io.lifeboat.coordinator.state.GuestEntry;
import io.lifeboat.coordinator.state.RestorePoint;
import io.lifeboat.protocol.v1.RecoveryPlanDefined;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * JSON views of the coordinator's in-memory state for the REST API that stay small at any scale: one guest's restore
 * points, and the plans. Hosts and guests render from a snapshot off the event loop
 * ({@link io.lifeboat.coordinator.http.StatusView}). Reads only; call it on the coordinator's event loop.
 */
public final class ApiViews {

    private final CoordinatorCore core;

    /** Views of {@code core}. */
    public ApiViews(CoordinatorCore core) {
        this.core = core;
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

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }
}
