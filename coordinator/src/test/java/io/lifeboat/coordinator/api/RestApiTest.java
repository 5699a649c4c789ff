package io.lifeboat.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lifeboat.coordinator.CoordinatorVerticle;
import io.lifeboat.coordinator.api.auth.PasswordHasher;
import io.lifeboat.coordinator.compat.CompatibilityEngine;
import io.lifeboat.coordinator.config.CoordinatorConfig;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;
import io.lifeboat.coordinator.config.SiteConfigs;
import io.lifeboat.coordinator.core.CoordinatorCore;
import io.lifeboat.coordinator.failover.FailoverPlanner;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.FramedConnection;
import io.lifeboat.protocol.HelloCredentials;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.FencingCapability;
import io.lifeboat.protocol.v1.GuestBitness;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.Heartbeat;
import io.lifeboat.protocol.v1.Hello;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HypervisorKind;
import io.lifeboat.protocol.v1.Inventory;
import io.lifeboat.protocol.v1.LeaseRenew;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import io.lifeboat.protocol.v1.PeerObservation;
import io.lifeboat.protocol.v1.ProbeResult;
import io.lifeboat.protocol.v1.ReplicationCommitted;
import io.lifeboat.protocol.v1.ReplicationProgress;
import io.lifeboat.protocol.v1.Role;
import io.lifeboat.protocol.v1.VirtualizationExtension;
import io.lifeboat.protocol.v1.VmdkCreateType;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;

/**
 * The REST API on a real HTTP server (port 0) of a coordinator verticle fed by fake agents over real TCP links,
 * spoken to with the JDK's HTTP client: logins, roles, CSRF, cookies, events and their stream, manual failover,
 * problem details, and the OpenAPI document against the routes actually served.
 */
class RestApiTest {

    private static final byte[] NONCE = "nonce-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final String MAIL = "7f1c8d2e-0000-4000-8000-000000000001";
    private static final String ADMIN_HASH = PasswordHasher.hash("admin secret 1".toCharArray());
    private static final String VIEWER_HASH = PasswordHasher.hash("viewer secret 2".toCharArray());
    private static final String TIMERS = """
            timers:
              heartbeatSeconds: 0.2
              suspectSeconds: 0.6
              fenceDeadlineSeconds: 1.2
              leaseTtlSeconds: 1.6
              recoveryStartSeconds: 2.0
              peerReportFreshSeconds: 0.6
            """;

    @TempDir
    Path dir;

