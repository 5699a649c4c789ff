package io.lifeboat.coordinator.bench;

import java.util.Locale;

import io.vertx.core.json.JsonObject;

/**
 * What one {@code bench scale} run measured, with the targets of issue 6 §9: the coordinator's CPU share of one
 * core and its heap over the measurement window, and the time from a killed agent's last heartbeat to its LOST
 * declaration, against the lease TTL + 1 s.
 *
 * @param agents simulated agents (hosts)
 * @param guestsPerAgent guests each agent reports and the coordinator protects
 * @param measureSeconds length of the measurement window (wall clock)
 * @param cpuShareOfOneCore the coordinator process's utime + stime over the window ÷ the window
 * @param heapUsedPeakBytes the largest heap in use seen in the window (before a collection, or sampled)
 * @param heapAfterGcMaxBytes the largest heap in use after a collection in the window (0 when none ran)
 * @param gcCount collections in the window
 * @param suspicionsDuringWindow hosts the coordinator suspected while every agent was heartbeating (should be 0)
 * @param killedHostId the agent made silent
 * @param suspectedAfterSeconds from its last heartbeat to its SUSPECTED declaration
 * @param lostAfterSeconds from its last heartbeat to its LOST declaration
 * @param coordinatorSilenceSeconds the silence the coordinator itself counted when it declared the host LOST
 * @param agreeingVoters voters whose silence made the majority in the declaration
 * @param leaseTtlSeconds the configured timer LOST waits for (the lease TTL)
 */
public record ScaleReport(int agents, int guestsPerAgent, double measureSeconds, double cpuShareOfOneCore,
                          long heapUsedPeakBytes, long heapAfterGcMaxBytes, int gcCount, int suspicionsDuringWindow,
                          String killedHostId, double suspectedAfterSeconds, double lostAfterSeconds,
                          double coordinatorSilenceSeconds, int agreeingVoters, double leaseTtlSeconds) {

    /** Target: below this share of one core. */
    public static final double CPU_TARGET_SHARE = 0.25;
    /** Target: below this much heap in use. */
    public static final long HEAP_TARGET_BYTES = 512L << 20;
    /** Target: LOST within the timer plus this many seconds. */
    public static final double LOST_MARGIN_SECONDS = 1.0;

    /** Whether the CPU share is below {@link #CPU_TARGET_SHARE}. */
    public boolean cpuTargetMet() {
        return cpuShareOfOneCore < CPU_TARGET_SHARE;
    }

    /**
     * The heap the coordinator keeps: the largest heap in use after a collection in the window (live objects plus
     * old garbage not yet collected), or the peak sampled when no collection ran. The peak before a collection is
     * not it: it grows with whatever young generation the collector chose to leave uncollected.
     */
    public long heapRetainedBytes() {
        return gcCount > 0 ? heapAfterGcMaxBytes : heapUsedPeakBytes;
    }

    /** Whether the retained heap is below {@link #HEAP_TARGET_BYTES}. */
    public boolean heapTargetMet() {
        return heapRetainedBytes() < HEAP_TARGET_BYTES;
    }

    /** The deadline of the LOST declaration: the lease TTL + 1 s. */
    public double lostDeadlineSeconds() {
        return leaseTtlSeconds + LOST_MARGIN_SECONDS;
    }

    /** Whether LOST came within the lease TTL + 1 s. */
    public boolean lostTargetMet() {
        return lostAfterSeconds <= lostDeadlineSeconds();
    }

    /** Whether every target was met. */
    public boolean targetsMet() {
        return cpuTargetMet() && heapTargetMet() && lostTargetMet();
    }

    /** The report as one JSON document (lowerCamel keys, seconds, bytes). */
    public JsonObject toJson() {
        return new JsonObject().put("agents", agents).put("guestsPerAgent", guestsPerAgent)
                .put("guests", agents * guestsPerAgent).put("measureSeconds", round(measureSeconds))
                .put("cpuShareOfOneCore", round(cpuShareOfOneCore)).put("cpuTargetShareOfOneCore", CPU_TARGET_SHARE)
                .put("cpuTargetMet", cpuTargetMet())
                .put("heapRetainedBytes", heapRetainedBytes()).put("heapUsedPeakBytes", heapUsedPeakBytes)
                .put("heapAfterGcMaxBytes", heapAfterGcMaxBytes)
                .put("gcCount", gcCount).put("heapTargetBytes", HEAP_TARGET_BYTES).put("heapTargetMet", heapTargetMet())
                .put("suspicionsDuringWindow", suspicionsDuringWindow)
                .put("killedHostId", killedHostId).put("suspectedAfterSeconds", round(suspectedAfterSeconds))
                .put("lostAfterSeconds", round(lostAfterSeconds))
                .put("coordinatorSilenceSeconds", round(coordinatorSilenceSeconds))
                .put("agreeingVoters", agreeingVoters).put("leaseTtlSeconds", leaseTtlSeconds)
                .put("lostDeadlineSeconds", lostDeadlineSeconds())
                .put("lostMarginSeconds", round(lostDeadlineSeconds() - lostAfterSeconds))
                .put("lostTargetMet", lostTargetMet()).put("targetsMet", targetsMet());
    }

    /** The report as a small table for people. */
    public String toTable() {
        StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "bench scale: %d simulated agents x %d guests (%d guests), window %.0f s%n",
                agents, guestsPerAgent, agents * guestsPerAgent, measureSeconds));
        t.append(String.format(Locale.ROOT, "%-34s %-22s %-14s %s%n", "measure", "value", "target", "met"));
        t.append(String.format(Locale.ROOT, "%-34s %-22s %-14s %s%n", "coordinator CPU (share of 1 core)",
                String.format(Locale.ROOT, "%.1f %%", cpuShareOfOneCore * 100), "< 25 %", yes(cpuTargetMet())));
        t.append(String.format(Locale.ROOT, "%-34s %-22s %-14s %s%n", "coordinator heap retained",
                mib(heapRetainedBytes()) + (gcCount == 0 ? " (no GC)" : " (" + gcCount + " GCs)"), "< 512 MiB",
                yes(heapTargetMet())));
        t.append(String.format(Locale.ROOT, "%-34s %-22s %-14s %s%n", "coordinator heap, peak in use",
                mib(heapUsedPeakBytes), "", ""));
        t.append(String.format(Locale.ROOT, "%-34s %-22s %-14s %s%n", "hosts suspected during window",
                suspicionsDuringWindow, "0", ""));
        t.append(String.format(Locale.ROOT, "%-34s %-22s %-14s %s%n", killedHostId + " killed: SUSPECTED after",
                String.format(Locale.ROOT, "%.2f s", suspectedAfterSeconds), "", ""));
        t.append(String.format(Locale.ROOT, "%-34s %-22s %-14s %s%n", killedHostId + " killed: LOST after",
                String.format(Locale.ROOT, "%.2f s (%d voters)", lostAfterSeconds, agreeingVoters),
                String.format(Locale.ROOT, "<= %.1f s", lostDeadlineSeconds()), yes(lostTargetMet())));
        t.append(String.format(Locale.ROOT, "(timer: lease TTL %.1f s; margin %.2f s; the coordinator counted %.2f s "
                + "of silence)%n", leaseTtlSeconds, lostDeadlineSeconds() - lostAfterSeconds,
                coordinatorSilenceSeconds));
        t.append(targetsMet() ? "all targets met" : "TARGET MISSED").append('\n');
        return t.toString();
    }

    private static String yes(boolean met) {
        return met ? "yes" : "NO";
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
