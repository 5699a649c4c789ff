package io.lifeboat.coordinator.bench.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a process's own CPU time from {@code /proc/PID/stat} (utime + stime, fields 14 and 15, in clock ticks), so
 * that its CPU share is the process's, not the machine's.
 */
public final class ProcStat {

    private ProcStat() {
    }

    /** The user + system CPU time of process {@code pid}, in clock ticks. */
    public static long cpuTicks(long pid) throws IOException {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        try {
            return parseCpuTicks(Files.readString(stat, StandardCharsets.US_ASCII), stat.toString());
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(stat + ": no such process " + pid + " (it has exited)", e);
        }
    }

    /**
     * Parses utime + stime from the text of a {@code /proc/PID/stat} file; the command name in parentheses may hold
     * spaces and parentheses, so fields are counted from its last closing parenthesis.
     *
     * @param where names the file in errors
     * @throws IOException when the text is not a stat line
     */
    public static long parseCpuTicks(String text, String where) throws IOException {
        int close = text.lastIndexOf(')');
        if (close < 0) {
            throw new IOException(where + ": no ')' closing the command name in '" + abbreviate(text) + "'");
        }
        String[] fields = text.substring(close + 1).strip().split("\\s+");
        // fields[0] is field 3 (state); utime is field 14, stime field 15.
        if (fields.length < 13) {
            throw new IOException(where + ": " + (fields.length + 2) + " fields, utime and stime are fields 14 and 15");
        }
        try {
            long utime = Long.parseLong(fields[11]);
            long stime = Long.parseLong(fields[12]);
            if (utime < 0 || stime < 0) {
                throw new IOException(where + ": negative CPU time utime=" + utime + " stime=" + stime);
            }
            return utime + stime;
        } catch (NumberFormatException e) {
            throw new IOException(where + ": utime '" + fields[11] + "' or stime '" + fields[12]
                    + "' is not a number", e);
        }
    }

    /** Clock ticks per second ({@code getconf CLK_TCK}), 100 when it cannot be asked. */
    public static long clockTicksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            if (p.waitFor() == 0) {
                long ticks = Long.parseLong(out);
                if (ticks > 0) {
                    return ticks;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Linux has used 100 on every common architecture for decades.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }

    /** The share of one core used between two readings: ticks ÷ clock ticks per second ÷ wall seconds. */
    public static double shareOfOneCore(long ticksBefore, long ticksAfter, long ticksPerSecond, long wallNanos) {
        if (wallNanos <= 0) {
            throw new IllegalArgumentException("wall time must be positive, got " + wallNanos + " ns");
        }
        return (ticksAfter - ticksBefore) / (double) ticksPerSecond / (wallNanos / 1e9);
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s.strip();
    }
}
