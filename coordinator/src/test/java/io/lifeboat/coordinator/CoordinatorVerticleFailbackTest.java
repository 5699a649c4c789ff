package io.lifeboat.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.lifeboat.coordinator.client.LifeboatApiException;
import io.lifeboat.coordinator.client.LifeboatClient;
import io.lifeboat.coordinator.config.SiteConfigs;
import io.lifeboat.coordinator.metrics.FakeAgent;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.BackupResult;
import io.lifeboat.protocol.v1.Envelope;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The verticle drives a whole failback over real TCP links with in-process fake agents, started over REST by an
 * admin: a guest failed over to the standby goes back to its restarted primary (its old disk state kept as a restore
 * point, reverse replication while it runs, stop, final delta, materialise, register, start, clean-up), each phase
 * announced as a FailbackStep event and the last one with the downtime; a viewer is refused with 403.
 */
class CoordinatorVerticleFailbackTest {

    private static final String MAIL = "7f1c8d2e-0000-4000-8000-000000000001";
    private static final String HOSTB_KEY = "another secret for hostB only";

    @RegisterExtension
    final UsersSite site = new UsersSite(CoordinatorVerticleFailoverTest.FAST_TIMERS);
    /** Each command as the fake agents received it, across both hosts, in arrival order: "KIND@host". */
    private final List<String> trace = new CopyOnWriteArrayList<>();

    /** Answers the failback's commands a host gets that the stock standby answers leave unanswered. */
    private static Function<Envelope, List<Envelope.Builder>> failbackAnswers() {
        return e -> switch (e.getPayloadCase()) {
            // The primary keeps its old disk state in its own store.
            case BACKUP_GUEST -> "hostA".equals(e.getBackupGuest().getTarget().getHostId())
                    ? List.of(FakeAgent.succeeded(e, e.getBackupGuest().getHeader().getCommandId(),
                            r -> r.setBackup(BackupResult.newBuilder().setPointId(MAIL + "/20261130T110000Z")
                                    .setSnapshotTime(Timestamps.of(Instant.now())))))
                    : List.of();
            case REVERSE_REPLICATE -> List.of(FakeAgent.succeeded(e, e.getReverseReplicate().getHeader().getCommandId(),
                    r -> r.setBackup(BackupResult.newBuilder().setPointId(MAIL + (e.getReverseReplicate()
                            .getFinalDelta() ? "/20261130T111000Z" : "/20261130T110500Z"))
                            .setSnapshotTime(Timestamps.of(Instant.now())))));
            case STOP_GUEST -> List.of(FakeAgent.succeeded(e, e.getStopGuest().getHeader().getCommandId(), r -> r));
            case UNREGISTER_GUEST -> List.of(FakeAgent.succeeded(e, e.getUnregisterGuest().getHeader().getCommandId(),
                    r -> r));
            default -> List.of();
        };
    }

    /** Notes each command a host gets in the trace. */
    private java.util.function.Consumer<Envelope> noting(String hostId) {
        return e -> trace.add(e.getPayloadCase() + "@" + hostId);
    }

