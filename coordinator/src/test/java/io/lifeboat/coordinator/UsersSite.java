package io.lifeboat.coordinator;

import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.lifeboat.coordinator.api.auth.PasswordHasher;
import io.lifeboat.coordinator.client.LifeboatClient;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;
import io.lifeboat.coordinator.config.SiteConfigs;
import io.vertx.core.Vertx;

/**
 * A coordinator verticle deployed on the test site of {@link SiteConfigs}, with its REST API on a free port and two
 * users, admin {@code alice} and viewer {@code victor}, for tests that speak to it as the page and the CLI do.
 */
public final class UsersSite implements AutoCloseable {

    /** The admin's password. */
    public static final String ADMIN_PASSWORD = "admin secret 1";
    /** The viewer's password. */
    public static final String VIEWER_PASSWORD = "viewer secret 2";

    /** The Vert.x instance the coordinator and the tests' fake agents run on. */
    public final Vertx vertx = Vertx.vertx();
    /** The deployed coordinator. */
    public final CoordinatorVerticle verticle;

    /** Writes the site's configuration (with {@code extra} appended) into {@code dir} and deploys the coordinator. */
    public UsersSite(Path dir, String extra) throws Exception {
        verticle = new CoordinatorVerticle(CoordinatorConfigLoader.load(SiteConfigs.write(dir, "nas", extra + """
                http:
                  listen: "127.0.0.1:0"
                users:
                  - {name: alice, role: admin, passwordHash: "%s"}
                  - {name: victor, role: viewer, passwordHash: "%s"}
                """.formatted(PasswordHasher.hash(ADMIN_PASSWORD.toCharArray()),
                PasswordHasher.hash(VIEWER_PASSWORD.toCharArray())))));
        try {
            vertx.deployVerticle(verticle).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    /** The base URI of the REST API and the page. */
    public URI base() {
        return URI.create("http://127.0.0.1:" + verticle.httpPort());
    }

    /** A REST client logged in as the admin. */
    public LifeboatClient admin() {
        return client("alice", ADMIN_PASSWORD);
    }

    /** A REST client logged in as the viewer. */
    public LifeboatClient viewer() {
        return client("victor", VIEWER_PASSWORD);
    }

    private LifeboatClient client(String user, String password) {
        LifeboatClient c = new LifeboatClient(base());
        c.login(user, password.toCharArray());
        return c;
    }

    @Override
    public void close() throws java.util.concurrent.ExecutionException, java.util.concurrent.TimeoutException {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
