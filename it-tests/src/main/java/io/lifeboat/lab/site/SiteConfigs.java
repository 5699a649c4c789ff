package io.lifeboat.lab.site;

import io.lifeboat.coordinator.api.auth.PasswordHasher;
import java.util.List;
import java.util.Locale;

/** Writes the YAML of a lab site's coordinator and agents (the contract of issue 6: store, probe and rpo keys). */
final class SiteConfigs {
  /** The coordinator's node id. */
  static final String COORDINATOR_ID = "c1";
  /** Where each agent's configuration lives in its host. */
  static final String AGENT_CONFIG = "/etc/lifeboat/agent.yaml";
  /** The site secret file in each host. */
  static final String SECRET_FILE = "/etc/lifeboat/site.secret";
  /** The peer (lease) listener port of every agent. */
  static final int PEER_PORT = 7401;
  /** The standby store's replication receiver port. */
  static final int STORE_PORT = 7402;
  /** The store directory in a host. */
  static final String STORE_DIR = "/var/lib/lifeboat/store";
  /** Where the standby materialises failed-over guests' disks (inside the agent's default guest directories). */
  static final String RECOVERED_DIR = "/var/lib/lifeboat/guests/recovered";
  /** The recovery plan's name. */
  static final String PLAN = "lab";

  /** The driver block of an agent on a libvirt host (and its own fence process). */
  static final String LIBVIRT_DRIVER = "driver:\n  kind: libvirt\n  uri: \"qemu:///system\"\n"
      + "fenceProcess: libvirt\n";

  /**
   * One host of the site as the configuration names it.
   *
   * @param hypervisorPort the port of its hypervisor API that the coordinator probes (libvirt's, or the VI API's)
   */
  record Host(String id, String address, int hypervisorPort) {
    /** A libvirt host. */
    Host(String id, String address) {
      this(id, address, 16509);
    }
  }

  /**
   * The driver block of an agent driving a VMware host over the VI API at {@code uri}, with no fence process (an
   * agentless host cannot fence itself, so the coordinator arms no automatic failover for it).
   */
  static String vmwareDriver(String uri, String user, String passwordFile, String datastore, String datastoreDir) {
    return "driver:\n  kind: vmware\n  uri: \"" + uri + "\"\n  user: " + user + "\n  passwordFile: " + passwordFile
        + "\n  datastores: {" + datastore + ": \"" + datastoreDir + "\"}\nfenceProcess: none\n";
  }

  private SiteConfigs() {}

  /** The agent YAML of {@code self} on a libvirt host; the standby also runs the store. */
  static String agent(Host self, Host peer, String coordinatorAddress, int coordinatorPort,
      List<SiteGuest> protectedGuests, boolean store) {
    return agent(self, peer, coordinatorAddress, coordinatorPort, protectedGuests, store, LIBVIRT_DRIVER);
  }

  /** The agent YAML of {@code self} with {@code driver} (its driver and fenceProcess keys). */
  static String agent(Host self, Host peer, String coordinatorAddress, int coordinatorPort,
      List<SiteGuest> protectedGuests, boolean store, String driver) {
    StringBuilder y = new StringBuilder();
    y.append("hostId: ").append(self.id()).append('\n')
        .append("stateDir: /var/lib/lifeboat/agent\n")
        .append("coordinators: [\"").append(COORDINATOR_ID).append('@').append(coordinatorAddress).append(':')
        .append(coordinatorPort).append("\"]\n")
        .append("peers: [\"").append(peer.id()).append('@').append(peer.address()).append(':').append(PEER_PORT)
        .append("\"]\n")
        .append("listen: \"0.0.0.0:").append(PEER_PORT).append("\"\n")
        .append("secretFile: ").append(SECRET_FILE).append('\n')
        .append(driver);
    if (!protectedGuests.isEmpty()) {
      y.append("protectedGuests:\n");
      for (SiteGuest g : protectedGuests) {
        y.append("  \"").append(g.id()).append("\": \"").append(g.name()).append("\"\n");
      }
    }
    if (store) {
      y.append("store:\n  dir: ").append(STORE_DIR).append("\n  listen: \"0.0.0.0:").append(STORE_PORT)
          .append("\"\n  id: main\n");
    }
    return y.toString();
  }

