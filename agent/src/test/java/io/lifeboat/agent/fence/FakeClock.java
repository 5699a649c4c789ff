package io.lifeboat.agent.fence;

import java.time.Duration;

/** A hand-driven monotonic clock for tests. */
public final class FakeClock implements MonotonicClock {
  private long now;

  /** @param start the first reading, in nanoseconds (any value: only differences count) */
  public FakeClock(long start) {
    this.now = start;
  }

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  /** @param d how far to move the clock forward */
  public synchronized void advance(Duration d) {
    now += d.toNanos();
  }
}
