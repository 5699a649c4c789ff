package io.lifeboat.coordinator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.GuestFailedOver;
import io.lifeboat.protocol.v1.Heartbeat;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.ReplicationCommitted;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

class LifeboatMetricsTest {

    private static final String MAIL = "7f1c8d2e-0000-4000-8000-000000000001";

    private static JsonObject status() {
        return new JsonObject().put("epoch", 3)
                .put("hosts", new JsonArray().add(new JsonObject().put("hostId", "hostA").put("state", "LOST"))
                        .add(new JsonObject().put("hostId", "hostB").put("state", "UP")))
                .put("guests", new JsonArray().add(new JsonObject().put("guestId", MAIL).put("name", "mail")
                        .put("state", "FAILED_OVER").put("rpoSeconds", 600.0).put("newestPointAgeSeconds", 42.5)
                        .put("backupInFlight", false).put("consecutiveBackupFailures", 0)))
                .put("failovers", new JsonArray().add(new JsonObject().put("operationId", "op1")
                        .put("guests", new JsonArray().add(new JsonObject().put("guestId", MAIL)
                                .put("failedOver", true).put("rtoSeconds", 7.25).put("rpoSeconds", 40.0)))));
    }

    @Test
    void replicationHeartbeatsAgeAndFailoversAreScrapedWithTheirLabels() {
        try (LifeboatMetrics metrics = new LifeboatMetrics(() -> 17)) {
            metrics.onEnvelope("hostA", Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder().setHostId("hostA"))
                    .build());
            metrics.onEnvelope("hostA", Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder().setHostId("hostA"))
                    .build());
            metrics.onEnvelope("hostA", Envelope.newBuilder().setReplicationCommitted(ReplicationCommitted.newBuilder()
                    .setGuestId(MAIL).setBytesRead(4_194_304).setBytesSent(1_048_576)
                    .setDuration(com.google.protobuf.Duration.newBuilder().setSeconds(2).setNanos(500_000_000)))
                    .build());
            metrics.onRecord(JournalRecord.newBuilder().setGuestFailedOver(GuestFailedOver.newBuilder()
                    .setGuestId(MAIL).setRto(com.google.protobuf.Duration.newBuilder().setSeconds(7))).build());
            metrics.onDrillFinished(true, Duration.ofSeconds(30));

            String text = metrics.scrape(status());

            assertThat(text.lines()).contains(
                    "lifeboat_heartbeats_total{host=\"hostA\"} 2.0",
                    "lifeboat_replication_read_bytes_total{guest=\"" + MAIL + "\"} 4194304.0",
                    "lifeboat_replication_sent_bytes_total{guest=\"" + MAIL + "\"} 1048576.0",
                    "lifeboat_replication_seconds_count{guest=\"" + MAIL + "\"} 1",
                    "lifeboat_replication_seconds_sum{guest=\"" + MAIL + "\"} 2.5",
                    "lifeboat_restore_point_age_seconds{guest=\"" + MAIL + "\",name=\"mail\"} 42.5",
                    "lifeboat_rpo_seconds{guest=\"" + MAIL + "\",name=\"mail\"} 600.0",
                    "lifeboat_hosts{state=\"LOST\"} 1.0", "lifeboat_host_up{host=\"hostA\"} 0.0",
                    "lifeboat_guests{state=\"FAILED_OVER\"} 1.0", "lifeboat_failovers_total 1.0",
                    "lifeboat_guests_failed_over_total 1.0", "lifeboat_coordinator_epoch 3.0",
                    "lifeboat_journal_records_total 17.0",
                    "lifeboat_last_failover_rto_seconds{guest=\"" + MAIL + "\"} 7.25",
                    "lifeboat_failover_rto_seconds_count 1",
                    "lifeboat_drills_total{result=\"passed\"} 1.0", "lifeboat_drills_total{result=\"failed\"} 0.0");
            assertThat(text).contains("lifeboat_jvm_memory_used_bytes{", "lifeboat_jvm_heap_used_bytes ",
                    "lifeboat_process_cpu_usage ", "lifeboat_jvm_gc_");
            assertThat(text.lines().filter(l -> !l.isBlank() && !l.startsWith("#")))
                    .allSatisfy(l -> assertThat(l).startsWith("lifeboat_"));
        }
    }

    @Test
    void theJournalCounterKeepsReadingACapturingSupplierAfterACollection() {
        long[] records = {5};
        try (LifeboatMetrics metrics = new LifeboatMetrics(() -> records[0])) {
            System.gc();
            records[0] = 7;
            assertThat(metrics.scrape(status()).lines()).contains("lifeboat_journal_records_total 7.0");
        }
    }

    @Test
    void aGuestThatLeavesTheStatusLeavesTheGauges() {
        try (LifeboatMetrics metrics = new LifeboatMetrics(() -> 0)) {
            assertThat(metrics.scrape(status())).contains("lifeboat_restore_point_age_seconds{guest=\"" + MAIL);
            JsonObject empty = status().put("guests", new JsonArray()).put("failovers", new JsonArray());
            String text = metrics.scrape(empty);
            assertThat(text).doesNotContain("lifeboat_restore_point_age_seconds{guest=\"" + MAIL)
                    .doesNotContain("lifeboat_last_failover_rto_seconds{");
            assertThat(text.lines()).contains("lifeboat_failovers_total 0.0");
        }
    }
}
