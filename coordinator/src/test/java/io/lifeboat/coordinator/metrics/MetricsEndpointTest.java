package io.lifeboat.coordinator.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lifeboat.coordinator.CoordinatorVerticle;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;
import io.lifeboat.coordinator.config.SiteConfigs;
import io.vertx.core.Vertx;

/**
 * {@code GET /metrics} of a running coordinator, scraped over HTTP after a fake primary agent backed a guest up to
 * its standby: the replication counters and timer, the point-age gauge and the heartbeats carry their labels.
 */
class MetricsEndpointTest {

    private static final String MAIL = "7f1c8d2e-0000-4000-8000-000000000001";

    @TempDir
    Path dir;

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aBackupShowsUpAsReplicationBytesSecondsAndPointAgeWithTheGuestLabel() throws Exception {
        CoordinatorVerticle verticle = new CoordinatorVerticle(CoordinatorConfigLoader.load(SiteConfigs.write(dir,
                "nas", "http:\n  listen: \"127.0.0.1:0\"\n")));
        vertx.deployVerticle(verticle).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        FakeAgent hostA = new FakeAgent(vertx, verticle.actualPort(), "hostA", "site", SiteConfigs.SECRET)
                .peer("hostB").primary(MAIL, "hostB", 8L << 20, 3L << 20).inventory(FakeAgent.guest("mail"));
        FakeAgent hostB = new FakeAgent(vertx, verticle.actualPort(), "hostB", "hostb-key",
                "another secret for hostB only").peer("hostA").inventory();
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest scrape = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + verticle.httpPort()
                + "/metrics")).timeout(Duration.ofSeconds(5)).build();

        await().atMost(Duration.ofSeconds(20)).until(() -> http.send(scrape, HttpResponse.BodyHandlers.ofString())
                .body().contains("lifeboat_restore_point_age_seconds{guest=\"" + MAIL + "\""));

        HttpResponse<String> response = http.send(scrape, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("text/plain; version=0.0.4"));
        String guest = "{guest=\"" + MAIL + "\"}";
        assertThat(response.body().lines()).contains(
                "lifeboat_replication_read_bytes_total" + guest + " 8388608.0",
                "lifeboat_replication_sent_bytes_total" + guest + " 3145728.0",
                "lifeboat_replication_seconds_count" + guest + " 1",
                "lifeboat_replication_seconds_sum" + guest + " 3.0",
                "lifeboat_rpo_seconds{guest=\"" + MAIL + "\",name=\"mail\"} 600.0",
                "lifeboat_guests{state=\"PROTECTED\"} 1.0",
                "lifeboat_host_up{host=\"hostA\"} 1.0");
        assertThat(response.body().lines()).anySatisfy(l -> assertThat(l)
                .matches("lifeboat_restore_point_age_seconds\\{guest=\"" + MAIL + "\",name=\"mail\"} [0-9.E]+"));
        assertThat(response.body().lines()).anySatisfy(l -> assertThat(l)
                .matches("lifeboat_heartbeats_total\\{host=\"hostB\"} [1-9][0-9.E]*"));
        assertThat(response.body().lines().filter(l -> !l.isBlank() && !l.startsWith("#")))
                .allSatisfy(l -> assertThat(l).startsWith("lifeboat_"));
        hostA.die();
        hostB.die();
    }
}
