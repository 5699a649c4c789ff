package io.lifeboat.coordinator.http;

import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.LongSupplier;

import io.lifeboat.coordinator.core.CoordinatorCore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;

/**
 * Renders status views off the event loop: takes a {@link StatusSnapshot} on the coordinator's event loop (a copy of
 * the state), then runs the view (verdicts, replication status, JSON, encoding) on the {@value #POOL} worker pool;
 * the future completes back on the event loop. Rendering 10,000 guests takes about a second, which would otherwise
 * stall heartbeats, leases and every other request.
 */
public final class StatusRenderer {

    /** Worker pool that renders status views. */
    public static final String POOL = "lifeboat-status-render";
    private static final int POOL_SIZE = 2;

    private final Vertx vertx;
    private final CoordinatorCore core;
    private final Clock wall;
    private final LongSupplier nanoTime;
    private WorkerExecutor pool;

    /**
     * Creates a renderer.
     *
     * @param nanoTime the monotonic clock the core's leases count in (lease ages in the host views)
     */
    public StatusRenderer(Vertx vertx, CoordinatorCore core, Clock wall, LongSupplier nanoTime) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.core = Objects.requireNonNull(core, "core");
        this.wall = Objects.requireNonNull(wall, "wall");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /**
     * Snapshots now (call on the coordinator's event loop) and renders {@code view} of it on the worker pool.
     *
     * @param progress the latest replication progress per guest id, copied into the snapshot
     */
    public <T> Future<T> render(Map<String, JsonObject> progress, Function<StatusSnapshot, T> view) {
        StatusSnapshot snapshot = StatusSnapshot.capture(core, progress, wall.instant(), nanoTime.getAsLong());
        if (pool == null) {
            pool = vertx.createSharedWorkerExecutor(POOL, POOL_SIZE);
        }
        return pool.executeBlocking(() -> view.apply(snapshot), false);
    }

    /** Releases the worker pool. */
    public Future<Void> close() {
        return pool == null ? Future.succeededFuture() : pool.close();
    }
}
