package io.lifeboat.agent.link;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Settings of the agent's links.
 *
 * @param hostId this host's id
 * @param coordinators coordinator voters
 * @param peers peer agent voters
 * @param listenHost address of the peer listener
 * @param listenPort port of the peer listener (0 picks one; -1 runs none)
 * @param heartbeatInterval heartbeat and renewal interval (default 1 s)
 * @param fenceDeadline agent fence deadline (default 6 s)
 * @param peerLeaseTtl TTL this agent grants to peers (default 8 s)
 * @param backoffMin first reconnect delay
 * @param backoffMax largest reconnect delay
 * @param credentials shared secret for Hellos
 * @param tls TLS settings, or null for plain TCP
 * @param stateDir where the epoch, incarnation and fence report live
 */
public record LinkSettings(String hostId, List<VoterAddress> coordinators, List<VoterAddress> peers,
    String listenHost, int listenPort, Duration heartbeatInterval, Duration fenceDeadline, Duration peerLeaseTtl,
    Duration backoffMin, Duration backoffMax, LinkCredentials credentials, TlsSettings tls, Path stateDir) {

  /** Checks the timer order of DESIGN.md: heartbeat interval < fence deadline < lease TTL. */
  public LinkSettings {
    coordinators = List.copyOf(coordinators);
    peers = List.copyOf(peers);
    if (heartbeatInterval.compareTo(fenceDeadline) >= 0 || fenceDeadline.compareTo(peerLeaseTtl) >= 0) {
      throw new IllegalArgumentException("timers out of order: need heartbeat interval (" + heartbeatInterval
          + ") < fence deadline (" + fenceDeadline + ") < lease TTL (" + peerLeaseTtl + ")");
    }
    if (coordinators.isEmpty()) {
      throw new IllegalArgumentException("agent " + hostId + " has no coordinator to talk to");
    }
  }

  /**
   * TLS with a client certificate, all PEM files.
   *
   * @param certPath this agent's certificate chain
   * @param keyPath its private key
   * @param trustPath CA certificates trusted for coordinators and peers
   */
  public record TlsSettings(Path certPath, Path keyPath, Path trustPath) {}
}
