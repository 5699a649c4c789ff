package io.lifeboat.agent.fence;

import java.io.IOException;
import java.time.Duration;

/** Feeds a fence process the time left before it must stop the guests (a local lease file, or a remote loop). */
@FunctionalInterface
public interface FenceFeed {
  /**
   * Moves the fence process's deadline to now + {@code untilFence}. Blocking I/O: call from a worker.
   *
   * @param untilFence time left before the agent itself would fence
   * @throws IOException when the fence process cannot be reached; it will then fence on its own
   */
  void feed(Duration untilFence) throws IOException;
}
