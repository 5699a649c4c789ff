package io.lifeboat.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonObject;

/** A follower's silence report survives the event bus, and a malformed one is refused naming what is wrong. */
class SilenceReportTest {

    @Test
    void roundTripsThroughJson() {
        SilenceReport report = new SilenceReport("c2", Map.of("hostA", 9_500_000_000L));
        assertThat(SilenceReport.fromJson(new JsonObject(report.toJson().encode()))).isEqualTo(report);
        assertThat(SilenceReport.address("office")).isEqualTo("lifeboat.cluster.office.silence");
    }

    @Test
    void malformedReportsAreRefused() {
        assertThatThrownBy(() -> SilenceReport.fromJson(new JsonObject().put("silentNanos", new JsonObject())))
                .hasMessageStartingWith("silence report without a 'from' coordinator id");
        assertThatThrownBy(() -> SilenceReport.fromJson(new JsonObject().put("from", "c2")
                .put("silentNanos", new JsonObject().put("hostA", -1))))
                .hasMessage("silence report of c2: silentNanos.hostA is not a non-negative number: -1");
        assertThatThrownBy(() -> SilenceReport.fromJson(new JsonObject().put("from", "c2")
                .put("silentNanos", new JsonObject().put("hostA", "long"))))
                .hasMessage("silence report of c2: silentNanos.hostA is not a non-negative number: long");
    }
}
