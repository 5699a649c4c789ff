package io.lifeboat.storage.store;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/**
 * A restore point's id, {@code <guest id>/<UTC yyyyMMddTHHmmssZ>}.
 *
 * @param guestId the protected guest's stable id (letters, digits, {@code .-_}; never a path)
 * @param time    the point's time, whole seconds, UTC
 */
public record RestorePointId(String guestId, Instant time) implements Comparable<RestorePointId> {

    private static final Pattern GUEST = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    public RestorePointId {
        checkGuest(guestId);
        time = time.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    /** Checks that {@code guestId} is a safe id (no path separators, no leading dot), or throws. */
    public static String checkGuest(String guestId) {
        if (guestId == null || !GUEST.matcher(guestId).matches()) {
            throw new IllegalArgumentException("guest id '" + guestId
                    + "' is not valid: use 1-128 letters, digits, '.', '_' or '-', not starting with '.' or '-'");
        }
        return guestId;
    }

    /** Parses {@code guest/yyyyMMddTHHmmssZ}. */
    public static RestorePointId parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("restore point id '" + text + "' is not <guest id>/<yyyyMMddTHHmmssZ>");
        }
        return new RestorePointId(text.substring(0, slash), parseStamp(text.substring(slash + 1), text));
    }

    static Instant parseStamp(String stamp, String context) {
        try {
            return Instant.from(STAMP.parse(stamp));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("restore point id '" + context + "': bad time '" + stamp
                    + "', expected yyyyMMddTHHmmssZ");
        }
    }

    /** The {@code yyyyMMddTHHmmssZ} part. */
    public String stamp() {
        return STAMP.format(time);
    }

    @Override
    public int compareTo(RestorePointId o) {
        int c = guestId.compareTo(o.guestId);
        return c != 0 ? c : time.compareTo(o.time);
    }

    @Override
    public String toString() {
        return guestId + "/" + stamp();
    }
}
