package io.lifeboat.agent.link;

import io.lifeboat.protocol.v1.Role;
import io.lifeboat.storage.replication.RateLimiter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * The agent's YAML configuration, read strictly: unknown keys, wrong types and missing values are errors naming the
 * file and the key. Example:
 *
 * <pre>
 * hostId: hostA
 * stateDir: /var/lib/lifeboat/agent
 * coordinators: ["c1@10.0.0.5:7400"]
 * peers: ["hostB@10.0.0.6:7401"]
 * listen: "0.0.0.0:7401"
 * secretFile: /etc/lifeboat/site.secret
 * timers: {heartbeatMillis: 1000, fenceDeadlineMillis: 6000, leaseTtlMillis: 8000}
 * tls: {cert: agent.pem, key: agent.key, trust: ca.pem}
 * driver:
 *   kind: vmware            # or libvirt
 *   uri: https://oldserver:8333/sdk
 *   user: root
 *   passwordFile: /etc/lifeboat/vmware.password
 *   datastores: {standard: "/var/lib/vmware/Virtual Machines"}
 *   ssh: {user: root, host: oldserver, port: 22, identityFile: id_ed25519, knownHosts: known_hosts,
 *         fenceDir: /var/lib/lifeboat}
 * fenceProcess: vmrun        # libvirt, vmrun, remote-loop (agentless vmware: a loop installed over SSH) or none
 * protectedGuests: {"6f1c...": "mail"}   # guest id: hypervisor name or uuid
 * store:                     # optional: this host is a standby; primaries push restore points here
 *   dir: /var/lib/lifeboat/store
 *   listen: "0.0.0.0:7402"   # replication receiver: site secret, TLS when tls: is set
 *   id: main
 *   guestDirs: ["/var/lib/lifeboat/guests"]   # where MaterialiseRestorePoint may write disks
 * replication:               # optional
 *   limitRate: 20M           # bandwidth cap of each push to a standby store, bytes per second: 500k, 20M, 1G
 *                            # (binary multiples) or a plain number; unlimited when absent
 * </pre>
 *
 * @param source the file, for messages
 * @param hostId this host's id
 * @param stateDir where epoch, incarnation, lease file and fence report live
 * @param coordinators coordinator voters
 * @param peers peer agent voters
 * @param listenHost peer listener address
 * @param listenPort peer listener port, -1 for none
 * @param secretFile file holding the site's shared secret
 * @param keyId the secret's key id
 * @param heartbeat heartbeat and renewal interval
 * @param fenceDeadline agent fence deadline
 * @param leaseTtl TTL granted to peers
 * @param tls TLS settings or null
 * @param driver driver settings
 * @param fenceProcess "libvirt", "vmrun", "remote-loop" (agentless vmware only) or "none"
 * @param protectedGuests guest id to the hypervisor's name or uuid
 * @param store the standby store this agent serves, or null for none
 * @param replicationLimitBytesPerSecond bandwidth cap of each replication push, 0 for none
 */
