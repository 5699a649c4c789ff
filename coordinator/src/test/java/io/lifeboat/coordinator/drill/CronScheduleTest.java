package io.lifeboat.coordinator.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class CronScheduleTest {

    @Test
    void sundayAtThreeFiresOnTheNextSunday() {
        CronSchedule cron = CronSchedule.parse("0 3 * * 0");
        // 2026-11-30 is a Monday.
        assertThat(cron.next(Instant.parse("2026-11-30T13:00:00Z"))).isEqualTo(Instant.parse("2026-12-06T03:00:00Z"));
        assertThat(cron.next(Instant.parse("2026-12-06T03:00:00Z"))).isEqualTo(Instant.parse("2026-12-13T03:00:00Z"));
        assertThat(cron.firesAt(Instant.parse("2026-12-06T03:00:42Z"))).isTrue();
        assertThat(cron.firesAt(Instant.parse("2026-12-06T03:01:00Z"))).isFalse();
    }

    @Test
    void stepsRangesListsAndSevenAsSunday() {
        assertThat(CronSchedule.parse("*/15 * * * *").next(Instant.parse("2026-01-01T10:07:30Z")))
                .isEqualTo(Instant.parse("2026-01-01T10:15:00Z"));
        assertThat(CronSchedule.parse("30 8-9 * * 1-5").next(Instant.parse("2026-01-03T12:00:00Z")))
                .isEqualTo(Instant.parse("2026-01-05T08:30:00Z"));
        assertThat(CronSchedule.parse("0 0 1,15 * *").next(Instant.parse("2026-02-02T00:00:00Z")))
                .isEqualTo(Instant.parse("2026-02-15T00:00:00Z"));
        assertThat(CronSchedule.parse("0 12 * * 7").next(Instant.parse("2026-11-30T00:00:00Z")))
                .isEqualTo(Instant.parse("2026-12-06T12:00:00Z"));
        assertThat(CronSchedule.parse("0 0 29 2 *").next(Instant.parse("2026-03-01T00:00:00Z")))
                .isEqualTo(Instant.parse("2028-02-29T00:00:00Z"));
    }

    @Test
    void dayOfMonthOrDayOfWeekWhenBothAreRestricted() {
        // 2026-12-01 is a Tuesday; the 13th is a Sunday; Friday 2026-12-04 comes first.
        assertThat(CronSchedule.parse("0 0 13 * 5").next(Instant.parse("2026-12-01T00:00:00Z")))
                .isEqualTo(Instant.parse("2026-12-04T00:00:00Z"));
    }

    @Test
    void badExpressionsNameTheFieldAndValue() {
        assertThatThrownBy(() -> CronSchedule.parse("0 3 * *")).hasMessage(
                "cron '0 3 * *': 4 fields, expected 5 (minute hour day-of-month month day-of-week)");
        assertThatThrownBy(() -> CronSchedule.parse("61 3 * * 0")).hasMessage("cron '61 3 * * 0': minute 61 outside 0..59");
        assertThatThrownBy(() -> CronSchedule.parse("0 x * * 0")).hasMessage("cron '0 x * * 0': hour 'x' is not a number");
        assertThatThrownBy(() -> CronSchedule.parse("0 3 * 13 0")).hasMessage("cron '0 3 * 13 0': month 13 outside 1..12");
        assertThatThrownBy(() -> CronSchedule.parse("0 3 5-1 * *"))
                .hasMessage("cron '0 3 5-1 * *': day of month range '5-1' runs backwards");
        assertThatThrownBy(() -> CronSchedule.parse("0 0 31 2 *").next(Instant.parse("2026-01-01T00:00:00Z")))
                .hasMessage("cron '0 0 31 2 *' never fires");
    }
}
