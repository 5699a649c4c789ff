package io.lifeboat.coordinator.health;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Remembers when this coordinator last received anything from each host, and what each agent last reported about
 * hearing from the other voters; answers which voters have not heard from a host for longer than a threshold.
 *
 * <p>Times are the coordinator's monotonic nanoseconds at <em>receipt</em>, so that the coordinator's count of a
 * lease always ends after the agent's (the agent counts from sending). A host never heard from since this tracker
 * started counts as heard at the start: a restarted coordinator waits a whole TTL before it declares anything.
 */
public final class HeartbeatTracker {

    private record PeerReport(long receivedNanos, long sinceLastHeardNanos) {
    }

    private final String selfVoterId;
    private final long startNanos;
    private final long peerReportFreshNanos;
    private final long keepSilenceAboveNanos;
    /** host id -> when it was last heard from, updated in place: no boxing per heartbeat. */
    private final Map<String, long[]> lastHeardNanos = new HashMap<>();
    /** observer host id -> observed voter id -> the observer's latest report. */
    private final Map<String, Map<String, PeerReport>> reports = new HashMap<>();

    /**
     * Creates a tracker for the coordinator voter {@code selfVoterId}, started at {@code startNanos}.
     *
     * @param peerReportFreshNanos reports older than this are not counted as votes
     */
    public HeartbeatTracker(String selfVoterId, long startNanos, long peerReportFreshNanos) {
        this(selfVoterId, startNanos, peerReportFreshNanos, 0);
    }

    /**
     * Creates a tracker that keeps only peer reports of a silence longer than {@code keepSilenceAboveNanos}: a report
     * of a shorter silence replaces (removes) the observer's earlier report instead of being stored, so that a site
     * where every agent hears every other costs no memory and no allocation per report.
     * {@link #votersSilentOn} answers exactly as if every report were kept, for thresholds of at least
     * {@code keepSilenceAboveNanos}.
     *
     * @param peerReportFreshNanos reports older than this are not counted as votes
     * @param keepSilenceAboveNanos the shortest threshold {@link #votersSilentOn} will be asked about
     */
    public HeartbeatTracker(String selfVoterId, long startNanos, long peerReportFreshNanos,
                            long keepSilenceAboveNanos) {
        this.selfVoterId = Objects.requireNonNull(selfVoterId, "selfVoterId");
        this.startNanos = startNanos;
        this.peerReportFreshNanos = peerReportFreshNanos;
        this.keepSilenceAboveNanos = keepSilenceAboveNanos;
    }

    /** The coordinator's own voter id. */
    public String selfVoterId() {
        return selfVoterId;
    }

    /**
     * Records a heartbeat from {@code hostId} received at {@code receivedNanos}, with the time since the sender last
     * heard from each voter it lists, by the sender's own clock (a voter it leaves out was heard lately).
     */
    public void onHeartbeat(String hostId, long receivedNanos, Map<String, Long> sinceLastHeardNanosByVoter) {
        heard(hostId, receivedNanos);
        sinceLastHeardNanosByVoter.forEach((voter, since) -> onPeerReport(hostId, voter, receivedNanos, since));
        withdrawReportsBefore(hostId, receivedNanos);
    }

    /** Records that something from {@code hostId} was received at {@code receivedNanos}. */
    public void heard(String hostId, long receivedNanos) {
        long[] last = lastHeardNanos.get(hostId);
        if (last == null) {
            lastHeardNanos.put(hostId, new long[] {receivedNanos});
        } else if (last[0] < receivedNanos) {
            last[0] = receivedNanos;
        }
    }

    /**
     * Records one observation in a heartbeat of {@code observerHostId} received at {@code receivedNanos}: it has not
     * heard from {@code voterId} for {@code sinceLastHeardNanos}, by its own clock. Call {@link #heard} for the
     * heartbeat itself.
     */
    public void onPeerReport(String observerHostId, String voterId, long receivedNanos, long sinceLastHeardNanos) {
        if (sinceLastHeardNanos <= keepSilenceAboveNanos) {
            // Too short to count as a vote at any threshold asked about: it only cancels an earlier report.
            Map<String, PeerReport> byObserved = reports.get(observerHostId);
            if (byObserved != null) {
                PeerReport previous = byObserved.get(voterId);
                if (previous != null && previous.receivedNanos() <= receivedNanos) {
                    byObserved.remove(voterId);
                }
            }
            return;
        }
        Map<String, PeerReport> byObserved = reports.computeIfAbsent(observerHostId, h -> new HashMap<>());
        PeerReport previous = byObserved.get(voterId);
        if (previous == null || previous.receivedNanos() <= receivedNanos) {
            byObserved.put(voterId, new PeerReport(receivedNanos, Math.max(0, sinceLastHeardNanos)));
        }
    }

    /**
     * Withdraws the reports of {@code observerHostId} received before {@code receivedNanos}: its heartbeat received
     * then lists only the voters it has not heard from lately ({@link #onPeerReport} refreshed those), so a voter it
     * no longer lists was heard again and its earlier silence no longer counts as a vote.
     */
    public void withdrawReportsBefore(String observerHostId, long receivedNanos) {
        Map<String, PeerReport> byObserved = reports.get(observerHostId);
        if (byObserved != null && !byObserved.isEmpty()) {
            byObserved.values().removeIf(report -> report.receivedNanos() < receivedNanos);
        }
    }

    /** Whether anything arrived from {@code hostId} since this tracker started. */
    public boolean heardFrom(String hostId) {
        return lastHeardNanos.containsKey(hostId);
    }

    /** How long the coordinator itself has not heard from {@code hostId}. */
    public long silenceNanos(String hostId, long nowNanos) {
        long[] last = lastHeardNanos.get(hostId);
        return nowNanos - (last == null ? startNanos : last[0]);
    }

    /**
     * The voters other than {@code hostId}, among {@code voters}, that have provably not heard from it for longer
     * than {@code thresholdNanos}: this coordinator by its own count, a peer agent by a report received within the
     * freshness window that says so.
     */
    public List<String> votersSilentOn(String hostId, List<String> voters, long nowNanos, long thresholdNanos) {
        List<String> agreeing = new ArrayList<>();
        for (String voter : voters) {
            if (voter.equals(hostId)) {
                continue;
            }
            if (voter.equals(selfVoterId)) {
                if (silenceNanos(hostId, nowNanos) > thresholdNanos) {
                    agreeing.add(voter);
                }
                continue;
            }
            PeerReport report = reports.getOrDefault(voter, Map.of()).get(hostId);
            if (report != null && nowNanos - report.receivedNanos() <= peerReportFreshNanos
                    && report.sinceLastHeardNanos() > thresholdNanos) {
                agreeing.add(voter);
            }
        }
        return agreeing;
    }
}
