package io.lifeboat.coordinator;

/** A source of monotonic time in nanoseconds, injected into every decision so tests can drive time by hand. */
@FunctionalInterface
public interface MonotonicClock {

    /** The system's monotonic clock ({@link System#nanoTime()}). */
    MonotonicClock SYSTEM = System::nanoTime;

    /** Returns the current monotonic time in nanoseconds; only differences between two readings mean anything. */
    long nanoTime();
}
