package io.lifeboat.agent.fence;

/** A monotonic clock in nanoseconds, injected so that lease decisions can be tested with a fake one. */
@FunctionalInterface
public interface MonotonicClock {
  /** The JVM's monotonic clock ({@link System#nanoTime()}). */
  MonotonicClock SYSTEM = System::nanoTime;

  /** @return the current reading in nanoseconds; only differences between readings mean anything */
  long nanoTime();
}
