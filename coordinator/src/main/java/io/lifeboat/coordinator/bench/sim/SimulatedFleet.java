package io.lifeboat.coordinator.bench.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

import com.google.protobuf.Duration;

import io.lifeboat.coordinator.bench.internal.ScaleNames;
import io.lifeboat.protocol.v1.PeerObservation;

/**
 * What the simulated agents know of each other, shared across their event loops: when each last sent its heartbeat
 * (which its peers, like real agents hearing its lease renewals, count as hearing from it) and which were killed.
 */
public final class SimulatedFleet {

    private final int agents;
    private final long startNanos;
    private final AtomicLongArray lastBeatNanos;
    private final AtomicIntegerArray killed;
    private final AtomicIntegerArray linked;

    /** Creates the fleet of {@code agents} agents at monotonic time {@code startNanos}. */
    public SimulatedFleet(int agents, long startNanos) {
        this.agents = agents;
        this.startNanos = startNanos;
        this.lastBeatNanos = new AtomicLongArray(agents);
        this.killed = new AtomicIntegerArray(agents);
        this.linked = new AtomicIntegerArray(agents);
        for (int i = 0; i < agents; i++) {
            lastBeatNanos.set(i, startNanos);
        }
    }

    /** How many agents the fleet has. */
    public int size() {
        return agents;
    }

    /** Notes that agent {@code index} sent its heartbeat at {@code nowNanos}. */
    public void beat(int index, long nowNanos) {
        lastBeatNanos.set(index, nowNanos);
    }

    /** When agent {@code index} last sent a heartbeat (monotonic nanoseconds). */
    public long lastBeatNanos(int index) {
        return lastBeatNanos.get(index);
    }

    /** Silences agent {@code index} for good; returns false when it was already silent. */
    public boolean kill(int index) {
        return killed.compareAndSet(index, 0, 1);
    }

    /** Whether agent {@code index} was killed. */
    public boolean isKilled(int index) {
        return killed.get(index) != 0;
    }

    /** Notes that agent {@code index} got its HelloAck. */
    public void linked(int index) {
        linked.set(index, 1);
    }

    /** How many agents have a link the coordinator accepted. */
    public int linkedCount() {
        int n = 0;
        for (int i = 0; i < agents; i++) {
            n += linked.get(i);
        }
        return n;
    }

    /** The fleet's start (monotonic nanoseconds). */
    public long startNanos() {
        return startNanos;
    }

    /**
     * What every agent reports in a heartbeat at {@code nowNanos}, as a real agent does: the agents not heard from
     * (no heartbeat) for longer than {@code quietNanos} (two intervals), with the time since. An agent skips its own
     * entry.
     */
    public List<PeerObservation> silentPeers(long nowNanos, long quietNanos) {
        List<PeerObservation> out = new ArrayList<>();
        for (int i = 0; i < agents; i++) {
            long since = Math.max(0, nowNanos - lastBeatNanos.get(i));
            if (since > quietNanos) {
                out.add(PeerObservation.newBuilder().setVoterId(ScaleNames.hostId(i)).setSinceLastHeard(Duration
                        .newBuilder().setSeconds(since / 1_000_000_000L).setNanos((int) (since % 1_000_000_000L)))
                        .build());
            }
        }
        return out;
    }
}
