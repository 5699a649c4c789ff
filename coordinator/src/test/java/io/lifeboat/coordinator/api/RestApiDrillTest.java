package io.lifeboat.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.lifeboat.coordinator.UsersSite;
import io.lifeboat.coordinator.client.LifeboatApiException;
import io.lifeboat.coordinator.client.LifeboatClient;
import io.lifeboat.coordinator.config.SiteConfigs;
import io.lifeboat.coordinator.metrics.FakeAgent;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.DrillBootResult;
import io.lifeboat.protocol.v1.DrillTeardownResult;
import io.lifeboat.protocol.v1.Envelope;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * DR drills end to end over REST against a coordinator verticle fed by fake agents over real TCP links: an admin's
 * {@code POST /api/v1/drills} boots the plan's guest on its standby and tears it down, and {@code GET
 * /api/v1/drills/{id}} (JSON, and HTML for the page's link) reports pass, the point used and its age, the RTO, the
 * evidence and the teardown; the history lists it; a viewer and an unknown plan are refused.
 */
class RestApiDrillTest {

    private static final String MAIL = "7f1c8d2e-0000-4000-8000-000000000001";
    private static final String SERIAL_TAIL = "Debian GNU/Linux 12 ttyS0\n\nmail login:";

    @RegisterExtension
    final UsersSite site = new UsersSite("");

    /** The standby's drill answers: the copy boots verified in 2.5 s, and its teardown leaves nothing. */
    private static List<Envelope.Builder> drills(Envelope e) {
        return switch (e.getPayloadCase()) {
            case DRILL_BOOT -> {
                var d = e.getDrillBoot();
                yield List.of(FakeAgent.succeeded(e, d.getHeader().getCommandId(), r -> r.setDrillBoot(
                        DrillBootResult.newBuilder().setDrillId(d.getDrillId()).setDrillName(d.getDrillName())
                                .setPointId(d.getPointId()).setPassed(true)
                                .setBootDuration(Timestamps.of(Duration.ofMillis(2500))).setEvidence(SERIAL_TAIL))));
            }
            case DRILL_TEARDOWN -> {
                var t = e.getDrillTeardown();
                yield List.of(FakeAgent.succeeded(e, t.getHeader().getCommandId(), r -> r.setDrillTeardown(
                        DrillTeardownResult.newBuilder().setDrillId(t.getDrillId()).setDrillName(t.getDrillName())
                                .setNothingLeft(true).addRemovedDomains(t.getDrillName()).setRemovedFiles(3))));
            }
            default -> List.of();
        };
    }

    @Test
    void anAdminsDrillIsReportedWithPassPointAgeRtoEvidenceAndTeardownInJsonHtmlAndTheHistory() throws Exception {
        int port = site.verticle().actualPort();
        FakeAgent hostA = new FakeAgent(site.vertx(), port, "hostA", "site", SiteConfigs.SECRET)
                .peer("hostB").primary(MAIL, "hostB", 8L << 20, 3L << 20).inventory(FakeAgent.guest("mail"));
        FakeAgent hostB = new FakeAgent(site.vertx(), port, "hostB", "hostb-key",
                "another secret for hostB only").peer("hostA").also(RestApiDrillTest::drills).inventory();
        LifeboatClient admin = site.admin();
        await().atMost(Duration.ofSeconds(20)).until(() -> admin.getObject("/api/v1/guests/" + MAIL)
                .getString("newestPointId") != null);
        String pointId = admin.getObject("/api/v1/guests/" + MAIL).getString("newestPointId");

        LifeboatClient viewer = site.viewer();
        assertThatThrownBy(() -> viewer.post("/api/v1/drills", new JsonObject().put("plan", "office")))
                .isInstanceOfSatisfying(LifeboatApiException.class, e -> assertThat(e.status()).isEqualTo(403));
        assertThatThrownBy(() -> admin.post("/api/v1/drills", new JsonObject().put("plan", "no-such-plan")))
                .isInstanceOfSatisfying(LifeboatApiException.class, e -> assertThat(e.status()).isEqualTo(404));
        assertThat(admin.getList("/api/v1/drills", "drills")).as("refused drills leave no report").isEmpty();

        JsonObject accepted = admin.post("/api/v1/drills", new JsonObject().put("plan", "office"));
        assertThat(accepted.getString("plan")).isEqualTo("office");
        String drillId = accepted.getString("drillId");
        String path = "/api/v1/drills/" + LifeboatClient.segment(drillId);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> admin.getObject(path) != null);

        JsonObject report = admin.getObject(path);
        assertThat(report.getString("drillId")).isEqualTo(drillId);
        assertThat(report.getString("plan")).isEqualTo("office");
        assertThat(report.getBoolean("passed")).isTrue();
        JsonObject guest = report.getJsonArray("guests").getJsonObject(0);
        assertThat(guest.getString("guestId")).isEqualTo(MAIL);
        assertThat(guest.getString("guest")).isEqualTo("mail");
        assertThat(guest.getBoolean("passed")).isTrue();
        assertThat(guest.getString("pointId")).isEqualTo(pointId);
        // The fake primary's point was taken 5 s before its backup was asked for: older than that at the drill.
        assertThat(guest.getDouble("pointAgeSeconds")).isGreaterThanOrEqualTo(5.0);
        assertThat(guest.getDouble("rtoSeconds")).isEqualTo(2.5);
        assertThat(guest.getString("hostId")).isEqualTo("hostB");
        assertThat(guest.getString("drillName")).startsWith("drill-mail-");
        assertThat(guest.getString("evidence")).isEqualTo(SERIAL_TAIL);
        assertThat(guest.getJsonObject("teardown").getBoolean("nothingLeft")).isTrue();
        assertThat(hostB.received).filteredOn(Envelope::hasDrillBoot).singleElement().satisfies(e -> {
            assertThat(e.getDrillBoot().getPointId()).isEqualTo(pointId);
            assertThat(e.getDrillBoot().getBootMarker()).isEqualTo("login:");
        });

        JsonArray history = admin.getList("/api/v1/drills", "drills");
        assertThat(history).singleElement().satisfies(o -> {
            JsonObject row = (JsonObject) o;
            assertThat(row.getString("drillId")).isEqualTo(drillId);
            assertThat(row.getBoolean("passed")).isTrue();
            assertThat(row.getJsonArray("guests").getJsonObject(0).getDouble("rtoSeconds")).isEqualTo(2.5);
        });

        // The HTML report the page links to, for a browser holding the session cookie.
        HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
        URI base = site.base();
        HttpResponse<String> login = browser.send(HttpRequest.newBuilder(base.resolve("/api/v1/session"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(new JsonObject()
                        .put("user", "victor").put("password", UsersSite.VIEWER_PASSWORD).encode())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).isEqualTo(200);
        HttpResponse<String> html = browser.send(HttpRequest.newBuilder(base.resolve(path + "?format=html")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(html.statusCode()).isEqualTo(200);
        assertThat(html.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("text/html"));
        assertThat(html.body()).contains("DR drill of plan office: <span class=\"pass\">PASSED</span>")
                .contains("mail login:").contains(pointId);
        hostA.die();
        hostB.die();
    }
}
