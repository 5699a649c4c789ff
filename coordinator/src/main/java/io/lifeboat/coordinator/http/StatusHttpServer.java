package io.lifeboat.coordinator.http;

import java.time.Clock;
import java.util.Objects;
import java.util.function.LongSupplier;

import io.lifeboat.coordinator.config.HostPort;
import io.lifeboat.coordinator.core.CoordinatorCore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;

/**
 * Serves {@code GET /metrics} (Prometheus text) and {@code GET /api/v1/status} (JSON) from the coordinator's
 * in-memory state. Create and start it on the coordinator verticle's event loop, so that requests are handled there
 * and read the core without locks; no handler blocks.
 */
public final class StatusHttpServer {

    private final Vertx vertx;
    private final CoordinatorCore core;
    private final Clock wall;
    private final LongSupplier journalRecords;
    private HttpServer server;

    /**
     * Creates the server.
     *
     * @param journalRecords how many journal records there are (for {@code lifeboat_journal_records_total})
     */
    public StatusHttpServer(Vertx vertx, CoordinatorCore core, Clock wall, LongSupplier journalRecords) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.core = Objects.requireNonNull(core, "core");
        this.wall = Objects.requireNonNull(wall, "wall");
        this.journalRecords = Objects.requireNonNull(journalRecords, "journalRecords");
    }

    /** Listens on {@code listen}; fails naming the address when it cannot. */
    public Future<HttpServer> listen(HostPort listen) {
        Router router = Router.router(vertx);
        router.get("/metrics").handler(ctx -> ctx.response().putHeader("Content-Type", MetricsText.CONTENT_TYPE)
                .end(MetricsText.render(StatusView.render(core, wall.instant()), journalRecords.getAsLong())));
        router.get("/api/v1/status").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "application/json; charset=utf-8")
                .end(StatusView.render(core, wall.instant()).encode()));
        return vertx.createHttpServer().requestHandler(router).listen(listen.port(), listen.host())
                .recover(e -> Future.failedFuture(new IllegalStateException("coordinator HTTP server cannot listen on "
                        + listen + ": " + e.getMessage(), e)))
                .onSuccess(s -> server = s);
    }

    /** The bound port, or -1 before {@link #listen}. */
    public int actualPort() {
        return server == null ? -1 : server.actualPort();
    }

    /** Stops listening. */
    public Future<Void> close() {
        return server == null ? Future.succeededFuture() : server.close();
    }
}