    private Vertx vertx;
    private CoordinatorConfig config;
    private CoordinatorVerticle verticle;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    private final List<FakeAgent> agents = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        vertx = Vertx.vertx();
        config = CoordinatorConfigLoader.load(SiteConfigs.write(dir, "nas", TIMERS + """
                http:
                  listen: "127.0.0.1:0"
                users:
                  - {name: alice, role: admin, passwordHash: "%s"}
                  - {name: victor, role: viewer, passwordHash: "%s"}
                """.formatted(ADMIN_HASH, VIEWER_HASH)));
        verticle = new CoordinatorVerticle(config);
        join(vertx.deployVerticle(verticle));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (FakeAgent a : agents) {
            vertx.cancelTimer(a.timer);
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    // ---- sessions ---------------------------------------------------------------------------------------------

    @Test
    void loginSetsAStrictHttpOnlySessionCookieAndReturnsACsrfTokenThatLogoutNeeds() throws Exception {
        HttpResponse<String> anonymous = send("GET", "/api/v1/hosts", null, null, null);
        assertProblem(anonymous, 401, "unauthorized");

        HttpResponse<String> login = login("alice", "admin secret 1");
        assertThat(login.statusCode()).isEqualTo(200);
        String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith(RestApi.SESSION_COOKIE + "=").containsIgnoringCase("HttpOnly").contains("SameSite=Strict")
                .contains("Path=/").doesNotContainIgnoringCase("Secure");
        JsonObject body = new JsonObject(login.body());
        assertThat(body.getString("user")).isEqualTo("alice");
        assertThat(body.getString("role")).isEqualTo("admin");
        assertThat(body.getString("csrfToken")).hasSizeGreaterThan(30);
        assertThat(body.getString("csrfToken")).isNotEqualTo(cookieValue(login));
        Session s = new Session(cookieValue(login), body.getString("csrfToken"));

        assertThat(new JsonObject(get(s, "/api/v1/session").body()).getString("user")).isEqualTo("alice");
        assertThat(new JsonObject(get(s, "/api/v1/hosts").body()).getJsonArray("hosts")).hasSize(2);

        assertProblem(send("DELETE", "/api/v1/session", s.cookie, null, null), 403, "csrf");
        HttpResponse<String> logout = send("DELETE", "/api/v1/session", s.cookie, s.csrf, null);
        assertThat(logout.statusCode()).isEqualTo(204);
        assertThat(logout.headers().firstValue("Set-Cookie").orElseThrow()).contains("Max-Age=0");
        assertProblem(get(s, "/api/v1/hosts"), 401, "unauthorized");
    }

    @Test
    void aWrongPasswordAndAnUnknownUserGetTheSame401() throws Exception {
        HttpResponse<String> wrongPassword = login("alice", "not the password");
        HttpResponse<String> unknownUser = login("mallory", "admin secret 1");
        assertProblem(wrongPassword, 401, "unauthorized");
        assertProblem(unknownUser, 401, "unauthorized");
        assertThat(wrongPassword.headers().firstValue("Set-Cookie")).isEmpty();
        JsonObject a = new JsonObject(wrongPassword.body());
        JsonObject b = new JsonObject(unknownUser.body());
        assertThat(a.getString("detail")).isEqualTo(b.getString("detail")).doesNotContain("alice", "mallory");
        assertThat(a.getString("title")).isEqualTo(b.getString("title"));
    }

    @Test
    void fiveFailedLoginsLockTheUserAndTheAddressOutWith429AndRetryAfter() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(login("victor", "guess " + i).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> locked = login("victor", "viewer secret 2");
        assertProblem(locked, 429, "rate-limited");
        assertThat(Long.parseLong(locked.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 30L);
        // The address is locked out too: another user's right password from it waits as well.
        assertProblem(login("alice", "admin secret 1"), 429, "rate-limited");
    }

    @Test
    void malformedLoginBodiesAre400NamingTheField() throws Exception {
        HttpResponse<String> notJson = send("POST", "/api/v1/session", null, null, "{user: ");
        assertProblem(notJson, 400, "bad-request");
        assertThat(new JsonObject(notJson.body()).getString("detail")).contains("not valid JSON");
        HttpResponse<String> noPassword = send("POST", "/api/v1/session", null, null, "{\"user\":\"alice\"}");
        assertProblem(noPassword, 400, "bad-request");
        assertThat(new JsonObject(noPassword.body()).getString("detail")).contains("'password'");
        HttpResponse<String> badUser = send("POST", "/api/v1/session", null, null,
                "{\"user\":42,\"password\":\"x\"}");
        assertThat(new JsonObject(badUser.body()).getString("detail")).contains("'user'");
        // A cross-site form or a text/plain "simple request" cannot log anyone in.
        HttpResponse<String> textPlain = http.send(HttpRequest.newBuilder(uri("/api/v1/session"))
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(new JsonObject()
                        .put("user", "alice").put("password", "admin secret 1").encode())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertProblem(textPlain, 415, "unsupported-media-type");
        assertThat(textPlain.headers().firstValue("Set-Cookie")).isEmpty();
    }

    // ---- roles and CSRF on actions ----------------------------------------------------------------------------

    @Test
    void aViewerGets403FromFailoverAndTheRefusalIsAuditedWithTheirName() throws Exception {
        protectMail(FencingCapability.FENCING_CAPABILITY_SELF_FENCE);
        Session viewer = session("victor", "viewer secret 2");
        assertProblem(post(viewer, "/api/v1/guests/" + MAIL + "/failover", "{}"), 403, "forbidden");
        assertProblem(post(viewer, "/api/v1/guests/" + MAIL + "/restore", "{}"), 403, "forbidden");
        await().atMost(Duration.ofSeconds(30)).until(() -> audits(viewer).stream()
                .anyMatch(e -> e.getJsonObject("data").getString("action").equals("failover")));
        JsonObject audit = audits(viewer).stream()
                .filter(e -> e.getJsonObject("data").getString("action").equals("failover")).findFirst().orElseThrow();
        assertThat(audit.getJsonObject("data").getString("user")).isEqualTo("victor");
        assertThat(audit.getJsonObject("data").getBoolean("allowed", false)).isFalse();
        assertThat(audit.getString("guestId")).isEqualTo(MAIL);
        assertThat(new JsonObject(get(viewer, "/api/v1/guests/" + MAIL).body()).getString("state"))
                .isIn("PROTECTED", "AT_RISK");
    }

    @Test
    void aPostWithoutItsCsrfTokenIs403AndChangesNothing() throws Exception {
        protectMail(FencingCapability.FENCING_CAPABILITY_SELF_FENCE);
        Session admin = session("alice", "admin secret 1");
        assertProblem(send("POST", "/api/v1/guests/" + MAIL + "/failover", admin.cookie, null, "{}"), 403, "csrf");
        assertProblem(send("POST", "/api/v1/guests/" + MAIL + "/failover", admin.cookie, "forged", "{}"), 403,
                "csrf");
        assertThat(new JsonObject(get(admin, "/api/v1/guests/" + MAIL).body()).getJsonObject("recovery")).isNull();
    }

    // ---- manual failover --------------------------------------------------------------------------------------

    @Test
    void aManualFailoverOfAGuestWhosePrimaryIsUpIs409AndChangesNothing() throws Exception {
        Agents site = protectMail(FencingCapability.FENCING_CAPABILITY_SELF_FENCE);
        Session admin = session("alice", "admin secret 1");
        for (String body : List.of("{}", "{\"primaryConfirmedOff\": true}")) {
            HttpResponse<String> r = post(admin, "/api/v1/guests/" + MAIL + "/failover", body);
            assertProblem(r, 409, "conflict");
            assertThat(new JsonObject(r.body()).getString("detail")).contains("hostA is UP", "two copies");
        }
        JsonObject guest = new JsonObject(get(admin, "/api/v1/guests/" + MAIL).body());
        assertThat(guest.getString("state")).isIn("PROTECTED", "AT_RISK");
        assertThat(guest.getString("ownerHostId")).isEqualTo("hostA");
        assertThat(guest.getJsonObject("recovery")).isNull();
        assertThat(join(verticle.stateCopy()).operations()).isEmpty();
        assertThat(site.standby.received).noneMatch(Envelope::hasMaterialiseRestorePoint);
        assertProblem(post(admin, "/api/v1/guests/no-such-guest/failover", "{}"), 404, "not-found");
        assertProblem(post(admin, "/api/v1/guests/" + MAIL + "/failover", "{\"primaryConfirmedOff\": \"yes\"}"),
                400, "bad-request");
    }

    @Test
    void aLostPrimaryThatCannotFenceItselfIsFailedOverOnlyOnceTheAdminConfirmsItIsOff() throws Exception {
        Agents site = protectMail(FencingCapability.FENCING_CAPABILITY_NONE);
        Session admin = session("alice", "admin secret 1");
        site.standby.peerSilentSince = Instant.now();
        site.primary.die();
        await().atMost(Duration.ofSeconds(30)).until(() -> "LOST".equals(new JsonObject(
                get(admin, "/api/v1/hosts/hostA").body()).getString("state")));
        JsonObject host = new JsonObject(get(admin, "/api/v1/hosts/hostA").body());
        assertThat(host.getBoolean("failoverArmed")).isFalse();
        assertThat(host.getString("failoverNotArmedReason")).contains("cannot fence itself");

        HttpResponse<String> unconfirmed = post(admin, "/api/v1/guests/" + MAIL + "/failover", "{}");
        assertProblem(unconfirmed, 409, "conflict");
        assertThat(new JsonObject(unconfirmed.body()).getString("detail")).contains("primaryConfirmedOff");
        assertThat(join(verticle.stateCopy()).operations()).isEmpty();

        HttpResponse<String> started = post(admin, "/api/v1/guests/" + MAIL + "/failover",
                "{\"primaryConfirmedOff\": true}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String operationId = new JsonObject(started.body()).getString("operationId");
        assertThat(operationId).isNotBlank();
        await().atMost(Duration.ofSeconds(30)).until(() -> site.standby.received.stream()
                .anyMatch(Envelope::hasMaterialiseRestorePoint));
        JsonObject guest = new JsonObject(get(admin, "/api/v1/guests/" + MAIL).body());
        assertThat(guest.getString("state")).isEqualTo("FAILING_OVER");
        assertThat(guest.getJsonObject("recovery").getString("operationId")).isEqualTo(operationId);
        await().atMost(Duration.ofSeconds(30)).until(() -> audits(admin).stream()
                .anyMatch(e -> e.getJsonObject("data").getBoolean("allowed", false)));
        JsonObject audit = audits(admin).stream().filter(e -> e.getJsonObject("data").getBoolean("allowed", false)
                && e.getJsonObject("data").getString("action").equals("failover")).findFirst().orElseThrow();
        assertThat(audit.getJsonObject("data").getString("user")).isEqualTo("alice");
        assertThat(audit.getJsonObject("data").getString("operationId")).isEqualTo(operationId);
        // The same request again is refused: the guest is no longer PROTECTED.
        assertProblem(post(admin, "/api/v1/guests/" + MAIL + "/failover", "{\"primaryConfirmedOff\": true}"), 409,
                "conflict");
    }

    // ---- restore to a chosen point ----------------------------------------------------------------------------

    @Test
    void aRestoreRecoversTheChosenPointOnTheStandbyOnlyOnceTheGuestIsStoppedOnItsUpPrimary() throws Exception {
        Agents site = protectMail(FencingCapability.FENCING_CAPABILITY_SELF_FENCE);
        Session admin = session("alice", "admin secret 1");
        String path = "/api/v1/guests/" + MAIL + "/restore";

        // Malformed or unknown points change nothing; an unknown point is named.
        assertProblem(post(admin, path, "{}"), 400, "bad-request");
        assertProblem(post(admin, path, "{\"pointId\": \"" + site.pointId + "\", \"primaryConfirmedOff\": 1}"), 400,
                "bad-request");
        HttpResponse<String> unknown = post(admin, path, "{\"pointId\": \"" + MAIL + "/20200101T000000Z\"}");
        assertProblem(unknown, 404, "not-found");
        assertThat(new JsonObject(unknown.body()).getString("detail")).contains(MAIL + "/20200101T000000Z");

        // The primary is UP and says the guest runs there: refused, nothing changes (I1).
        site.primary.send(Envelope.newBuilder().setMessageId("renew-1").setLeaseRenew(LeaseRenew.newBuilder()
                .setHostId("hostA").setRenewalNumber(1).addRunningGuestIds(MAIL)));
        await().atMost(Duration.ofSeconds(30)).until(() -> site.primary.received.stream()
                .anyMatch(Envelope::hasLeaseGrant));
        HttpResponse<String> running = post(admin, path, "{\"pointId\": \"" + site.pointId + "\"}");
        assertProblem(running, 409, "conflict");
        assertThat(new JsonObject(running.body()).getString("detail")).contains("still runs on host hostA");
        assertThat(join(verticle.stateCopy()).operations()).isEmpty();
        assertThat(site.standby.received).noneMatch(Envelope::hasMaterialiseRestorePoint);

        // The admin stops it there: the next renewal says so, and the restore starts from the chosen point.
        site.primary.send(Envelope.newBuilder().setMessageId("renew-2").setLeaseRenew(LeaseRenew.newBuilder()
                .setHostId("hostA").setRenewalNumber(2)));
        await().atMost(Duration.ofSeconds(30)).until(() -> site.primary.received.stream()
                .filter(Envelope::hasLeaseGrant).count() >= 2);
        HttpResponse<String> started = post(admin, path, "{\"pointId\": \"" + site.pointId + "\"}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String operationId = new JsonObject(started.body()).getString("operationId");
        await().atMost(Duration.ofSeconds(30)).until(() -> site.standby.received.stream()
                .anyMatch(Envelope::hasMaterialiseRestorePoint));
        assertThat(site.standby.received.stream().filter(Envelope::hasMaterialiseRestorePoint).findFirst()
                .orElseThrow().getMaterialiseRestorePoint().getPointId()).isEqualTo(site.pointId);
        JsonObject guest = new JsonObject(get(admin, "/api/v1/guests/" + MAIL).body());
        assertThat(guest.getString("state")).isEqualTo("FAILING_OVER");
        assertThat(guest.getJsonObject("recovery").getString("operationId")).isEqualTo(operationId);
        assertThat(guest.getJsonObject("recovery").getString("pointId")).isEqualTo(site.pointId);
        assertThat(audits(admin)).anySatisfy(e -> {
            assertThat(e.getJsonObject("data").getString("action")).isEqualTo("restore");
            assertThat(e.getJsonObject("data").getBoolean("allowed", false)).isTrue();
            assertThat(e.getJsonObject("data").getString("operationId")).isEqualTo(operationId);
            assertThat(e.getString("guestId")).isEqualTo(MAIL);
        });
        // The audit record went into the journal in the restore's own batch, before its FailoverStarted.
        join(vertx.undeploy(verticle.deploymentID()));
        List<io.lifeboat.protocol.v1.JournalRecord> journal = journalRecords();
        int audit = indexOf(journal, r -> r.hasAuditRecorded() && r.getAuditRecorded().getAudit().getAllowed()
                && r.getAuditRecorded().getAudit().getAction().equals("restore"));
        int failover = indexOf(journal, r -> r.hasFailoverStarted()
                && r.getFailoverStarted().getRestorePointId().equals(site.pointId));
        assertThat(audit).isNotNegative().isLessThan(failover);
    }

    // ---- the audit trail is journaled -------------------------------------------------------------------------

    @Test
    void refusalsAndFailedLoginsAreJournaledAndListedAgainAfterACoordinatorRestart() throws Exception {
        protectMail(FencingCapability.FENCING_CAPABILITY_SELF_FENCE);
        Session viewer = session("victor", "viewer secret 2");
        assertProblem(post(viewer, "/api/v1/guests/" + MAIL + "/failover", "{}"), 403, "forbidden");
        assertThat(login("alice", "wrong password").statusCode()).isEqualTo(401);
        await().atMost(Duration.ofSeconds(30)).until(() -> join(verticle.stateCopy()).history().audits().size() >= 3);

        // The coordinator stops (its journal closed once every append is durable) and starts again from it.
        join(vertx.undeploy(verticle.deploymentID()));
        assertThat(journalRecords()).filteredOn(io.lifeboat.protocol.v1.JournalRecord::hasAuditRecorded)
                .hasSizeGreaterThanOrEqualTo(3);
        agents.forEach(a -> vertx.cancelTimer(a.timer));
        verticle = new CoordinatorVerticle(config);
        join(vertx.deployVerticle(verticle));

        Session admin = session("alice", "admin secret 1");
        List<JsonObject> trail = audits(admin);
        assertThat(trail).anySatisfy(e -> {
            assertThat(e.getJsonObject("data").getString("user")).isEqualTo("victor");
            assertThat(e.getJsonObject("data").getString("action")).isEqualTo("failover");
            assertThat(e.getJsonObject("data").getBoolean("allowed", false)).isFalse();
            assertThat(e.getString("guestId")).isEqualTo(MAIL);
        });
        assertThat(trail).anySatisfy(e -> {
            assertThat(e.getJsonObject("data").getString("user")).isEqualTo("alice");
            assertThat(e.getJsonObject("data").getString("action")).isEqualTo("login");
            assertThat(e.getJsonObject("data").getBoolean("allowed", false)).isFalse();
        });
        assertThat(join(verticle.stateCopy()).history().audits()).hasSizeGreaterThanOrEqualTo(4);
    }

    // ---- resources, events, streams ---------------------------------------------------------------------------

    @Test
    void guestsHostsAndPointsShowStateFactsLeaseVerdictAndReplicationProgress() throws Exception {
        // The point is older than the RPO (600 s), so the next backup is due at once and stays in flight.
        Agents site = protectMail(FencingCapability.FENCING_CAPABILITY_SELF_FENCE, Duration.ofSeconds(700));
        Session viewer = session("victor", "viewer secret 2");
        JsonObject host = new JsonObject(get(viewer, "/api/v1/hosts/hostA").body());
        assertThat(host.getString("state")).isEqualTo("UP");
        assertThat(host.getJsonObject("facts").getString("hypervisorKind")).isEqualTo("LIBVIRT_KVM");
        assertThat(host.getJsonObject("lease").getDouble("ttlSeconds")).isEqualTo(1.6);
        assertThat(host.getJsonObject("lease").getDouble("remainingSeconds")).isBetween(0.0, 1.6);
        JsonArray points = new JsonObject(get(viewer, "/api/v1/guests/" + MAIL + "/points").body())
                .getJsonArray("points");
        assertThat(points).hasSize(1);
        assertThat(points.getJsonObject(0).getString("pointId")).isEqualTo(site.pointId);
        assertThat(points.getJsonObject(0).getBoolean("verified")).isTrue();
        JsonObject guest = new JsonObject(get(viewer, "/api/v1/guests/" + MAIL).body());
        assertThat(guest.getString("name")).isEqualTo("mail");
        assertThat(guest.getDouble("rpoSeconds")).isEqualTo(600.0);
        assertThat(guest.getDouble("newestPointAgeSeconds")).isBetween(700.0, 760.0);
        assertThat(guest.getBoolean("rpoExceeded")).isTrue();
        assertThat(guest.getString("state")).isEqualTo("AT_RISK");
        assertThat(guest.getString("atRiskReason"))
                .matches("newest restore point is 7[0-6][0-9] s old, over the RPO of 600 s");
        assertThat(guest.getJsonObject("compatibility").getString("verdict")).isIn("OK", "CONVERT");
        assertProblem(get(viewer, "/api/v1/guests/nope"), 404, "not-found");
        assertProblem(get(viewer, "/api/v1/hosts/nope"), 404, "not-found");
        assertProblem(get(viewer, "/api/v1/drills/nope"), 404, "not-found");
        assertThat(new JsonObject(get(viewer, "/api/v1/drills").body()).getJsonArray("drills")).isEmpty();
        assertThat(new JsonObject(get(viewer, "/api/v1/plans").body()).getJsonArray("plans").getJsonObject(0)
                .getJsonArray("guestIds")).containsExactly(MAIL);

        // A backup in flight: its progress shows on the guest.
        await().atMost(Duration.ofSeconds(30)).until(() -> site.pendingBackup != null);
        site.primary.send(Envelope.newBuilder().setMessageId("progress-1").setReplicationProgress(
                ReplicationProgress.newBuilder().setGuestId(MAIL).setCycleId(site.pendingBackup).setBytesRead(3 << 20)
                        .setBytesSent(1 << 20).setBytesTotal(8 << 20).setElapsed(Timestamps.of(Duration.ofSeconds(2)))));
        await().atMost(Duration.ofSeconds(30)).until(() -> new JsonObject(get(viewer, "/api/v1/guests/" + MAIL)
                .body()).getJsonObject("replicationProgress") != null);
        JsonObject progress = new JsonObject(get(viewer, "/api/v1/guests/" + MAIL).body())
                .getJsonObject("replicationProgress");
        assertThat(progress.getLong("bytesRead")).isEqualTo(3L << 20);
        assertThat(progress.getLong("bytesTotal")).isEqualTo(8L << 20);
        assertThat(progress.getDouble("elapsedSeconds")).isEqualTo(2.0);
    }

    @Test
    void eventsArePagedByIdFilteredByTypeAndGuestAndStreamedLiveWithIds() throws Exception {
        Session admin = session("alice", "admin secret 1");
        for (int i = 0; i < 3; i++) {
            login("victor", "wrong " + i);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> audits(admin).size() >= 4);
        JsonObject first = new JsonObject(get(admin, "/api/v1/events?limit=2").body());
        JsonArray page1 = first.getJsonArray("events");
        assertThat(page1).hasSize(2);
        String after = first.getString("nextAfter");
        assertThat(after).isEqualTo(page1.getJsonObject(1).getString("id"));
        JsonArray page2 = new JsonObject(get(admin, "/api/v1/events?limit=2&after=" + after).body())
                .getJsonArray("events");
        assertThat(page2).hasSize(2);
        List<Long> ids = Stream.concat(page1.stream(), page2.stream())
                .map(o -> Long.parseLong(((JsonObject) o).getString("id"))).toList();
        assertThat(ids).isSorted().doesNotHaveDuplicates();
        assertThat(new JsonObject(get(admin, "/api/v1/events?type=HostLost").body()).getJsonArray("events"))
                .isEmpty();
        assertThat(new JsonObject(get(admin, "/api/v1/events?guest=" + MAIL).body()).getJsonArray("events"))
                .isEmpty();
        HttpResponse<String> badLimit = get(admin, "/api/v1/events?limit=lots");
        assertProblem(badLimit, 400, "bad-request");
        assertThat(new JsonObject(badLimit.body()).getString("detail")).contains("'limit'");

        // Live: a stream resumed after the first event replays the rest, then delivers a new one as it happens.
        List<String> lines = new CopyOnWriteArrayList<>();
        HttpRequest streamRequest = HttpRequest.newBuilder(uri("/api/v1/events/stream"))
                .header("Cookie", RestApi.SESSION_COOKIE + "=" + admin.cookie)
                .header("Last-Event-ID", page1.getJsonObject(0).getString("id")).GET().build();
        CompletableFuture<HttpResponse<Stream<String>>> stream = http.sendAsync(streamRequest,
                HttpResponse.BodyHandlers.ofLines());
        HttpResponse<Stream<String>> response = stream.get(30, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
        Thread reader = new Thread(() -> response.body().forEach(lines::add));
        reader.setDaemon(true);
        reader.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> lines.contains("id: " + page1.getJsonObject(1)
                .getString("id")));
        assertThat(lines).doesNotContain("id: " + page1.getJsonObject(0).getString("id"));
        login("victor", "one more wrong one");
        await().atMost(Duration.ofSeconds(30)).until(() -> lines.stream().anyMatch(l -> l.startsWith("data: ")
                && l.contains("\"user\":\"victor\"")
                && Long.parseLong(new JsonObject(l.substring(6)).getString("id")) > ids.get(ids.size() - 1)));

        // Logging out ends the stream at its next event.
        assertThat(send("DELETE", "/api/v1/session", admin.cookie, admin.csrf, null).statusCode()).isEqualTo(204);
        login("victor", "wrong again");
        await().atMost(Duration.ofSeconds(30)).until(() -> !reader.isAlive());
    }

    // ---- errors and the OpenAPI contract ----------------------------------------------------------------------

    @Test
    void unknownRoutesAnywhereAreProblemDetails() throws Exception {
        Session viewer = session("victor", "viewer secret 2");
        assertProblem(get(viewer, "/api/v1/nothing/here"), 404, "not-found");
        assertProblem(send("GET", "/api/v1/nothing/here", null, null, null), 401, "unauthorized");
        assertProblem(get(viewer, "/no/such/page.html"), 404, "not-found");
        assertThat(get(viewer, "/metrics").statusCode()).isEqualTo(200);
        HttpResponse<String> page = send("GET", "/", null, null, null);
        assertThat(page.statusCode()).as("the ui module's page, without login").isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertProblem(get(viewer, "/api/v1/guests/" + MAIL + "/restore"), 404, "not-found");
    }

    @Test
    void theOpenApiDocumentListsExactlyTheRoutesServedAndEachAnswers() throws Exception {
        HttpResponse<String> doc = send("GET", "/api/v1/openapi.json", null, null, null);
        assertThat(doc.statusCode()).isEqualTo(200);
        JsonObject openApi = new JsonObject(doc.body());
        assertThat(openApi.getString("openapi")).startsWith("3.1");
        String base = openApi.getJsonArray("servers").getJsonObject(0).getString("url");
        Set<String> documented = new TreeSet<>();
        openApi.getJsonObject("paths").forEach(p -> ((JsonObject) p.getValue()).fieldNames()
                .forEach(m -> documented.add(m.toUpperCase(java.util.Locale.ROOT) + " " + base + p.getKey())));

        // Every route the API mounts is documented, and every documented route is mounted.
        Router router = Router.router(vertx);
        CoordinatorCore core = new CoordinatorCore("c1", config.timers(), config.placement(),
                Set.copyOf(config.hostIds()), new FailoverPlanner("c1", new CompatibilityEngine(),
                FailoverPlanner.Settings.defaults()), new CoordinatorState(), 0);
        RestApi api = new RestApi(vertx, core, config, java.time.Clock.systemUTC(), System::nanoTime,
                out -> Future.succeededFuture());
        vertx.runOnContext(v -> api.mount(router));
        await().atMost(Duration.ofSeconds(30)).until(() -> !router.getRoutes().isEmpty());
        await().atMost(Duration.ofSeconds(30)).until(() -> router.getRoutes().stream()
                .anyMatch(r -> "/api/v1/drills/:drillId".equals(r.getPath())));
        Set<String> served = new TreeSet<>();
        for (Route r : router.getRoutes()) {
            if (r.getPath() == null || r.getPath().endsWith("/") || r.methods() == null || r.methods().isEmpty()) {
                continue;
            }
            r.methods().forEach(m -> served.add(m.name() + " " + r.getPath().replaceAll(":([A-Za-z]+)", "{$1}")));
        }
        assertThat(served).isEqualTo(documented);
        Set<String> listed = new TreeSet<>();
        api.routes().forEach(r -> listed.add(r[0] + " " + r[1]));
        assertThat(listed).isEqualTo(documented);
        join(api.close());

        // And on the live server each documented GET answers something other than "no such route".
        Session viewer = session("victor", "viewer secret 2");
        for (String route : documented) {
            if (!route.startsWith("GET ") || route.endsWith("/stream")) {
                continue;
            }
            String path = route.substring(4).replace("{guestId}", MAIL).replace("{hostId}", "hostA")
                    .replace("{drillId}", "d1");
            HttpResponse<String> r = get(viewer, path);
            if (r.statusCode() == 404) {
                assertThat(new JsonObject(r.body()).getString("detail")).as(route).doesNotStartWith("no route");
            } else {
                assertThat(r.statusCode()).as(route).isEqualTo(200);
            }
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private record Session(String cookie, String csrf) {
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + verticle.httpPort() + path);
    }

    private HttpResponse<String> send(String method, String path, String cookie, String csrf, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (cookie != null) {
            b.header("Cookie", RestApi.SESSION_COOKIE + "=" + cookie);
        }
        if (csrf != null) {
            b.header(RestApi.CSRF_HEADER, csrf);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> login(String user, String password) throws Exception {
        return send("POST", "/api/v1/session", null, null, new JsonObject().put("user", user)
                .put("password", password).encode());
    }

    private Session session(String user, String password) throws Exception {
        HttpResponse<String> r = login(user, password);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new Session(cookieValue(r), new JsonObject(r.body()).getString("csrfToken"));
    }

    private static String cookieValue(HttpResponse<String> r) {
        String pair = r.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        return pair.substring(pair.indexOf('=') + 1);
    }

    private HttpResponse<String> get(Session s, String path) throws Exception {
        return send("GET", path, s.cookie, null, null);
    }

    private HttpResponse<String> post(Session s, String path, String body) throws Exception {
        return send("POST", path, s.cookie, s.csrf, body);
    }

    private List<JsonObject> audits(Session s) throws Exception {
        JsonArray events = new JsonObject(get(s, "/api/v1/events?type=Audit&limit=1000").body())
                .getJsonArray("events");
        return events.stream().map(o -> (JsonObject) o).toList();
    }

    /** Every record in the (closed) journal of the coordinator, as a restart would replay them. */
    private List<io.lifeboat.protocol.v1.JournalRecord> journalRecords() throws Exception {
        try (io.lifeboat.coordinator.journal.Journal j = io.lifeboat.coordinator.journal.Journal.open(
                config.journalDir())) {
            List<io.lifeboat.protocol.v1.JournalRecord> out = new ArrayList<>();
            for (byte[] bytes : j.replay().records()) {
                out.add(io.lifeboat.protocol.v1.JournalRecord.parseFrom(bytes));
            }
            return out;
        }
    }

    private static int indexOf(List<io.lifeboat.protocol.v1.JournalRecord> records,
                               java.util.function.Predicate<io.lifeboat.protocol.v1.JournalRecord> match) {
        for (int i = 0; i < records.size(); i++) {
            if (match.test(records.get(i))) {
                return i;
            }
        }
        return -1;
    }

    private static void assertProblem(HttpResponse<String> r, int status, String kind) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
        JsonObject p = new JsonObject(r.body());
        assertThat(p.getString("type")).isEqualTo("urn:lifeboat:problem:" + kind);
        assertThat(p.getInteger("status")).isEqualTo(status);
        assertThat(p.getString("title")).isNotBlank();
        assertThat(p.getString("detail")).isNotBlank();
        assertThat(p.getString("instance")).startsWith("/");
    }

    private static <T> T join(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** The two fake agents of the site, and the guest's restore point. */
    private final class Agents {
        FakeAgent primary;
        FakeAgent standby;
        final String pointId = MAIL + "/20261130T100000Z";
        volatile String pendingBackup;
    }

    /**
     * Links hostA (primary of mail, fencing as given) and hostB (standby, which answers probes of hostA as
     * unreachable); hostA's first backup commits a point, later ones stay in flight. Waits until the point is known.
     */
    private Agents protectMail(FencingCapability primaryFencing) throws Exception {
        return protectMail(primaryFencing, Duration.ofSeconds(5));
    }

    private Agents protectMail(FencingCapability primaryFencing, Duration pointAge) throws Exception {
        Agents site = new Agents();
        site.primary = new FakeAgent(verticle.actualPort(), "hostA", "site", SiteConfigs.SECRET);
        site.standby = new FakeAgent(verticle.actualPort(), "hostB", "hostb-key", "another secret for hostB only");
        site.primary.peerId = "hostB";
        site.standby.peerId = "hostA";
        Instant snapshot = Instant.now().minus(pointAge);
        site.primary.responder = e -> {
            if (!e.hasBackupGuest()) {
                return List.of();
            }
            String id = e.getBackupGuest().getHeader().getCommandId();
            if (site.primary.received.stream().filter(Envelope::hasBackupGuest).count() > 1) {
                site.pendingBackup = id;
                return List.of();
            }
            return List.of(Envelope.newBuilder().setMessageId("committed-" + id).setReplicationCommitted(
                    ReplicationCommitted.newBuilder().setGuestId(MAIL).setCycleId(id).setPointId(site.pointId)
                            .setSnapshotTime(Timestamps.of(snapshot)).setTargetHostId("hostB")),
                    Envelope.newBuilder().setMessageId("result-" + id).setCommandResult(CommandResult.newBuilder()
                            .setCommandId(id).setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED)));
        };
        site.standby.responder = e -> e.hasProbePeerHost() ? List.of(Envelope.newBuilder()
                .setMessageId("probe-" + e.getProbePeerHost().getHeader().getCommandId())
                .setCommandResult(CommandResult.newBuilder().setCommandId(e.getProbePeerHost().getHeader()
                        .getCommandId()).setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED)
                        .setProbe(ProbeResult.newBuilder().setPeerHostId("hostA")))) : List.of();
        site.primary.send(Envelope.newBuilder().setMessageId("inv-A").setInventory(Inventory.newBuilder()
                .setHostId("hostA").setFacts(kvm("hostA", primaryFencing)).addGuests(mail())));
        site.standby.send(Envelope.newBuilder().setMessageId("inv-B").setInventory(Inventory.newBuilder()
                .setHostId("hostB").setFacts(kvm("hostB", FencingCapability.FENCING_CAPABILITY_SELF_FENCE))));
        await().atMost(Duration.ofSeconds(30)).until(() -> join(verticle.stateCopy()).points(MAIL).size() == 1);
        return site;
    }

    private static HostFacts kvm(String id, FencingCapability fencing) {
        return HostFacts.newBuilder().setHostId(id).setHypervisorKind(HypervisorKind.HYPERVISOR_KIND_LIBVIRT_KVM)
                .setHypervisorVersion("9.0.0").setVirtualizationExtension(
                        VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X)
                .setCpu64BitCapable(true).setCpuCount(4).setMemoryBytes(8L << 30).setMemoryFreeBytes(6L << 30)
                .setDatastoreFreeBytes(100L << 30).setFencingCapability(fencing).build();
    }

    private static GuestSpec mail() {
        return GuestSpec.newBuilder().setName("mail").setBitness(GuestBitness.GUEST_BITNESS_64).setVcpus(1)
                .setMemoryBytes(512L << 20)
                .addDisks(DiskSpec.newBuilder().setPath("/var/lib/libvirt/images/mail.vmdk")
                        .setFormat(DiskFormat.DISK_FORMAT_VMDK)
                        .setVmdkCreateType(VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE)
                        .setCapacityBytes(1L << 30))
                .addNics(NicSpec.newBuilder().setMacAddress("52:54:00:12:34:56").setModel(NicModel.NIC_MODEL_VIRTIO)
                        .setNetwork("VM Network"))
                .build();
    }

    /** An agent link that heartbeats every 200 ms and answers commands through {@code responder}. */
    private final class FakeAgent {
        final String hostId;
        final List<Envelope> received = new CopyOnWriteArrayList<>();
        // Held for as long as its socket lives: Vert.x 5 closes a garbage-collected NetClient.
        final NetClient client;
        final FramedConnection connection;
        volatile Function<Envelope, List<Envelope.Builder>> responder = e -> List.of();
        volatile String peerId;
        volatile Instant peerSilentSince;
        final long timer;
        long sequence;

        FakeAgent(int port, String hostId, String keyId, String secret) throws Exception {
            this.hostId = hostId;
            client = vertx.createNetClient();
            NetSocket socket = join(client.connect(port, "127.0.0.1"));
            connection = new FramedConnection(socket, this::receive, e -> { });
            send(Envelope.newBuilder().setMessageId("hello-" + hostId).setHello(Hello.newBuilder()
                    .setRole(Role.ROLE_AGENT).setSenderId(hostId).setProtocolMajor(1).setIncarnation(1)
                    .setCredentials(new HelloCredentials(keyId, secret.getBytes(StandardCharsets.UTF_8))
                            .sign(Role.ROLE_AGENT, hostId, 1, NONCE))));
            timer = vertx.setPeriodic(200, id -> {
                Heartbeat.Builder hb = Heartbeat.newBuilder().setHostId(hostId);
                if (peerId != null) {
                    long silentNanos = peerSilentSince == null ? 0
                            : Duration.between(peerSilentSince, Instant.now()).toNanos();
                    hb.addPeers(PeerObservation.newBuilder().setVoterId(peerId)
                            .setSinceLastHeard(Timestamps.of(Duration.ofNanos(silentNanos))));
                }
                send(Envelope.newBuilder().setMessageId(hostId + "-hb-" + id + "-" + sequence).setHeartbeat(hb));
            });
            agents.add(this);
        }

        void receive(Envelope e) {
            received.add(e);
            for (Envelope.Builder answer : responder.apply(e)) {
                send(answer);
            }
        }

        synchronized Future<Void> send(Envelope.Builder e) {
            return connection.send(e.setSender(hostId).setIncarnation(1).setSequence(++sequence).build());
        }

        void die() throws Exception {
            vertx.cancelTimer(timer);
            join(connection.close());
        }
    }
}
