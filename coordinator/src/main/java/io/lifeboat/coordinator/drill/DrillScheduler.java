package io.lifeboat.coordinator.drill;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import io.lifeboat.protocol.v1.RecoveryPlanDefined;

/** Tells which plans' drill crons fired between two ticks (a missed minute is not made up after a long pause). */
public final class DrillScheduler {

    private DrillScheduler() {
    }

    /**
     * The plans whose cron fires at a minute in {@code (after, upTo]}, in the order given; plans without a cron, or
     * with one that no longer parses, are skipped.
     */
    public static List<RecoveryPlanDefined> due(Collection<RecoveryPlanDefined> plans, Instant after, Instant upTo) {
        List<RecoveryPlanDefined> out = new ArrayList<>();
        for (RecoveryPlanDefined plan : plans) {
            String cron = plan.getDrill().getCron();
            if (cron.isBlank()) {
                continue;
            }
            CronSchedule schedule;
            try {
                schedule = CronSchedule.parse(cron);
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (!schedule.next(after).isAfter(upTo)) {
                out.add(plan);
            }
        }
        return out;
    }
}
