package io.lifeboat.agent.fence;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

/**
 * Feeds the host's fence process: writes the fence deadline into a lease file as centiseconds of the host's
 * {@code /proc/uptime} (a clock both processes read, which wall-clock steps do not move), replaced atomically.
 * If the agent hangs, the deadline stops moving and the fence process ({@code lifeboat-fence.sh watch}) stops the
 * protected guests when it passes.
 */
public final class LeaseFileWriter implements FenceFeed {
  private final Path leaseFile;
  private final Path uptimeFile;

  /**
   * Creates the writer.
   *
   * @param leaseFile the lease file the fence process watches
   * @param uptimeFile normally {@code /proc/uptime}
   */
  public LeaseFileWriter(Path leaseFile, Path uptimeFile) {
    this.leaseFile = leaseFile;
    this.uptimeFile = uptimeFile;
  }

  @Override
  public void feed(Duration untilFence) throws IOException {
    write(untilFence);
  }

  /** @return the lease file */
  public Path leaseFile() {
    return leaseFile;
  }

  /**
   * Writes the deadline "now + untilFence" (blocking file I/O: call it from a worker).
   *
   * @param untilFence time left before the agent itself would fence
   * @return the deadline written, in uptime centiseconds
   * @throws IOException when the uptime cannot be read or the file cannot be written
   */
  public long write(Duration untilFence) throws IOException {
    long deadline = uptimeCentiseconds(uptimeFile) + untilFence.toMillis() / 10;
    Path tmp = leaseFile.resolveSibling("." + leaseFile.getFileName() + ".tmp");
    Files.writeString(tmp, deadline + "\n", StandardCharsets.US_ASCII);
    Files.move(tmp, leaseFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return deadline;
  }

  /**
   * Reads an uptime file ("12345.67 54321.00").
   *
   * @param uptimeFile the file
   * @return its first number in centiseconds
   * @throws IOException when it cannot be read or parsed
   */
  public static long uptimeCentiseconds(Path uptimeFile) throws IOException {
    String text = Files.readString(uptimeFile, StandardCharsets.US_ASCII).strip();
    String first = text.split("\\s+", 2)[0];
    int dot = first.indexOf('.');
    try {
      if (dot < 0) {
        return Long.parseLong(first) * 100;
      }
      String frac = (first.substring(dot + 1) + "00").substring(0, 2);
      return Long.parseLong(first.substring(0, dot)) * 100 + Long.parseLong(frac);
    } catch (NumberFormatException e) {
      throw new IOException(uptimeFile + ": \"" + first + "\" is not an uptime in seconds", e);
    }
  }
}
