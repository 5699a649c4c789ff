package io.lifeboat.coordinator.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lifeboat.coordinator.CoordinatorVerticle;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;
import io.lifeboat.coordinator.config.SiteConfigs;
import io.lifeboat.protocol.Addresses;
import io.lifeboat.protocol.v1.DrillGuestResult;
import io.lifeboat.protocol.v1.DrillReport;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.Failure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** The coordinator verticle with a {@code notify} section: events on lifeboat.events become mails. */
class NotifyWiringTest {

    @TempDir
    Path dir;

    private Vertx vertx;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void tearDown() throws Exception {
        join(vertx.close());
    }

    @Test
    void aFailedDrillPublishedOnTheEventBusIsMailedOnceByTheCoordinator() throws Exception {
        SmtpTestServer smtp = new SmtpTestServer();
        int port = join(smtp.start(vertx));
        CoordinatorVerticle verticle = new CoordinatorVerticle(CoordinatorConfigLoader.load(SiteConfigs.write(dir,
                "nas", notify(port))));
        join(vertx.deployVerticle(verticle));

        vertx.eventBus().publish(Addresses.EVENTS, failedDrill());

        await().atMost(Duration.ofSeconds(20)).until(() -> !smtp.mails().isEmpty());
        assertThat(smtp.mails()).singleElement().satisfies(m -> {
            assertThat(m.subject()).isEqualTo("[lifeboat] drill d-7 of plan office FAILED for g-1");
            assertThat(m.to()).containsExactly("admin@example.org");
            assertThat(m.text()).contains("g-1: FAILED: chunk_corrupt: chunk 3 failed its hash",
                    "./lifeboat drill run office");
        });
    }

    @Test
    void withTheMailServerDownTheCoordinatorKeepsAnswering() throws Exception {
        SmtpTestServer smtp = new SmtpTestServer();
        int port = join(smtp.start(vertx));
        join(smtp.close());
        CoordinatorVerticle verticle = new CoordinatorVerticle(CoordinatorConfigLoader.load(SiteConfigs.write(dir,
                "nas", notify(port))));
        join(vertx.deployVerticle(verticle));

        vertx.eventBus().publish(Addresses.EVENTS, failedDrill());

        // The mail is being retried (2, 4, 8 s); meanwhile the coordinator's event loop answers at once.
        for (int i = 0; i < 5; i++) {
            assertThat(join(verticle.status()).getJsonArray("hosts")).isNotNull();
        }
    }

    private static String notify(int port) {
        return "notify:\n  smtp: {host: 127.0.0.1, port: " + port + ", startTls: disabled}\n"
                + "  from: lifeboat@example.org\n  to: [admin@example.org]\n";
    }

    private static Envelope failedDrill() {
        return Envelope.newBuilder().setMessageId("drill-report-1").setSender("c1").setDrillReport(DrillReport
                .newBuilder().setDrillId("d-7").setPlan("office").setSuccess(false).addGuests(DrillGuestResult
                        .newBuilder().setGuestId("g-1").setBootVerified(false).setFailure(Failure.newBuilder()
                                .setCode("chunk_corrupt").setMessage("chunk 3 failed its hash")))).build();
    }

    private static <T> T join(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
}
