package io.lifeboat.agent.hypervisor.vmware;

import com.jcraft.jsch.ChannelExec;
import io.lifeboat.agent.fence.FenceFeed;
import io.lifeboat.agent.fence.FenceScript;
import io.lifeboat.agent.fence.StreamFenceFeed;
import io.lifeboat.agent.hypervisor.vmware.remote.SftpRemoteFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The fence loop of an agentless VMware Server host: installed over SSH as {@code lifeboat-fence.sh} (no JVM
 * there), it runs {@code vmrun stop <vmx> hard} for the protected guests when its lease file goes stale; the proxy
 * agent renews it through a {@code renew-stdin} exec channel. A host where this cannot be installed is reported
 * unfenceable (FENCING_CAPABILITY_NONE) and its failover waits for an admin.
 */
public final class AgentlessFenceLoop implements AutoCloseable {
  private final ChannelExec renewChannel;
  private final FenceFeed feed;

  private AgentlessFenceLoop(ChannelExec renewChannel, FenceFeed feed) {
    this.renewChannel = renewChannel;
    this.feed = feed;
  }

  /**
   * Installs (or updates) the loop, starts it unless it already runs, and opens the renewal channel. Blocking.
   *
   * @param ssh the SSH connection to the host
   * @param dir absolute directory on the host for the script, lease and guest list, e.g. /var/lib/lifeboat
   * @param vmxPaths host paths of the protected guests' .vmx files
   * @param vmrunArgs arguments vmrun needs before "stop" (e.g. "-T server -h https://127.0.0.1:8333/sdk -u root
   *     -p secret"), or empty
   * @return the running loop, whose {@link #feed()} the agent link renews
   * @throws IOException when it cannot be installed or started: the host is then unfenceable
   */
  public static AgentlessFenceLoop install(SftpRemoteFiles ssh, String dir, List<String> vmxPaths, String vmrunArgs)
      throws IOException {
    SftpRemoteFiles.ExecResult mkdir = ssh.exec("mkdir -p " + SftpRemoteFiles.shellQuote(dir));
    if (mkdir.status() != 0) {
      throw new IOException(ssh.where() + ": cannot create " + dir + ": " + mkdir.stderr().strip());
    }
    ssh.put(dir + "/" + FenceScript.FILE_NAME, FenceScript.text().getBytes(StandardCharsets.UTF_8), 0750);
    StringBuilder guests = new StringBuilder("# protected guests of this host, stopped by lifeboat-fence.sh\n");
    for (String vmx : vmxPaths) {
      if (vmx.isEmpty() || vmx.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
        throw new IllegalArgumentException("guest .vmx path \"" + vmx.replaceAll("\\p{Cntrl}", "?")
            + "\" cannot be listed for the fence loop");
      }
      guests.append(vmx).append('\n');
    }
    ssh.put(dir + "/fence-guests", guests.toString().getBytes(StandardCharsets.UTF_8), 0640);
    SftpRemoteFiles.ExecResult started = ssh.exec(startCommand(dir, vmrunArgs));
    if (started.status() != 0) {
      throw new IOException(ssh.where() + ": cannot start the fence loop: " + started.stderr().strip());
    }
    ChannelExec channel = ssh.start(renewCommand(dir));
    return new AgentlessFenceLoop(channel, new StreamFenceFeed(channel.getOutputStream(), ssh.where()));
  }

  /**
   * The shell command that starts the watch loop once (a pid file keeps a second one from starting).
   *
   * @param dir the loop's directory
   * @param vmrunArgs vmrun's connection arguments
   * @return the command line, every argument quoted
   */
  static String startCommand(String dir, String vmrunArgs) {
    String d = SftpRemoteFiles.shellQuote(dir);
    return "cd " + d + " && if [ -f fence.pid ] && kill -0 \"$(cat fence.pid)\" 2>/dev/null; then :; else "
        + "LIFEBOAT_VMRUN_ARGS=" + SftpRemoteFiles.shellQuote(vmrunArgs) + " nohup /bin/sh " + FenceScript.FILE_NAME
        + " watch lease fence-guests vmrun 0.5 >> fence.log 2>&1 < /dev/null & echo $! > fence.pid; fi";
  }

  /**
   * The shell command of the renewal channel.
   *
   * @param dir the loop's directory
   * @return the command line
   */
  static String renewCommand(String dir) {
    return "/bin/sh " + SftpRemoteFiles.shellQuote(dir + "/" + FenceScript.FILE_NAME) + " renew-stdin "
        + SftpRemoteFiles.shellQuote(dir + "/lease");
  }

  /** @return the feed to give the agent link */
  public FenceFeed feed() {
    return feed;
  }

  /** @return whether renewals still reach the host */
  public boolean isConnected() {
    return renewChannel.isConnected() && !renewChannel.isClosed();
  }

  /** Stops renewing: the loop on the host fences at its deadline unless another proxy renews it. */
  @Override
  public void close() {
    renewChannel.disconnect();
  }
}
