package io.lifeboat.coordinator.health;

import java.time.Duration;

/**
 * The failure-detection timers of DESIGN.md, in nanoseconds of monotonic time.
 *
 * @param heartbeatIntervalNanos how often agents send heartbeats and lease renewals
 * @param suspectAfterNanos silence after which a host is SUSPECTED
 * @param fenceDeadlineNanos how long an agent keeps running guests after the last renewal a majority granted,
 *                           counted from when it sent that renewal
 * @param leaseTtlNanos lease TTL on the coordinator side, counted from when it received the renewal
 * @param recoveryStartNanos silence after which recovery of a LOST host's guests may start
 * @param peerReportFreshNanos how recent a peer agent's report must be for its view of a host to count as a vote
 * @param massFailureWindowNanos window in which losing more than half of the hosts pauses automatic failover
 */
public record LeaseTimers(long heartbeatIntervalNanos, long suspectAfterNanos, long fenceDeadlineNanos,
                          long leaseTtlNanos, long recoveryStartNanos, long peerReportFreshNanos,
                          long massFailureWindowNanos) {

    /** The defaults of DESIGN.md: 1 s heartbeat, suspect at 3 s, fence at 6 s, TTL 8 s, recovery at 10 s. */
    public static LeaseTimers defaults() {
        return new LeaseTimers(seconds(1), seconds(3), seconds(6), seconds(8), seconds(10), seconds(3), seconds(60));
    }

    private static long seconds(long s) {
        return Duration.ofSeconds(s).toNanos();
    }

    /**
     * Checks the order the design depends on: heartbeat &lt; suspicion &lt; TTL, fence deadline &lt; TTL &lt;
     * recovery start, and positive values everywhere.
     *
     * @return this, for chaining
     * @throws IllegalArgumentException naming the first timer out of order
     */
    public LeaseTimers validate() {
        requirePositive("heartbeat interval", heartbeatIntervalNanos);
        requirePositive("suspect-after", suspectAfterNanos);
        requirePositive("fence deadline", fenceDeadlineNanos);
        requirePositive("lease TTL", leaseTtlNanos);
        requirePositive("recovery start", recoveryStartNanos);
        requirePositive("peer report freshness", peerReportFreshNanos);
        requirePositive("mass-failure window", massFailureWindowNanos);
        requireBefore("heartbeat interval", heartbeatIntervalNanos, "suspect-after", suspectAfterNanos);
        requireBefore("suspect-after", suspectAfterNanos, "lease TTL", leaseTtlNanos);
        requireBefore("agent fence deadline", fenceDeadlineNanos, "lease TTL", leaseTtlNanos);
        requireBefore("lease TTL", leaseTtlNanos, "recovery start", recoveryStartNanos);
        requireBefore("heartbeat interval", heartbeatIntervalNanos, "peer report freshness", peerReportFreshNanos + 1);
        // A peer's vote is a report up to peerReportFresh old: its silence window must still cover a whole
        // fence deadline before recovery starts, or a host that still hears that peer could be running.
        if (recoveryStartNanos - peerReportFreshNanos <= fenceDeadlineNanos) {
            throw new IllegalArgumentException("timers: recovery start " + show(recoveryStartNanos)
                    + " minus peer report freshness " + show(peerReportFreshNanos) + " must exceed the agent fence "
                    + "deadline " + show(fenceDeadlineNanos));
        }
        return this;
    }

    private static void requirePositive(String name, long nanos) {
        if (nanos <= 0) {
            throw new IllegalArgumentException("timers: " + name + " must be positive, got " + show(nanos));
        }
    }

    private static void requireBefore(String first, long firstNanos, String second, long secondNanos) {
        if (firstNanos >= secondNanos) {
            throw new IllegalArgumentException("timers: " + first + " " + show(firstNanos) + " must be shorter than "
                    + second + " " + show(secondNanos)
                    + " (DESIGN.md: heartbeat < suspect, fence deadline < lease TTL < recovery start)");
        }
    }

    static String show(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.3f s", nanos / 1e9);
    }
}
