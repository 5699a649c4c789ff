package io.lifeboat.coordinator.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.lifeboat.protocol.v1.DrillSchedule;
import io.lifeboat.protocol.v1.RecoveryPlanDefined;

class DrillSchedulerTest {

    private final RecoveryPlanDefined weekly = RecoveryPlanDefined.newBuilder().setName("office")
            .setDrill(DrillSchedule.newBuilder().setCron("0 3 * * 0")).build();
    private final RecoveryPlanDefined onDemand = RecoveryPlanDefined.newBuilder().setName("lab").build();

    @Test
    void aPlanIsDueOnceWhenItsMinuteIsCrossed() {
        List<RecoveryPlanDefined> plans = List.of(weekly, onDemand);
        assertThat(DrillScheduler.due(plans, Instant.parse("2026-12-06T02:59:59Z"),
                Instant.parse("2026-12-06T03:00:00.100Z"))).containsExactly(weekly);
        assertThat(DrillScheduler.due(plans, Instant.parse("2026-12-06T03:00:00.100Z"),
                Instant.parse("2026-12-06T03:00:01Z"))).isEmpty();
        assertThat(DrillScheduler.due(plans, Instant.parse("2026-12-05T03:00:00Z"),
                Instant.parse("2026-12-06T02:59:00Z"))).isEmpty();
    }
}
