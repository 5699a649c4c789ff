package io.lifeboat.coordinator.bench.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The heap figures in unified GC log lines ({@code -Xlog:gc}), such as {@code GC(7) Pause Young (Normal) (G1
 * Evacuation Pause) 123M->45M(256M) 3.210ms}: the largest heap in use before a collection (the peak) and after one
 * (the live set plus what survived).
 */
public final class GcLogHeap {

    private static final Pattern SIZES = Pattern.compile("\\bGC\\(\\d+\\) .*?(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

    private long peakBeforeBytes;
    private long maxAfterBytes;
    private int collections;

    /** Reads every line of {@code text}; lines without heap sizes are skipped. */
    public GcLogHeap read(String text) {
        for (String line : text.split("\n")) {
            Matcher m = SIZES.matcher(line);
            if (m.find()) {
                collections++;
                peakBeforeBytes = Math.max(peakBeforeBytes, bytes(m.group(1), m.group(2)));
                maxAfterBytes = Math.max(maxAfterBytes, bytes(m.group(3), m.group(4)));
            }
        }
        return this;
    }

    /** The largest heap in use before any collection read, in bytes (0 when none was read). */
    public long peakBeforeBytes() {
        return peakBeforeBytes;
    }

    /** The largest heap in use after any collection read, in bytes (0 when none was read). */
    public long maxAfterBytes() {
        return maxAfterBytes;
    }

    /** How many collections were read. */
    public int collections() {
        return collections;
    }

    private static long bytes(String number, String unit) {
        long n = Long.parseLong(number);
        return switch (unit) {
            case "K" -> n << 10;
            case "M" -> n << 20;
            default -> n << 30;
        };
    }
}
