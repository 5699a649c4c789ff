package io.lifeboat.coordinator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonObject;

class ScaleReportTest {

    private static ScaleReport report(double cpu, long retainedAfterGc, int gcs, double lostAfter) {
        return new ScaleReport(1000, 10, 60.0, cpu, 900L << 20, retainedAfterGc, gcs, 0, "host500", 3.4, lostAfter,
                8.1, 501, 8.0);
    }

    @Test
    void targetsAreAQuarterCoreHalfAGibibyteRetainedAndTheTtlPlusOneSecond() {
        ScaleReport met = report(0.175, 155L << 20, 7, 8.54);
        assertThat(met.targetsMet()).isTrue();
        assertThat(report(0.25, 155L << 20, 7, 8.54).cpuTargetMet()).isFalse();
        assertThat(report(0.1, 512L << 20, 7, 8.54).heapTargetMet()).isFalse();
        assertThat(report(0.1, 155L << 20, 7, 9.01).lostTargetMet()).isFalse();
        assertThat(report(0.1, 155L << 20, 7, 9.0).lostTargetMet()).isTrue();
    }

    @Test
    void withoutACollectionTheSampledPeakIsTheRetainedHeap() {
        ScaleReport noGc = report(0.1, 0, 0, 8.5);
        assertThat(noGc.heapRetainedBytes()).isEqualTo(900L << 20);
        assertThat(noGc.heapTargetMet()).isFalse();
    }

    @Test
    void jsonHasLowerCamelSecondsAndBytes() {
        JsonObject json = report(0.1754, 155L << 20, 7, 8.5432).toJson();
        assertThat(json.getDouble("cpuShareOfOneCore")).isEqualTo(0.175);
        assertThat(json.getLong("heapRetainedBytes")).isEqualTo(155L << 20);
        assertThat(json.getLong("heapUsedPeakBytes")).isEqualTo(900L << 20);
        assertThat(json.getDouble("lostAfterSeconds")).isEqualTo(8.543);
        assertThat(json.getDouble("lostDeadlineSeconds")).isEqualTo(9.0);
        assertThat(json.getDouble("lostMarginSeconds")).isEqualTo(0.457);
        assertThat(json.getInteger("guests")).isEqualTo(10_000);
        assertThat(json.getBoolean("targetsMet")).isTrue();
        assertThat(json.fieldNames()).allMatch(k -> Character.isLowerCase(k.charAt(0)) && !k.contains("_"));
    }

    @Test
    void tableNamesEachMeasureAndWhetherItMetItsTarget() {
        String table = report(0.30, 155L << 20, 7, 8.5).toTable();
        assertThat(table).contains("coordinator CPU (share of 1 core)  30.0 %", "NO", "155.0 MiB (7 GCs)",
                "host500 killed: LOST after", "8.50 s (501 voters)", "<= 9.0 s", "TARGET MISSED");
    }
}
