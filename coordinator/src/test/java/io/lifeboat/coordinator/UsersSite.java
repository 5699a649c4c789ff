package io.lifeboat.coordinator;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.lifeboat.coordinator.api.auth.PasswordHasher;
import io.lifeboat.coordinator.client.LifeboatClient;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;
import io.lifeboat.coordinator.config.SiteConfigs;
import io.vertx.core.Vertx;

/**
 * A JUnit extension that deploys, for each test, a coordinator verticle on the test site of {@link SiteConfigs} (in a
 * fresh directory), with its REST API on a free port and two users, admin {@code alice} and viewer {@code victor},
 * for tests that speak to it as the page and the CLI do.
 */
public final class UsersSite implements BeforeEachCallback, AfterEachCallback {

    /** The admin's password. */
    public static final String ADMIN_PASSWORD = "admin secret 1";
    /** The viewer's password. */
    public static final String VIEWER_PASSWORD = "viewer secret 2";

    private final String extra;
    private Path dir;
    private Vertx vertx;
    private CoordinatorVerticle verticle;

    /** A site whose configuration has {@code extra} appended (such as faster timers). */
    public UsersSite(String extra) {
        this.extra = extra;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("lifeboat-users-site-");
        vertx = Vertx.vertx();
        verticle = new CoordinatorVerticle(CoordinatorConfigLoader.load(SiteConfigs.write(dir, "nas", extra + """
                http:
                  listen: "127.0.0.1:0"
                users:
                  - {name: alice, role: admin, passwordHash: "%s"}
                  - {name: victor, role: viewer, passwordHash: "%s"}
                """.formatted(PasswordHasher.hash(ADMIN_PASSWORD.toCharArray()),
                PasswordHasher.hash(VIEWER_PASSWORD.toCharArray())))));
        vertx.deployVerticle(verticle).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            } catch (IOException e) {
                throw new IOException("users site: cannot delete " + dir + ": " + e.getMessage(), e);
            }
        }
    }

    /** The Vert.x instance the coordinator and the test's fake agents run on. */
    public Vertx vertx() {
        return vertx;
    }

    /** The deployed coordinator. */
    public CoordinatorVerticle verticle() {
        return verticle;
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
}
