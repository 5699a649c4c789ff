package io.lifeboat.coordinator.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.DrillBootResult;
import io.lifeboat.protocol.v1.DrillGuestFinished;
import io.lifeboat.protocol.v1.DrillGuestResult;
import io.lifeboat.protocol.v1.DrillReport;
import io.lifeboat.protocol.v1.DrillTeardownResult;
import io.vertx.core.json.JsonObject;

class DrillReportViewTest {

    private final DrillGuestResult mail = DrillGuestResult.newBuilder().setGuestId("g1").setPointId("g1/20261206T024500Z")
            .setBootVerified(true).setRto(Timestamps.of(Duration.ofMillis(7500)))
            .setRpo(Timestamps.of(Duration.ofMinutes(15))).build();
    private final DrillReport report = DrillReport.newBuilder().setDrillId("d1").setPlan("office<script>")
            .setSuccess(true).addGuests(mail)
            .setStartedAt(Timestamps.of(Instant.parse("2026-12-06T03:00:00Z")))
            .setFinishedAt(Timestamps.of(Instant.parse("2026-12-06T03:00:14Z"))).build();
    private final DrillGuestFinished detail = DrillGuestFinished.newBuilder().setDrillId("d1").setResult(mail)
            .setDrillName("drill-mail-d1").setHostId("hostB")
            .setBoot(DrillBootResult.newBuilder().setPassed(true).setEvidence("<b>login:</b> & more"))
            .setTeardown(DrillTeardownResult.newBuilder().setNothingLeft(true).setRemovedFiles(3)).build();

    @Test
    void summaryAndJsonUseSecondsAndLowerCamelKeys() {
        JsonObject summary = DrillReportView.summary(report);
        assertThat(summary.getString("drillId")).isEqualTo("d1");
        assertThat(summary.getDouble("durationSeconds")).isEqualTo(14.0);
        assertThat(summary.getBoolean("passed")).isTrue();
        assertThat(summary.getJsonArray("guests").getJsonObject(0).getDouble("rtoSeconds")).isEqualTo(7.5);
        assertThat(summary.getJsonArray("guests").getJsonObject(0).getDouble("pointAgeSeconds")).as("the history's RPO")
                .isEqualTo(900.0);
        JsonObject full = DrillReportView.json(report, List.of(detail), id -> "mail");
        JsonObject g = full.getJsonArray("guests").getJsonObject(0);
        assertThat(g.getString("guest")).isEqualTo("mail");
        assertThat(g.getDouble("pointAgeSeconds")).isEqualTo(900.0);
        assertThat(g.getString("evidence")).isEqualTo("<b>login:</b> & more");
        assertThat(g.getJsonObject("teardown").getBoolean("nothingLeft")).isTrue();
    }

    @Test
    void htmlIsSelfContainedAndEscaped() {
        String html = DrillReportView.html(report, List.of(detail), id -> "mail");
        assertThat(html).startsWith("<!DOCTYPE html>").contains("PASSED").contains("7.5 s").contains("900.0 s")
                .contains("office&lt;script&gt;").contains("&lt;b&gt;login:&lt;/b&gt; &amp; more")
                .doesNotContain("<script>").doesNotContain("src=").doesNotContain("href=");
    }
}