  /** The agent YAML's replication section: each push to the standby's store capped at {@code limitRate}. */
  static String replication(String limitRate) {
    return "replication:\n  limitRate: \"" + limitRate + "\"\n";
  }

  /** The REST user of the admin of a site. */
  static final String ADMIN_USER = "lab-admin";
  /** The REST user who may only look. */
  static final String VIEWER_USER = "lab-viewer";

  /**
   * The coordinator YAML's users: {@value #ADMIN_USER} (role admin) and, when {@code viewerPassword} is not null,
   * {@value #VIEWER_USER} (role viewer), each with a PBKDF2 hash of their password.
   */
  static String users(String adminPassword, String viewerPassword) {
    StringBuilder y = new StringBuilder("users:\n");
    y.append("  - {name: ").append(ADMIN_USER).append(", role: admin, passwordHash: \"")
        .append(PasswordHasher.hash(adminPassword.toCharArray())).append("\"}\n");
    if (viewerPassword != null) {
      y.append("  - {name: ").append(VIEWER_USER).append(", role: viewer, passwordHash: \"")
          .append(PasswordHasher.hash(viewerPassword.toCharArray())).append("\"}\n");
    }
    return y.toString();
  }

  /** {@code coordinatorYaml} with its agent listener on {@code port} (instead of the ephemeral port it first had). */
  static String withAgentPort(String coordinatorYaml, int port) {
    java.util.regex.Matcher listen = java.util.regex.Pattern.compile("\nlisten:\n  host: [^\n]*\n  port: \\d+\n")
        .matcher(coordinatorYaml);
    if (!listen.find()) {
      throw new IllegalArgumentException("lab site: coordinator configuration has no listen host and port");
    }
    String block = listen.group();
    return coordinatorYaml.replace(block, block.replaceFirst("port: \\d+", "port: " + port));
  }

  /**
   * The coordinator YAML: agent links on the lab gateway, HTTP (metrics, status) on loopback, both hosts with store and
   * probe endpoints, the guests on the primary, one plan.
   */
  static String coordinator(String listenHost, int httpPort, Host primary, Host standby, List<SiteGuest> guests,
      int rpoSeconds, int bootTimeoutSeconds) {
    StringBuilder y = new StringBuilder();
    y.append("nodeId: ").append(COORDINATOR_ID).append('\n')
        .append("box: lab-gateway\n")
        .append("listen:\n  host: ").append(listenHost).append("\n  port: 0\n")
        .append("http:\n  listen: \"127.0.0.1:").append(httpPort).append("\"\n")
        .append("journalDir: journal\n")
        .append("secrets:\n  site: site.secret\n")
        .append("hosts:\n");
    for (Host h : List.of(primary, standby)) {
      y.append("  - id: ").append(h.id()).append('\n')
          .append("    box: ").append(h.id()).append('\n')
          .append("    store: \"").append(h.address()).append(':').append(STORE_PORT).append("\"\n")
          .append("    probe:\n      hypervisor: \"").append(h.address()).append(':').append(h.hypervisorPort())
          .append("\"\n")
          .append("      ssh: \"").append(h.address()).append(":22\"\n");
    }
    y.append("plans:\n  - name: ").append(PLAN).append('\n')
        .append("    target: ").append(standby.id()).append('\n')
        .append("    destinationDir: ").append(RECOVERED_DIR).append('\n')
        .append("    networks:\n      \"\": user\n")
        .append("    guests:\n");
    for (SiteGuest g : guests) {
      y.append("      - id: ").append(g.id()).append('\n')
          .append("        group: 0\n")
          .append("        boot:\n          serialMarker: \"").append(g.marker()).append("\"\n")
          .append("          timeoutSeconds: ").append(bootTimeoutSeconds).append('\n');
    }
    y.append("guests:\n");
    for (SiteGuest g : guests) {
      y.append("  - id: ").append(g.id()).append('\n')
          .append("    name: ").append(g.name()).append('\n')
          .append("    primary: ").append(primary.id()).append('\n')
          .append("    standby: ").append(standby.id()).append('\n')
          .append("    plan: ").append(PLAN).append('\n')
          .append("    rpo: ").append(String.format(Locale.ROOT, "%d", rpoSeconds)).append('\n');
    }
    return y.toString();
  }
}
