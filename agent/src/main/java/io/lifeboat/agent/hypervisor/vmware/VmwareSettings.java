package io.lifeboat.agent.hypervisor.vmware;

import io.lifeboat.agent.hypervisor.vmware.remote.SshSettings;
import io.lifeboat.protocol.v1.FencingCapability;
import java.net.URL;
import java.util.Map;

/**
 * How to reach a VMware host.
 *
 * @param sdkUrl the VI API, {@code https://host:8333/sdk} (VMware Server 2) or {@code https://host/sdk} (ESXi)
 * @param user VI API user
 * @param password VI API password (never logged)
 * @param ignoreCertificates accept the host's self-signed certificate (VMware Server and ESXi ship one)
 * @param datastoreDirs datastore name to its directory on the host
 * @param ssh SSH to the host for datastore files; null when the agent runs on the host and reads them locally
 * @param fencing how this host's guests are fenced (SELF_FENCE with a local agent, FENCE_LOOP or NONE agentless)
 * @param workers size of the driver's worker pool
 */
public record VmwareSettings(URL sdkUrl, String user, String password, boolean ignoreCertificates,
    Map<String, String> datastoreDirs, SshSettings ssh, FencingCapability fencing, int workers) {

  /** Copies the map. */
  public VmwareSettings {
    datastoreDirs = Map.copyOf(datastoreDirs);
  }

  @Override
  public String toString() {
    return "VmwareSettings[" + sdkUrl + ", user=" + user + ", datastores=" + datastoreDirs.keySet() + "]";
  }
}
