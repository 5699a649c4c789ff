package io.lifeboat.agent.link;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The highest coordinator epoch this agent has seen, persisted (fsync + atomic rename) before it is acted on, so
 * that a command carrying an older epoch is refused, also after a restart (invariant I3).
 *
 * <p>Methods block on file I/O when the epoch rises; call them from a worker, never from an event loop.
 */
public final class EpochStore {
  private final DurableCounter counter;
  private long highest;

  private EpochStore(DurableCounter counter, long highest) {
    this.counter = counter;
    this.highest = highest;
  }

  /**
   * Opens the store, reading the persisted epoch (0 when the file does not exist yet).
   *
   * @param file the epoch file, e.g. {@code <state dir>/epoch}
   * @return the store
   * @throws IOException when the file exists but cannot be read or is corrupt: the agent must not start then
   */
  public static EpochStore open(Path file) throws IOException {
    DurableCounter counter = new DurableCounter(file, "epoch");
    return new EpochStore(counter, counter.read());
  }

  /** @return the highest epoch seen */
  public synchronized long highest() {
    return highest;
  }

  /**
   * Checks an epoch against the highest one seen, persisting it first when it is newer.
   *
   * @param epoch the epoch a coordinator's message carries
   * @return whether it may be acted on: true when it is not older than the highest seen
   * @throws UncheckedIOException when a newer epoch cannot be persisted; it is then not accepted
   */
  public synchronized boolean admit(long epoch) {
    if (Long.compareUnsigned(epoch, highest) < 0) {
      return false;
    }
    if (epoch != highest) {
      try {
        counter.write(epoch);
      } catch (IOException e) {
        throw new UncheckedIOException(counter.file() + ": cannot persist epoch " + epoch + ": " + e.getMessage(), e);
      }
      highest = epoch;
    }
    return true;
  }
}
