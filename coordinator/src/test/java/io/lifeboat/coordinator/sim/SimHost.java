package io.lifeboat.coordinator.sim;

import java.util.Set;
import java.util.TreeSet;

/** A hypervisor host: whether it is powered, and which guests it runs. */
final class SimHost {

    final String hostId;
    private final SimScheduler scheduler;
    private boolean alive = true;
    private long bootedAtNanos;
    private final Set<String> running = new TreeSet<>();
    private final Set<String> registered = new TreeSet<>();

    SimHost(String hostId, SimScheduler scheduler) {
        this.hostId = hostId;
        this.scheduler = scheduler;
    }

    boolean alive() {
        return alive;
    }

    long bootedAtNanos() {
        return bootedAtNanos;
    }

    /** The running guests, sorted. */
    java.util.List<String> running() {
        return java.util.List.copyOf(running);
    }

    void powerOn() {
        alive = true;
        bootedAtNanos = scheduler.nowNanos();
    }

    void powerOff() {
        alive = false;
        running.clear();
        // Transient definitions vanish with the host; Lifeboat disabled autostart for the persistent ones.
    }

    void stopAll() {
        running.clear();
    }

    void register(String guestId) {
        registered.add(guestId);
    }

    void start(String guestId) {
        if (alive) {
            running.add(guestId);
        }
    }
}
