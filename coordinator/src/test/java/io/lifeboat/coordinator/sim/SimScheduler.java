package io.lifeboat.coordinator.sim;

import java.util.PriorityQueue;

/** One fake clock and one event queue for the whole simulated site: everything runs on it, in a seeded order. */
final class SimScheduler {

    private record Event(long atNanos, long seq, Runnable action) {
    }

    private final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) -> a.atNanos != b.atNanos
            ? Long.compare(a.atNanos, b.atNanos) : Long.compare(a.seq, b.seq));
    private long nowNanos;
    private long seq;

    long nowNanos() {
        return nowNanos;
    }

    void schedule(long delayNanos, Runnable action) {
        queue.add(new Event(nowNanos + Math.max(0, delayNanos), seq++, action));
    }

    /** Runs events in time order until {@code endNanos}, calling {@code afterEach} after every one. */
    void runUntil(long endNanos, Runnable afterEach) {
        while (!queue.isEmpty() && queue.peek().atNanos <= endNanos) {
            Event e = queue.poll();
            nowNanos = e.atNanos;
            e.action.run();
            afterEach.run();
        }
        nowNanos = endNanos;
    }
}
