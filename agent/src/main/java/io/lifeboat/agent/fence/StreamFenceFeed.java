package io.lifeboat.agent.fence;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Feeds {@code lifeboat-fence.sh renew-stdin} through its standard input (an SSH exec channel for an agentless host):
 * one line per renewal with the whole seconds left, rounded down so the remote deadline never outlives ours.
 * When the stream breaks, renewals stop and the remote loop fences on its own.
 */
public final class StreamFenceFeed implements FenceFeed {
  private final OutputStream stdin;
  private final String where;

  /**
   * Creates the feed.
   *
   * @param stdin the remote loop's standard input
   * @param where the remote loop's host, for messages
   */
  public StreamFenceFeed(OutputStream stdin, String where) {
    this.stdin = stdin;
    this.where = where;
  }

  @Override
  public synchronized void feed(Duration untilFence) throws IOException {
    try {
      stdin.write((untilFence.toSeconds() + "\n").getBytes(StandardCharsets.US_ASCII));
      stdin.flush();
    } catch (IOException e) {
      throw new IOException("fence loop on " + where + " no longer takes renewals: " + e.getMessage(), e);
    }
  }
}
