package io.lifeboat.agent.hypervisor.vmware.remote;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How to reach a host over SSH: key authentication only, strict host-key checking against a known_hosts file,
 * connect and read timeouts, keepalive.
 *
 * @param user login user
 * @param host host name or address
 * @param port SSH port
 * @param identityFile private key file
 * @param knownHostsFile known_hosts file holding the host's key (an unknown or changed key is refused)
 * @param connectTimeout TCP connect and handshake timeout
 * @param readTimeout socket read timeout
 * @param keepAliveInterval interval of SSH keepalive messages; the session dies after 3 unanswered ones
 */
public record SshSettings(String user, String host, int port, Path identityFile, Path knownHostsFile,
    Duration connectTimeout, Duration readTimeout, Duration keepAliveInterval) {

  /** Checks the settings. */
  public SshSettings {
    if (user.isEmpty() || host.isEmpty() || port <= 0 || port > 65535) {
      throw new IllegalArgumentException("SSH target \"" + user + "@" + host + ":" + port + "\" is incomplete");
    }
  }

  /** @return "user@host:port" */
  public String target() {
    return user + "@" + host + ":" + port;
  }
}
