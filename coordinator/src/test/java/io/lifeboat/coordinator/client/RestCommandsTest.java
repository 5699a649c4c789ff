package io.lifeboat.coordinator.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import io.lifeboat.coordinator.CoordinatorVerticle;
import io.lifeboat.coordinator.api.auth.PasswordHasher;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;
import io.lifeboat.coordinator.config.SiteConfigs;
import io.lifeboat.coordinator.metrics.FakeAgent;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine;

/**
 * The {@code status}, {@code events} and {@code failover} commands against a real coordinator (verticle, REST API on
 * port 0, users from the config) fed by two fake agent links: the primary is backed up, then dies; the coordinator sits
 * on the standby's box, so automatic failover is not armed and the admin fails the guest over by hand, confirming the
 * primary is off. The cases run in order on one site.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RestCommandsTest {

    private static final String MAIL = "7f1c8d2e-0000-4000-8000-000000000001";
    private static final String TIMERS = """
            timers:
              heartbeatSeconds: 0.2
              suspectSeconds: 0.6
              fenceDeadlineSeconds: 1.2
              leaseTtlSeconds: 1.6
              recoveryStartSeconds: 2.0
              peerReportFreshSeconds: 0.6
            """;

    private Vertx vertx;
    private CoordinatorVerticle verticle;
    private String url;
    private FakeAgent hostA;
    private FakeAgent hostB;

    @BeforeAll
    void site(@TempDir Path dir) throws Exception {
        vertx = Vertx.vertx();
        String users = "users:\n"
                + "  - {name: ann, role: admin, passwordHash: \"" + PasswordHasher.hash("ann-secret".toCharArray())
                + "\"}\n"
                + "  - {name: vic, role: viewer, passwordHash: \"" + PasswordHasher.hash("vic-secret".toCharArray())
                + "\"}\n";
        verticle = new CoordinatorVerticle(CoordinatorConfigLoader.load(SiteConfigs.write(dir, "boxB", TIMERS
                + "http:\n  listen: \"127.0.0.1:0\"\n" + users)));
        vertx.deployVerticle(verticle).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        url = "http://127.0.0.1:" + verticle.httpPort();
        hostA = new FakeAgent(vertx, verticle.actualPort(), "hostA", "site", SiteConfigs.SECRET).peer("hostB")
                .primary(MAIL, "hostB", 8L << 20, 2L << 20).inventory(FakeAgent.guest("mail"));
        hostB = new FakeAgent(vertx, verticle.actualPort(), "hostB", "hostb-key", "another secret for hostB only")
                .peer("hostA").standby("hostA").inventory();
        await().atMost(Duration.ofSeconds(20)).until(() -> !verticle.stateCopy().toCompletionStage()
                .toCompletableFuture().get(5, TimeUnit.SECONDS).points(MAIL).isEmpty());
    }

    @AfterAll
    void tearDown() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** A command's exit code and output, run as the launcher runs it (one-line errors on stderr, exit 1). */
    record Run(int exit, String out, String err) {
    }

    private Run run(Callable<Integer> command, ConnectionOptions connection, String password,
                    BiFunction<String, Boolean, char[]> prompt, String... args) {
        Map<String, String> env = new HashMap<>();
        if (password != null) {
            env.put("LIFEBOAT_PASSWORD", password);
        }
        connection.env = env;
        connection.prompt = prompt;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
            return 1;
        });
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private Run status(String... args) {
        StatusCommand c = new StatusCommand();
        return run(c, c.connection, "ann-secret", (p, s) -> null, concat(args, "--url", url, "--user", "ann"));
    }

    private Run failover(String user, String password, BiFunction<String, Boolean, char[]> prompt, String... args) {
        FailoverCommand c = new FailoverCommand();
        return run(c, c.connection, password, prompt, concat(args, "--url", url, "--user", user));
    }

    private Run restore(String user, String password, BiFunction<String, Boolean, char[]> prompt, String... args) {
        RestoreCommand c = new RestoreCommand();
        return run(c, c.recovery.connection, password, prompt, concat(args, "--url", url, "--user", user));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    @Order(1)
    void statusShowsBothHostsAndTheProtectedGuestWithItsPointAgeAndExitsZero() {
        Run text = status();
        assertThat(text.exit()).as(text.err()).isZero();
        assertThat(text.out()).contains("HOST", "hostA", "hostB", "UP", "GUEST", "mail", "PROTECTED", " ago",
                "10 min", "all guests protected, all hosts up");

        Run json = status("--json");
        assertThat(json.exit()).as(json.err()).isZero();
        JsonObject doc = new JsonObject(json.out().strip());
        assertThat(doc.getBoolean("ok")).isTrue();
        assertThat(doc.getString("url")).isEqualTo(url);
        assertThat(doc.getJsonArray("hosts")).hasSize(2);
        JsonObject mail = doc.getJsonArray("guests").getJsonObject(0);
        assertThat(mail.getString("guestId")).isEqualTo(MAIL);
        assertThat(mail.getString("state")).isEqualTo("PROTECTED");
        assertThat(mail.getDouble("newestPointAgeSeconds")).isBetween(4.0, 120.0);
        assertThat(mail.getDouble("rpoSeconds")).isEqualTo(600.0);
    }

    @Test
    @Order(2)
    void errorsAreOneLineNamingTheCoordinatorAndTheProblem() throws Exception {
        StatusCommand wrong = new StatusCommand();
        Run denied = run(wrong, wrong.connection, "not-her-password", (p, s) -> null, "--url", url, "--user", "ann");
        assertThat(denied.exit()).isEqualTo(1);
        assertThat(denied.out()).isEmpty();
        assertThat(denied.err().strip()).isEqualTo("status: POST " + url + "/api/v1/session: 401 Unauthorized: "
                + "wrong user name or password");

        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        StatusCommand nowhere = new StatusCommand();
        Run refused = run(nowhere, nowhere.connection, "ann-secret", (p, s) -> null, "--url",
                "http://127.0.0.1:" + closedPort, "--user", "ann");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err().strip()).isEqualTo("status: http://127.0.0.1:" + closedPort + ": connection refused");

        StatusCommand noPassword = new StatusCommand();
        Run unasked = run(noPassword, noPassword.connection, null, (p, s) -> null, "--url", url, "--user", "ann");
        assertThat(unasked.exit()).isEqualTo(1);
        assertThat(unasked.err()).contains("no password for ann at " + url + ": set LIFEBOAT_PASSWORD");

        StatusCommand prompted = new StatusCommand();
        String[] asked = new String[1];
        Run typed = run(prompted, prompted.connection, null, (p, secret) -> {
            asked[0] = p + secret;
            return "ann-secret".toCharArray();
        }, "--url", url, "--user", "ann");
        assertThat(typed.exit()).as(typed.err()).isZero();
        assertThat(asked[0]).isEqualTo("Password for ann at " + url + ": true");
    }

    @Test
    @Order(3)
    void aViewerIsRefusedAndARunningPrimaryIsNotFailedOver() throws Exception {
        Run viewer = failover("vic", "vic-secret", (p, s) -> null, "mail", "--yes");
        assertThat(viewer.exit()).isEqualTo(1);
        assertThat(viewer.err().strip()).startsWith("failover: POST " + url + "/api/v1/guests/" + MAIL
                + "/failover: 403 Forbidden: user vic has role viewer");

        Run unconfirmed = failover("ann", "ann-secret", (p, s) -> null, "mail");
        assertThat(unconfirmed.exit()).isEqualTo(1);
        assertThat(unconfirmed.err()).contains("failover of guest 'mail' not confirmed: no terminal to ask on; "
                + "pass --yes");

        String[] question = new String[1];
        Run declined = failover("ann", "ann-secret", (p, s) -> {
            question[0] = p;
            return "n".toCharArray();
        }, "mail");
        assertThat(declined.exit()).isEqualTo(1);
        assertThat(question[0]).isEqualTo("Fail over guest 'mail' (" + MAIL + ") now, from host hostA to host "
                + "hostB? [y/N] ");
        assertThat(declined.err()).contains("cancelled; nothing changed");

        Run running = failover("ann", "ann-secret", (p, s) -> null, MAIL, "--yes");
        assertThat(running.exit()).isEqualTo(1);
        assertThat(running.err()).startsWith("failover: POST " + url + "/api/v1/guests/" + MAIL
                + "/failover: 409 Conflict: ");

        Run unknown = failover("ann", "ann-secret", (p, s) -> null, "calendar", "--yes");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err().strip()).isEqualTo("failover: no guest 'calendar' at " + url + " (guests: mail)");

        assertThat(new JsonObject(status("--json").out().strip()).getJsonArray("guests").getJsonObject(0)
                .getString("state")).isEqualTo("PROTECTED");
    }

    @Test
    @Order(3)
    void restoreAsksNamingThePointAndIsRefusedForAnUnknownPointOrAPrimaryThatMayStillRunTheGuest() throws Exception {
        String point = verticle.stateCopy().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS)
                .points(MAIL).get(0).pointId();
        String[] question = new String[1];
        Run declined = restore("ann", "ann-secret", (p, s) -> {
            question[0] = p;
            return "no".toCharArray();
        }, "mail", point);
        assertThat(declined.exit()).isEqualTo(1);
        assertThat(question[0]).isEqualTo("Restore guest 'mail' (" + MAIL + ") from restore point " + point
                + " onto host hostB? It must be stopped on host hostA. [y/N] ");
        assertThat(declined.err()).contains("restore of guest 'mail' cancelled; nothing changed");

        Run unknown = restore("ann", "ann-secret", (p, s) -> null, "mail", MAIL + "/20200101T000000Z", "--yes");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err().strip()).startsWith("restore: POST " + url + "/api/v1/guests/" + MAIL
                + "/restore: 404 Not Found: restore point '" + MAIL + "/20200101T000000Z' is not a restore point");

        // hostA is UP and has not said the guest is stopped there: refused, nothing changes (I1).
        Run running = restore("ann", "ann-secret", (p, s) -> null, "mail", point, "--yes", "--json");
        assertThat(running.exit()).isEqualTo(1);
        assertThat(running.out()).isEmpty();
        assertThat(running.err().strip()).startsWith("restore: POST " + url + "/api/v1/guests/" + MAIL
                + "/restore: 409 Conflict: host hostA is UP");
        assertThat(new JsonObject(status("--json").out().strip()).getJsonArray("guests").getJsonObject(0)
                .getString("state")).isEqualTo("PROTECTED");

        Run usage = restore("ann", "ann-secret", (p, s) -> null, "mail");
        assertThat(usage.exit()).isEqualTo(2);
        assertThat(usage.err()).contains("POINT");
    }

    @Test
    @Order(4)
    void afterThePrimaryDiesTheAdminFailsTheGuestOverAndFollowsItToFailedOverWithRtoAndRpo() throws Exception {
        EventsCommand follow = new EventsCommand();
        follow.stopAfterLiveEvents = 3;
        CompletableFuture<Run> following = CompletableFuture.supplyAsync(() -> run(follow, follow.connection,
                "ann-secret", (p, s) -> null, "--follow", "--guest", "mail", "--limit", "0", "--url", url,
                "--user", "ann"));

        hostB.peerWentSilent();
        hostA.die();
        await().atMost(Duration.ofSeconds(20)).until(() -> status().out().contains("host hostA is LOST"));
        Run atRisk = status();
        assertThat(atRisk.exit()).isEqualTo(1);

        Run failover = failover("ann", "ann-secret", (p, s) -> null, "mail", "--yes", "--primary-confirmed-off",
                "--wait", "--json", "--timeout", "60");
        assertThat(failover.exit()).as(failover.err()).isZero();
        JsonObject result = new JsonObject(failover.out().strip());
        assertThat(result.getString("guestId")).isEqualTo(MAIL);
        assertThat(result.getString("fromHostId")).isEqualTo("hostA");
        assertThat(result.getString("toHostId")).isEqualTo("hostB");
        assertThat(result.getString("operationId")).isNotBlank();
        assertThat(result.getString("state")).isEqualTo("FAILED_OVER");
        assertThat(result.getDouble("rtoSeconds")).isBetween(0.0, 60.0);
        assertThat(result.getDouble("rpoSeconds")).isBetween(4.0, 600.0);

        Run after = status();
        assertThat(after.exit()).as("hostA is still LOST").isEqualTo(1);
        assertThat(after.out()).contains("FAILED_OVER", "failed over to hostB, RTO ", ", RPO ",
                "! host hostA is LOST");
        JsonObject mail = new JsonObject(status("--json").out().strip()).getJsonArray("guests").getJsonObject(0);
        assertThat(mail.getJsonObject("failover").getString("targetHostId")).isEqualTo("hostB");
        assertThat(mail.getJsonObject("failover").getDouble("rtoSeconds")).isEqualTo(result.getDouble("rtoSeconds"));

        Run followed = following.get(30, TimeUnit.SECONDS);
        assertThat(followed.exit()).as(followed.err()).isZero();
        assertThat(followed.out().lines()).hasSize(3).allSatisfy(l -> assertThat(l).contains("guest=" + MAIL));
        assertThat(followed.out()).contains("Audit", "failover");

        EventsCommand list = new EventsCommand();
        Run listed = run(list, list.connection, "ann-secret", (p, s) -> null, "--guest", MAIL, "--json", "--url",
                url, "--user", "ann");
        assertThat(listed.exit()).as(listed.err()).isZero();
        JsonArray events = new JsonObject(listed.out().strip()).getJsonArray("events");
        assertThat(events.stream().map(e -> ((JsonObject) e).getString("type")))
                .contains("Audit", "FailoverStepStarted", "FailoverStepCompleted");
        assertThat(events.stream().map(e -> ((JsonObject) e).getString("guestId"))).containsOnly(MAIL);
        EventsCommand text = new EventsCommand();
        Run lines = run(text, text.connection, "ann-secret", (p, s) -> null, "--type", "FailoverStepCompleted",
                "--limit", "2", "--url", url, "--user", "ann");
        assertThat(lines.exit()).as(lines.err()).isZero();
        assertThat(lines.out().lines()).hasSize(2).allSatisfy(l -> assertThat(l)
                .contains("FailoverStepCompleted", "guest=" + MAIL))
                .anySatisfy(l -> assertThat(l).contains("VERIFY_BOOT, FAILED_OVER on hostB: RPO "));
    }
}
