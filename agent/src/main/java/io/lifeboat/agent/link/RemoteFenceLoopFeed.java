package io.lifeboat.agent.link;

import io.lifeboat.agent.fence.FenceFeed;
import io.lifeboat.agent.hypervisor.vmware.AgentlessFenceLoop;
import io.lifeboat.agent.hypervisor.vmware.remote.SftpRemoteFiles;
import io.lifeboat.agent.hypervisor.vmware.remote.SshSettings;
import io.lifeboat.protocol.v1.FencingCapability;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@link AgentlessFenceLoop} of an agentless VMware host installed and running (reinstalled when its
 * renewal channel breaks or the protected guests change) and feeds it on every lease renewal. While no loop runs,
 * feeding does nothing and the host is reported unfenceable.
 */
public final class RemoteFenceLoopFeed implements FenceFeed, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RemoteFenceLoopFeed.class);

  private final SshSettings ssh;
  private final String dir;
  private SftpRemoteFiles session;
  private AgentlessFenceLoop loop;
  private List<String> installedFor = List.of();

  /**
   * Creates the feed; nothing is installed until {@link #ensure}.
   *
   * @param ssh how to reach the host
   * @param dir absolute directory on the host for the loop's script, lease and guest list
   */
  public RemoteFenceLoopFeed(SshSettings ssh, String dir) {
    this.ssh = ssh;
    this.dir = dir;
  }

  /**
   * Installs and starts the loop unless it runs for these guests already. Blocking: call from a worker.
   *
   * @param vmxPaths the protected guests' .vmx paths on the host
   * @param vmrunArgs vmrun's connection arguments on the host
   * @throws IOException when the host cannot be reached or the loop not started; it stays unfenceable
   */
  public synchronized void ensure(List<String> vmxPaths, String vmrunArgs) throws IOException {
    if (loop != null && loop.isConnected() && installedFor.equals(vmxPaths)) {
      return;
    }
    drop();
    SftpRemoteFiles s = SftpRemoteFiles.connect(ssh);
    try {
      loop = AgentlessFenceLoop.install(s, dir, vmxPaths, vmrunArgs);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    session = s;
    installedFor = List.copyOf(vmxPaths);
    LOG.info("fence loop on {} runs in {} for {} guests", ssh.target(), dir, vmxPaths.size());
  }

  /** @return whether a loop runs and its renewals reach the host */
  public synchronized boolean running() {
    return loop != null && loop.isConnected();
  }

  /** @return FENCE_LOOP while a loop runs, NONE otherwise */
  public FencingCapability capability() {
    return running() ? FencingCapability.FENCING_CAPABILITY_FENCE_LOOP : FencingCapability.FENCING_CAPABILITY_NONE;
  }

  @Override
  public synchronized void feed(Duration untilFence) throws IOException {
    if (loop == null) {
      return;
    }
    try {
      loop.feed().feed(untilFence);
    } catch (IOException e) {
      drop();
      throw e;
    }
  }

  @Override
  public synchronized void close() {
    drop();
  }

  private void drop() {
    if (loop != null) {
      loop.close();
      loop = null;
    }
    if (session != null) {
      session.close();
      session = null;
    }
    installedFor = List.of();
  }
}
