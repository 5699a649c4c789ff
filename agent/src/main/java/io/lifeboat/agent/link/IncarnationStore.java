package io.lifeboat.agent.link;

import java.io.IOException;
import java.nio.file.Path;

/** The agent's incarnation number: persisted and bumped once per start, so peers can tell a restarted agent apart. */
public final class IncarnationStore {
  private IncarnationStore() {}

  /**
   * Reads the last incarnation, bumps it, persists the new one (fsync + atomic rename) and returns it.
   *
   * @param file the incarnation file, e.g. {@code <state dir>/incarnation}
   * @return this start's incarnation, at least 1
   * @throws IOException when the file cannot be read or written, or is corrupt
   */
  public static long bump(Path file) throws IOException {
    DurableCounter counter = new DurableCounter(file, "incarnation");
    long next = counter.read() + 1;
    counter.write(next);
    return next;
  }
}
