package io.lifeboat.coordinator.cluster;

import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lifeboat.coordinator.api.internal.Problems;
import io.lifeboat.coordinator.config.CoordinatorConfig;
import io.lifeboat.coordinator.config.HostPort;
import io.lifeboat.coordinator.http.StatusHttpServer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;

/**
 * A follower coordinator's HTTP listener, on the address the leader would use ({@code http.listen}): the page, the
 * REST API and the actions belong to the leader, so it redirects every request there (307, same path and method) when
 * the leader's member entry names its {@code http} address, and otherwise answers 503 naming the leader. Its
 * {@code /metrics} answer that it follows, so that a scrape of every member tells which one leads.
 */
public final class FollowerHttpServer extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(FollowerHttpServer.class);

    private final CoordinatorConfig config;
    private final Supplier<Optional<String>> leaderId;
    private final LongSupplier epoch;
    private HttpServer server;

    /** Creates the listener of follower {@code config.nodeId()}; {@code leaderId} names the leader once known. */
    public FollowerHttpServer(CoordinatorConfig config, Supplier<Optional<String>> leaderId, LongSupplier epoch) {
        this.config = Objects.requireNonNull(config, "config");
        this.leaderId = Objects.requireNonNull(leaderId, "leaderId");
        this.epoch = Objects.requireNonNull(epoch, "epoch");
    }

    /** The port the listener is bound to (after start). */
    public int actualPort() {
        return server == null ? -1 : server.actualPort();
    }

    @Override
    public Future<?> start() {
        HostPort listen = config.http().orElseThrow(() -> new IllegalStateException("coordinator "
                + config.nodeId() + " has no http.listen"));
        Router router = Router.router(vertx);
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end("# HELP lifeboat_coordinator_leading Whether this coordinator leads its cluster (1) or follows (0).\n"
                        + "# TYPE lifeboat_coordinator_leading gauge\n"
                        + "lifeboat_coordinator_leading{node=\"" + config.nodeId() + "\"} 0\n"
                        + "# HELP lifeboat_coordinator_epoch The epoch of the state this coordinator holds.\n"
                        + "# TYPE lifeboat_coordinator_epoch gauge\n"
                        + "lifeboat_coordinator_epoch{node=\"" + config.nodeId() + "\"} " + epoch.getAsLong() + "\n"));
        router.route().handler(ctx -> {
            Optional<String> leader = leaderId.get();
            Optional<HostPort> leaderHttp = leader.flatMap(id -> config.cluster().flatMap(c -> c.members().stream()
                    .filter(m -> m.nodeId().equals(id)).findFirst()).flatMap(CoordinatorConfig.ClusterMember::http));
            if (leaderHttp.isPresent()) {
                String location = (config.httpTls().isPresent() ? "https://" : "http://") + leaderHttp.get()
                        + ctx.request().uri();
                ctx.response().setStatusCode(307).putHeader("Location", location)
                        .putHeader("Cache-Control", "no-store").end();
                return;
            }
            ctx.response().putHeader("Retry-After", "5");
            Problems.send(ctx, 503, "not-leader", "Not the leader", "coordinator " + config.nodeId()
                    + " follows " + leader.map(id -> "leader " + id).orElse("no leader yet") + " (epoch "
                    + epoch.getAsLong() + "); the page, the REST API and the actions are served by the leader"
                    + leader.map(id -> ", whose cluster member entry names no http address").orElse(""));
        });
        return vertx.createHttpServer(StatusHttpServer.serverOptions(config.httpTls())).requestHandler(router)
                .listen(listen.port(), listen.host()).onSuccess(s -> {
                    server = s;
                    LOG.info("[coordinator node={} epoch={}] following: HTTP on {}:{} redirects to the leader",
                            config.nodeId(), epoch.getAsLong(), listen.host(), s.actualPort());
                });
    }

    @Override
    public Future<?> stop() {
        return server == null ? Future.succeededFuture() : server.close();
    }
}
