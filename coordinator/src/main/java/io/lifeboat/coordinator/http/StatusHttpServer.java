package io.lifeboat.coordinator.http;

import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import io.lifeboat.coordinator.api.RestApi;
import io.lifeboat.coordinator.api.internal.Problems;
import io.lifeboat.coordinator.config.CoordinatorConfig;
import io.lifeboat.coordinator.config.HostPort;
import io.lifeboat.coordinator.core.CoordinatorCore;
import io.lifeboat.coordinator.metrics.LifeboatMetrics;
import io.lifeboat.ui.UiAssets;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;

/**
 * The coordinator's HTTP(S) server: {@code GET /metrics} (Prometheus text, open to scrapers), the REST API under
 * {@code /api/v1} when one is given ({@link #api}), the web page at {@code /} (module ui),
 * and problem details (RFC 9457) for every unknown route. Without a REST API (or when the config has no users)
 * {@code GET /api/v1/status} stays open, as it was before logins existed. Create and start it on the coordinator
 * verticle's event loop, so that requests are handled there and read the core without locks; no handler blocks.
 */
public final class StatusHttpServer {

    private final Vertx vertx;
    private final CoordinatorCore core;
    private final Clock wall;
    private final LifeboatMetrics metrics;
    private final StatusRenderer renderer;
    private RestApi api;
    private boolean apiHasUsers;
    private Optional<CoordinatorConfig.TlsFiles> tls = Optional.empty();
    private HttpServer server;

    /**
     * Creates the server.
     *
     * @param metrics the coordinator's metrics, scraped at {@code GET /metrics}
     */
    public StatusHttpServer(Vertx vertx, CoordinatorCore core, Clock wall, LifeboatMetrics metrics) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.core = Objects.requireNonNull(core, "core");
        this.wall = Objects.requireNonNull(wall, "wall");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        // The status document and the metrics show no lease ages: no monotonic clock needed.
        this.renderer = new StatusRenderer(vertx, core, wall, () -> 0L);
    }

    /**
     * Serves {@code api} under {@code /api/v1}.
     *
     * @param hasUsers whether the config names users (without, {@code /api/v1/status} stays open)
     */
    public StatusHttpServer api(RestApi api, boolean hasUsers) {
        this.api = Objects.requireNonNull(api, "api");
        this.apiHasUsers = hasUsers;
        return this;
    }

    /** Speaks HTTPS with these PEM files (empty: plain HTTP). */
    public StatusHttpServer tls(Optional<CoordinatorConfig.TlsFiles> files) {
        this.tls = Objects.requireNonNull(files, "files");
        return this;
    }

    /** Listens on {@code listen}; fails naming the address when it cannot. */
    public Future<HttpServer> listen(HostPort listen) {
        Router router = Router.router(vertx);
        // The status document renders on a worker; gauges take it back on the event loop; the text renders on a
        // worker again (both long for thousands of guests).
        router.get("/metrics").handler(ctx -> renderer.render(Map.of(), StatusView::render)
                .compose(status -> metrics.scrape(vertx, status))
                .onSuccess(text -> ctx.response().putHeader("Content-Type", LifeboatMetrics.CONTENT_TYPE).end(text))
                .onFailure(ctx::fail));
        if (api == null || !apiHasUsers) {
            router.get("/api/v1/status").handler(ctx -> renderer.render(Map.of(), s -> StatusView.render(s).encode())
                    .onSuccess(body -> ctx.response().putHeader("Content-Type", "application/json; charset=utf-8")
                            .end(body))
                    .onFailure(ctx::fail));
        }
        if (api != null) {
            api.mount(router);
        }
        UiAssets.mount(router);
        router.errorHandler(404, ctx -> Problems.notFound(ctx, "no route " + ctx.request().method() + " "
                + ctx.request().path()));
        router.errorHandler(405, ctx -> Problems.send(ctx, 405, "method-not-allowed", "Method not allowed",
                ctx.request().method() + " is not allowed on " + ctx.request().path()));
        router.errorHandler(500, ctx -> Problems.send(ctx, 500, "internal", "Internal error", "coordinator "
                + core.nodeId() + ": " + ctx.request().method() + " " + ctx.request().path() + " failed"
                + (ctx.failure() == null ? "" : ": " + ctx.failure().getMessage())));
        return vertx.createHttpServer(serverOptions(tls)).requestHandler(router).listen(listen.port(), listen.host())
                .recover(e -> Future.failedFuture(new IllegalStateException("coordinator HTTP server cannot listen on "
                        + listen + (tls.isPresent() ? " (HTTPS, certificate " + tls.get().cert() + ")" : "") + ": "
                        + e.getMessage(), e)))
                .onSuccess(s -> server = s);
    }

    /** The options of a coordinator's HTTP server: HTTP/1.1, HTTPS with {@code tls} when given. */
    public static HttpServerOptions serverOptions(Optional<CoordinatorConfig.TlsFiles> tls) {
        // No h2c upgrade: the JDK's HTTP client asks for one on every plain request, and HTTP/1.1 serves this API.
        HttpServerOptions options = new HttpServerOptions().setHttp2ClearTextEnabled(false);
        tls.ifPresent(files -> options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
                .setCertPath(files.cert().toString()).setKeyPath(files.key().toString())));
        return options;
    }

    /** Whether the server speaks HTTPS. */
    public boolean https() {
        return tls.isPresent();
    }

    /** The bound port, or -1 before {@link #listen}. */
    public int actualPort() {
        return server == null ? -1 : server.actualPort();
    }

    /** Stops listening and stops the REST API's event following. */
    public Future<Void> close() {
        Future<Void> apiClosed = api == null ? renderer.close() : Future.join(api.close(), renderer.close()).mapEmpty();
        return server == null ? apiClosed : Future.join(apiClosed, server.close()).mapEmpty();
    }
}