public record AgentConfig(Path source, String hostId, Path stateDir, List<VoterAddress> coordinators,
    List<VoterAddress> peers, String listenHost, int listenPort, Path secretFile, String keyId, Duration heartbeat,
    Duration fenceDeadline, Duration leaseTtl, LinkSettings.TlsSettings tls, Driver driver, String fenceProcess,
    Map<String, String> protectedGuests, Store store, long replicationLimitBytesPerSecond) {

  /**
   * The standby store an agent serves: primaries push restore points to it, MaterialiseRestorePoint reads from it.
   *
   * @param dir the chunk store's directory (created when missing)
   * @param listenHost address the replication receiver binds
   * @param listenPort port it binds (0: any free port)
   * @param id the store id coordinators name in StoreTarget.store_id
   * @param guestDirs absolute, normalised directories under which materialised disks may be written
   */
  public record Store(Path dir, String listenHost, int listenPort, String id, List<Path> guestDirs) {
    /** Default directory for materialised disks. */
    public static final String DEFAULT_GUEST_DIR = "/var/lib/lifeboat/guests";

    /**
     * Creates the settings.
     *
     * @param dir the chunk store's directory
     * @param listenHost bind address
     * @param listenPort bind port
     * @param id store id
     * @param guestDirs where disks may be materialised
     */
    public Store {
      guestDirs = List.copyOf(guestDirs);
    }

    /** @return "host:port" the receiver binds */
    public String listen() {
      return (listenHost.contains(":") ? "[" + listenHost + "]" : listenHost) + ":" + listenPort;
    }
  }

  /**
   * Driver settings.
   *
   * @param kind "libvirt" or "vmware"
   * @param uri libvirt URI or VI API URL
   * @param user VI API user (vmware)
   * @param passwordFile file holding the VI API password (vmware)
   * @param datastores datastore name to host directory (vmware)
   * @param ssh SSH settings for an agentless host, or null
   */
  public record Driver(String kind, String uri, String user, Path passwordFile, Map<String, String> datastores,
      Ssh ssh) {}

  /**
   * SSH settings of an agentless host.
   *
   * @param user login
   * @param host host
   * @param port port
   * @param identityFile private key
   * @param knownHosts known_hosts file
   * @param fenceDir absolute directory on the host for the remote fence loop's script, lease and guest list
   */
  public record Ssh(String user, String host, int port, Path identityFile, Path knownHosts, String fenceDir) {}

  /**
   * Reads and checks a configuration file.
   *
   * @param file the YAML file
   * @return the configuration
   * @throws IOException when the file cannot be read
   * @throws IllegalArgumentException naming the file and key when the content is wrong
   */
  public static AgentConfig read(Path file) throws IOException {
    if (Files.size(file) > 256 * 1024) {
      throw new IllegalArgumentException(file + ": larger than 256 KiB; not an agent configuration");
    }
    String text = Files.readString(file, StandardCharsets.UTF_8);
    Object doc;
    try {
      doc = new Load(LoadSettings.builder().setLabel(file.toString()).setAllowDuplicateKeys(false)
          .setMaxAliasesForCollections(8).build()).loadFromString(text);
    } catch (YamlEngineException e) {
      throw new IllegalArgumentException(file + ": not valid YAML: " + e.getMessage().replace('\n', ' '));
    }
    Node root = new Node(file, "", doc);
    Path dir = file.toAbsolutePath().getParent();
    root.only(Set.of("hostId", "stateDir", "coordinators", "peers", "listen", "secretFile", "keyId", "timers", "tls",
        "driver", "fenceProcess", "protectedGuests", "store", "replication"));
    String hostId = root.string("hostId", null);
    if (!hostId.matches("[A-Za-z0-9_\\-]{1,128}")) {
      throw new IllegalArgumentException(file + ": hostId \"" + hostId
          + "\" must be 1-128 letters, digits, '-' or '_'");
    }
    List<VoterAddress> coordinators = new ArrayList<>();
    for (String s : root.strings("coordinators")) {
      coordinators.add(root.voter("coordinators", s, Role.ROLE_COORDINATOR));
    }
    List<VoterAddress> peers = new ArrayList<>();
    if (root.has("peers")) {
      for (String s : root.strings("peers")) {
        peers.add(root.voter("peers", s, Role.ROLE_AGENT));
      }
    }
    String listenHost = "0.0.0.0";
    int listenPort = -1;
    if (root.has("listen")) {
      String[] hp = hostPort(file, "listen", root.string("listen", null));
      listenHost = hp[0];
      listenPort = Integer.parseInt(hp[1]);
    }
    Duration heartbeat = Duration.ofSeconds(1);
    Duration deadline = Duration.ofSeconds(6);
    Duration ttl = Duration.ofSeconds(8);
    if (root.has("timers")) {
      Node t = root.child("timers");
      t.only(Set.of("heartbeatMillis", "fenceDeadlineMillis", "leaseTtlMillis"));
      heartbeat = Duration.ofMillis(t.integer("heartbeatMillis", 1000));
      deadline = Duration.ofMillis(t.integer("fenceDeadlineMillis", 6000));
      ttl = Duration.ofMillis(t.integer("leaseTtlMillis", 8000));
    }
    if (heartbeat.compareTo(deadline) >= 0 || deadline.compareTo(ttl) >= 0) {
      throw new IllegalArgumentException(file + ": timers: need heartbeatMillis < fenceDeadlineMillis < leaseTtlMillis");
    }
    LinkSettings.TlsSettings tls = null;
    if (root.has("tls")) {
      Node t = root.child("tls");
      t.only(Set.of("cert", "key", "trust"));
      tls = new LinkSettings.TlsSettings(dir.resolve(t.string("cert", null)), dir.resolve(t.string("key", null)),
          dir.resolve(t.string("trust", null)));
    }
    Node d = root.child("driver");
    d.only(Set.of("kind", "uri", "user", "passwordFile", "datastores", "ssh"));
    String kind = d.string("kind", null);
    if (!kind.equals("libvirt") && !kind.equals("vmware")) {
      throw new IllegalArgumentException(file + ": driver.kind \"" + kind + "\" is neither libvirt nor vmware");
    }
    Map<String, String> datastores = d.has("datastores") ? d.child("datastores").stringMap() : Map.of();
    Ssh ssh = null;
    if (d.has("ssh")) {
      Node s = d.child("ssh");
      s.only(Set.of("user", "host", "port", "identityFile", "knownHosts", "fenceDir"));
      String fenceDir = s.string("fenceDir", "/var/lib/lifeboat");
      if (!fenceDir.startsWith("/") || fenceDir.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
        throw new IllegalArgumentException(file + ": driver.ssh.fenceDir \"" + fenceDir.replaceAll("\\p{Cntrl}", "?")
            + "\" must be an absolute path on the host");
      }
      ssh = new Ssh(s.string("user", "root"), s.string("host", null), (int) s.integer("port", 22),
          dir.resolve(s.string("identityFile", null)), dir.resolve(s.string("knownHosts", null)), fenceDir);
    }
    Driver driver = new Driver(kind, d.string("uri", null), d.string("user", ""),
        d.has("passwordFile") ? dir.resolve(d.string("passwordFile", null)) : null, datastores, ssh);
    if (kind.equals("vmware") && (driver.passwordFile() == null || driver.user().isEmpty())) {
      throw new IllegalArgumentException(file + ": driver: vmware needs user and passwordFile");
    }
    String fenceProcess = root.string("fenceProcess", "none");
    if (!Set.of("libvirt", "vmrun", "remote-loop", "none").contains(fenceProcess)) {
      throw new IllegalArgumentException(file + ": fenceProcess \"" + fenceProcess
          + "\" is not libvirt, vmrun, remote-loop or none");
    }
    if (fenceProcess.equals("remote-loop") && (!kind.equals("vmware") || ssh == null)) {
      throw new IllegalArgumentException(file + ": fenceProcess remote-loop needs driver.kind vmware with driver.ssh"
          + " (an agentless host)");
    }
    Map<String, String> protectedGuests = root.has("protectedGuests") ? root.child("protectedGuests").stringMap()
        : Map.of();
    Store store = root.has("store") ? store(file, dir, root.child("store")) : null;
    long limitRate = root.has("replication") ? limitRate(file, root.child("replication")) : 0;
    return new AgentConfig(file, hostId, dir.resolve(root.string("stateDir", null)), coordinators, peers, listenHost,
        listenPort, dir.resolve(root.string("secretFile", null)), root.string("keyId", "site"), heartbeat, deadline,
        ttl, tls, driver, fenceProcess, protectedGuests, store, limitRate);
  }

  private static long limitRate(Path file, Node r) {
    r.only(Set.of("limitRate"));
    String rate = r.string("limitRate", null);
    try {
      return RateLimiter.parseRate(rate);
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new IllegalArgumentException(file + ": replication.limitRate \"" + rate.replaceAll("\\p{Cntrl}", "?")
          + "\" is not a positive byte rate per second like 500k, 20M or 1G");
    }
  }

  private static Store store(Path file, Path dir, Node s) {
    s.only(Set.of("dir", "listen", "id", "guestDirs"));
    String[] hp = hostPort(file, "store.listen", s.string("listen", "0.0.0.0:7402"));
    String id = s.string("id", "main");
    if (!id.matches("[A-Za-z0-9_\\-]{1,64}")) {
      throw new IllegalArgumentException(file + ": store.id \"" + id + "\" must be 1-64 letters, digits, '-' or '_'");
    }
    List<Path> guestDirs = new ArrayList<>();
    for (String g : s.has("guestDirs") ? s.strings("guestDirs") : List.of(Store.DEFAULT_GUEST_DIR)) {
      if (g.isBlank() || g.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
        throw new IllegalArgumentException(file + ": store.guestDirs: \"" + g.replaceAll("\\p{Cntrl}", "?")
            + "\" is not a directory path");
      }
      Path p = dir.resolve(g).normalize();
      if (p.getParent() == null) {
        throw new IllegalArgumentException(file + ": store.guestDirs: \"" + g + "\" is the root directory; name a"
            + " directory for guest disks");
      }
      guestDirs.add(p);
    }
    return new Store(dir.resolve(s.string("dir", null)).normalize(), hp[0], Integer.parseInt(hp[1]), id, guestDirs);
  }

  private static String[] hostPort(Path file, String key, String text) {
    int colon = text.lastIndexOf(':');
    try {
      String host = text.substring(0, colon).replace("[", "").replace("]", "");
      int port = Integer.parseInt(text.substring(colon + 1));
      if (host.isEmpty()) {
        host = "0.0.0.0";
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException();
      }
      return new String[] {host, Integer.toString(port)};
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(file + ": " + key + " \"" + text + "\" is not host:port");
    }
  }

  /** A YAML node with strict typed access; errors name the file and the dotted key. */
  private record Node(Path file, String path, Object value) {
    private String key(String k) {
      return path.isEmpty() ? k : path + "." + k;
    }

    private Map<?, ?> map() {
      if (!(value instanceof Map<?, ?> m)) {
        throw new IllegalArgumentException(file + ": " + (path.isEmpty() ? "the document" : path)
            + " must be a mapping");
      }
      return m;
    }

    void only(Set<String> allowed) {
      for (Object k : map().keySet()) {
        if (!allowed.contains(String.valueOf(k))) {
          throw new IllegalArgumentException(file + ": unknown key " + key(String.valueOf(k)) + " (known: "
              + new java.util.TreeSet<>(allowed) + ")");
        }
      }
    }

    boolean has(String k) {
      return map().get(k) != null;
    }

    Node child(String k) {
      Object v = map().get(k);
      if (v == null) {
        throw new IllegalArgumentException(file + ": missing key " + key(k));
      }
      return new Node(file, key(k), v);
    }

    String string(String k, String dflt) {
      Object v = map().get(k);
      if (v == null) {
        if (dflt == null) {
          throw new IllegalArgumentException(file + ": missing key " + key(k));
        }
        return dflt;
      }
      if (!(v instanceof String || v instanceof Number)) {
        throw new IllegalArgumentException(file + ": " + key(k) + " must be a string");
      }
      return v.toString();
    }

    long integer(String k, long dflt) {
      Object v = map().get(k);
      if (v == null) {
        return dflt;
      }
      if (!(v instanceof Integer || v instanceof Long)) {
        throw new IllegalArgumentException(file + ": " + key(k) + " must be a whole number");
      }
      return ((Number) v).longValue();
    }

    List<String> strings(String k) {
      Object v = map().get(k);
      if (!(v instanceof List<?> l) || l.isEmpty()) {
        throw new IllegalArgumentException(file + ": " + key(k) + " must be a non-empty list");
      }
      List<String> out = new ArrayList<>();
      for (Object o : l) {
        out.add(String.valueOf(o));
      }
      return out;
    }

    Map<String, String> stringMap() {
      Map<String, String> out = new LinkedHashMap<>();
      map().forEach((k, v) -> {
        if (!(v instanceof String)) {
          throw new IllegalArgumentException(file + ": " + key(String.valueOf(k)) + " must be a string");
        }
        out.put(String.valueOf(k), (String) v);
      });
      return out;
    }

    VoterAddress voter(String k, String spec, Role role) {
      try {
        return VoterAddress.parse(spec, role);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + ": " + key(k) + ": " + e.getMessage());
      }
    }
  }
}