    @Test
    void anAdminFailsAGuestBackOverRestAndEachPhaseIsAnnouncedUntilItRunsOnItsPrimaryWithItsDowntime()
            throws Exception {
        int port = site.verticle().actualPort();
        FakeAgent hostA = new FakeAgent(site.vertx(), port, "hostA", "site", SiteConfigs.SECRET)
                .peer("hostB").primary(MAIL, "hostB", 8L << 20, 3L << 20).inventory(FakeAgent.guest("mail"));
        FakeAgent hostB = new FakeAgent(site.vertx(), port, "hostB", "hostb-key", HOSTB_KEY)
                .peer("hostA").standby("hostA").also(failbackAnswers()).listener(noting("hostB")).inventory();
        LifeboatClient admin = site.admin();
        await().atMost(Duration.ofSeconds(20)).until(() -> admin.getObject("/api/v1/guests/" + MAIL)
                .getString("newestPointId") != null);
        hostB.peerWentSilent();
        hostA.die();
        await().atMost(Duration.ofSeconds(30)).until(() -> "FAILED_OVER".equals(admin.getObject("/api/v1/guests/"
                + MAIL).getString("state")));

        // The primary's agent restarts with nothing running; it does what the failback sends it.
        FakeAgent primary = new FakeAgent(site.vertx(), port, "hostA", "site", SiteConfigs.SECRET)
                .peer("hostB").standby("hostB").also(failbackAnswers()).listener(noting("hostA"));
        await().atMost(Duration.ofSeconds(20)).until(() -> admin.getList("/api/v1/hosts", "hosts").stream()
                .map(JsonObject.class::cast).anyMatch(h -> h.getString("hostId").equals("hostA")
                        && h.getString("state").equals("UP")));

        // A viewer may not fail back: 403, and nothing starts.
        LifeboatClient viewer = site.viewer();
        assertThatThrownBy(() -> viewer.post("/api/v1/guests/" + MAIL + "/failback", null))
                .isInstanceOfSatisfying(LifeboatApiException.class, e -> assertThat(e.status()).isEqualTo(403));
        assertThat(admin.getObject("/api/v1/guests/" + MAIL).getString("state")).isEqualTo("FAILED_OVER");

        JsonObject accepted = admin.post("/api/v1/guests/" + MAIL + "/failback", null);
        assertThat(accepted.getString("operationId")).isEqualTo("failback-1-" + MAIL);
        assertThat(accepted.getString("state")).isEqualTo("FAILING_BACK");

        await().atMost(Duration.ofSeconds(20)).until(() -> steps(admin).stream()
                .anyMatch(s -> s.getString("step").equals("RESUME_PROTECTION")));
        List<JsonObject> steps = steps(admin);
        assertThat(steps.stream().map(s -> s.getString("step")).distinct()).containsExactly("KEEP_PRIMARY_STATE",
                "REVERSE_REPLICATE", "STOP_ON_STANDBY", "FINAL_DELTA", "MATERIALISE_ON_PRIMARY", "REGISTER_ON_PRIMARY",
                "START_ON_PRIMARY", "CLEAN_UP_STANDBY", "RESUME_PROTECTION");
        JsonObject last = steps.get(steps.size() - 1);
        assertThat(last.getString("status")).isEqualTo("COMPLETED");
        assertThat(last.getString("primaryHostId")).isEqualTo("hostA");
        assertThat(last.getString("standbyHostId")).isEqualTo("hostB");
        assertThat(last.getString("keptPointId")).isEqualTo(MAIL + "/20261130T110000Z");
        assertThat(last.getDouble("downtimeSeconds")).isBetween(0.0, 10.0);
        assertThat(last.getDouble("elapsedSeconds")).isGreaterThanOrEqualTo(last.getDouble("downtimeSeconds"));

        JsonObject guest = admin.getObject("/api/v1/guests/" + MAIL);
        assertThat(guest.getString("state")).isIn("PROTECTED", "AT_RISK");
        assertThat(guest.getString("ownerHostId")).isEqualTo("hostA");
        // I1: the primary starts its copy only after the standby confirmed its stop, and the standby's copy goes.
        assertThat(trace).containsSubsequence("BACKUP_GUEST@hostA", "REVERSE_REPLICATE@hostB", "STOP_GUEST@hostB",
                "REVERSE_REPLICATE@hostB", "MATERIALISE_RESTORE_POINT@hostA", "REGISTER_GUEST@hostA",
                "START_GUEST@hostA", "UNREGISTER_GUEST@hostB");
        assertThat(trace).filteredOn(c -> c.equals("START_GUEST@hostA")).hasSize(1);
        assertThat(primary.received).filteredOn(Envelope::hasRegisterGuest).singleElement().satisfies(e -> {
            assertThat(e.getRegisterGuest().getTransient()).isFalse();
            assertThat(e.getRegisterGuest().getDisableAutostart()).isTrue();
            assertThat(e.getRegisterGuest().getSpec().getNics(0).getMacAddress()).isEqualTo("52:54:00:12:34:56");
        });
        // Both requests are audit events naming their user.
        JsonArray audits = admin.getList("/api/v1/events?type=Audit&limit=1000", "events");
        assertThat(audits.stream().map(JsonObject.class::cast).map(a -> a.getJsonObject("data"))
                .filter(d -> "failback".equals(d.getString("action")))
                .map(d -> d.getString("user") + " " + d.getBoolean("allowed", false)))
                .containsExactly("victor false", "alice true");
        primary.die();
        hostB.die();
    }

    private static List<JsonObject> steps(LifeboatClient client) {
        return client.getList("/api/v1/events?type=FailbackStep&guest=" + MAIL + "&limit=1000", "events").stream()
                .map(JsonObject.class::cast).map(e -> e.getJsonObject("data")).toList();
    }
}
