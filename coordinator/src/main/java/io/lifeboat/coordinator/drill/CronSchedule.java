package io.lifeboat.coordinator.drill;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.Locale;

/** A five-field cron expression (minute hour day-of-month month day-of-week, UTC) and the times it fires. */
public final class CronSchedule {

    private static final int SEARCH_MINUTES = 366 * 24 * 60 * 5;

    private final String expression;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet days;
    private final BitSet months;
    private final BitSet weekdays;
    private final boolean daysRestricted;
    private final boolean weekdaysRestricted;

    private CronSchedule(String expression, String[] fields) {
        this.expression = expression;
        this.minutes = field(expression, "minute", fields[0], 0, 59);
        this.hours = field(expression, "hour", fields[1], 0, 23);
        this.days = field(expression, "day of month", fields[2], 1, 31);
        this.months = field(expression, "month", fields[3], 1, 12);
        BitSet dow = field(expression, "day of week", fields[4], 0, 7);
        if (dow.get(7)) {
            dow.set(0);
        }
        this.weekdays = dow;
        this.daysRestricted = !fields[2].equals("*");
        this.weekdaysRestricted = !fields[4].equals("*");
    }

    /**
     * Parses {@code expression}: five fields separated by blanks, each {@code *}, a number, a range {@code a-b}, a
     * list {@code a,b} or a step {@code * /n} or {@code a-b/n}; day of week 0-7 (0 and 7 are Sunday).
     *
     * @throws IllegalArgumentException naming the field and the value when it is not a cron expression
     */
    public static CronSchedule parse(String expression) {
        String trimmed = expression == null ? "" : expression.trim();
        String[] fields = trimmed.isEmpty() ? new String[0] : trimmed.split("\\s+");
        if (fields.length != 5) {
            throw new IllegalArgumentException("cron '" + expression + "': " + fields.length
                    + " fields, expected 5 (minute hour day-of-month month day-of-week)");
        }
        return new CronSchedule(trimmed, fields);
    }

    /** The expression as given (trimmed). */
    public String expression() {
        return expression;
    }

    /** The first minute strictly after {@code after} at which the schedule fires. */
    public Instant next(Instant after) {
        ZonedDateTime t = after.atZone(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
        for (int i = 0; i < SEARCH_MINUTES; i++) {
            if (matches(t)) {
                return t.toInstant();
            }
            if (!months.get(t.getMonthValue()) || !dayMatches(t)) {
                t = t.truncatedTo(ChronoUnit.DAYS).plusDays(1);
            } else if (!hours.get(t.getHour())) {
                t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
            } else {
                t = t.plusMinutes(1);
            }
        }
        throw new IllegalArgumentException("cron '" + expression + "' never fires");
    }

    /** Whether the schedule fires at the minute holding {@code at}. */
    public boolean firesAt(Instant at) {
        return matches(at.atZone(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES));
    }

    private boolean matches(ZonedDateTime t) {
        return minutes.get(t.getMinute()) && hours.get(t.getHour()) && months.get(t.getMonthValue()) && dayMatches(t);
    }

    private boolean dayMatches(ZonedDateTime t) {
        boolean day = days.get(t.getDayOfMonth());
        DayOfWeek dow = t.getDayOfWeek();
        boolean weekday = weekdays.get(dow.getValue() % 7);
        if (daysRestricted && weekdaysRestricted) {
            return day || weekday;
        }
        return day && weekday;
    }

    private static BitSet field(String expression, String name, String text, int min, int max) {
        BitSet bits = new BitSet(max + 1);
        for (String part : text.split(",", -1)) {
            String range = part;
            int step = 1;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                range = part.substring(0, slash);
                step = number(expression, name, part.substring(slash + 1), 1, max);
            }
            int from;
            int to;
            if (range.equals("*")) {
                from = min;
                to = max;
            } else if (range.contains("-")) {
                int dash = range.indexOf('-');
                from = number(expression, name, range.substring(0, dash), min, max);
                to = number(expression, name, range.substring(dash + 1), min, max);
                if (from > to) {
                    throw new IllegalArgumentException("cron '" + expression + "': " + name + " range '" + range
                            + "' runs backwards");
                }
            } else {
                from = number(expression, name, range, min, max);
                to = slash >= 0 ? max : from;
            }
            for (int v = from; v <= to; v += step) {
                bits.set(v);
            }
        }
        return bits;
    }

    private static int number(String expression, String name, String text, int min, int max) {
        if (text.isEmpty() || !text.chars().allMatch(Character::isDigit) || text.length() > 4) {
            throw new IllegalArgumentException("cron '" + expression + "': " + name + " '" + text
                    + "' is not a number");
        }
        int value = Integer.parseInt(text);
        if (value < min || value > max) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "cron '%s': %s %d outside %d..%d",
                    expression, name, value, min, max));
        }
        return value;
    }

    @Override
    public String toString() {
        return expression;
    }
}
