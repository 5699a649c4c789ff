package io.lifeboat.coordinator.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

import io.lifeboat.coordinator.health.LeaseTimers;
import io.lifeboat.coordinator.notify.MailSettingsReader;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.Addresses;
import io.lifeboat.protocol.v1.BootCheck;
import io.lifeboat.protocol.v1.BootCheckKind;
import io.lifeboat.protocol.v1.PlanEntry;
import io.lifeboat.protocol.v1.RecoveryPlanDefined;

/**
 * Reads a coordinator's YAML configuration strictly: unknown keys, missing keys, wrong types, unknown hosts or plans
 * and timers out of order are errors that name the file and the key.
 *
 * <pre>{@code
 * nodeId: c1                      # this coordinator's voter id
 * box: nas                        # the box it runs on (voter placement check)
 * listen: {host: 0.0.0.0, port: 7070}     # agent links
 *   # optional TLS: tls: {cert: c1.crt, key: c1.key, trust: agents-ca.crt, clientAuth: required}  (or none)
 * cluster:                               # optional: coordinator cluster (Hazelcast, TCP-IP join, no multicast)
 *   name: office                         # cluster name (the site), default lifeboat
 *   host: 10.0.0.5                       # this node's Hazelcast address
 *   port: 5701                           # default 5701
 *   eventBusPort: 5801                   # clustered event bus (journal replication); default 0 = any free port
 *   members:                             # 3 or more coordinators, this node included; each is a voter
 *     - {id: c1, box: nas, address: "10.0.0.5:5701", http: "10.0.0.5:7480"}   # nodeId, box, Hazelcast address,
 *                                                          # optional http.listen (followers redirect there)
 *     - {id: c2, box: pi, address: "10.0.0.6:5701"}
 *     - {id: c3, box: office-pc, address: "10.0.0.7:5701"}
 * http:                                  # optional: REST API under /api/v1, /metrics, the web page at /
 *   listen: "127.0.0.1:7480"
 *   tls: {cert: coordinator.crt, key: coordinator.key}   # optional: HTTPS (PEM; the key in PKCS#8)
 * users:                                 # who may log in to the REST API (./lifeboat coordinator hash-password)
 *   - {name: alice, role: admin, passwordHash: "pbkdf2-sha256$210000$<salt b64>$<hash b64>"}
 *   - {name: bob, role: viewer, passwordHash: "pbkdf2-sha256$210000$..."}
 * journalDir: /var/lib/lifeboat/journal   # relative paths are resolved against this file's directory
 * secrets: {site: site.secret}            # key id -> file holding the shared secret (>= 16 bytes)
 * hosts:
 *   - id: hostA
 *     box: boxA
 *     keyId: site                         # optional: the key its agent must use
 *     store: "10.0.0.2:7402"              # optional: its agent's standby store, as the other hosts reach it
 *     probe:                              # optional: what another agent TCP-connects to (the second signal)
 *       hypervisor: "qemu+tcp://10.0.0.2/system"   # or "10.0.0.2:16509"
 *       ssh: "10.0.0.2:22"
 *   - id: hostB
 *     box: boxB
 *     store: "10.0.0.3:7402"
 * timers: {heartbeatSeconds: 1, suspectSeconds: 3, fenceDeadlineSeconds: 6, leaseTtlSeconds: 8,
 *          recoveryStartSeconds: 10, peerReportFreshSeconds: 3, massFailureWindowSeconds: 60}   # optional
 * plans:
 *   - name: office
 *     target: hostB
 *     destinationDir: /var/lib/lifeboat/guests   # default; must be inside the target agent's store.guestDirs
 *     networks: {"VM Network": br0}
 *     drill: {cron: "0 3 * * 0", isolatedNetwork: ""}   # optional: DR drills by cron (UTC); "" = no NIC
 *     guests:
 *       - id: 7f1c8d2e-0000-4000-8000-000000000001
 *         group: 0
 *         startDelaySeconds: 0
 *         boot: {serialMarker: "login:", timeoutSeconds: 120}   # or tcpPort: 22, or running: true
 * guests:
 *   - id: 7f1c8d2e-0000-4000-8000-000000000001
 *     name: mail
 *     primary: hostA
 *     standby: hostB
 *     plan: office
 *     rpo: 900                            # optional, seconds (default 900)
 * notify:                                # optional: mails to the admin (failover, failback, drill, RPO, fence)
 *   smtp: {host: mail.example.org, port: 587, startTls: required, user: lifeboat, passwordFile: smtp.pass}
 *   from: lifeboat@example.org           # startTls: optional (default), required or disabled; user optional
 *   to: [admin@example.org]
 * }</pre>
 */
public final class CoordinatorConfigLoader {

    /** Where a plan's guests are materialised when it names no destinationDir (the agent's default guest dir). */
    public static final String DEFAULT_DESTINATION_DIR = "/var/lib/lifeboat/guests";
    private static final int MIN_SECRET_BYTES = 16;

    private CoordinatorConfigLoader() {
    }

    /** Loads and validates {@code file}; relative paths in it are resolved against its directory. */
    public static CoordinatorConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
        }
        Object doc;
        try {
            doc = new Load(LoadSettings.builder().setLabel(file.toString()).setAllowDuplicateKeys(false).build())
                    .loadFromString(text);
        } catch (YamlEngineException e) {
            throw new ConfigException(file + ": not valid YAML: " + e.getMessage().replace('\n', ' '), e);
        }
        Node root = new Node(file, "", doc);
        Path base = file.toAbsolutePath().getParent();
        root.allowOnly("nodeId", "box", "listen", "http", "journalDir", "secrets", "hosts", "timers", "plans",
                "guests", "users", "cluster", "notify");
        String nodeId = root.id("nodeId");
        String box = root.string("box");
        Node listen = root.optional("listen").orElse(new Node(file, "listen", Map.of()));
        listen.allowOnly("host", "port", "tls");
        String listenHost = listen.optional("host").map(Node::asString).orElse("0.0.0.0");
        int listenPort = listen.optional("port").map(Node::asInt).orElse(7070);
        if (listenPort < 0 || listenPort > 65535) {
            throw root.error("listen.port", "port " + listenPort + " outside 0..65535");
        }
        Optional<CoordinatorConfig.AgentTls> agentTls = listen.optional("tls").map(t -> agentTls(t, base));
        Optional<CoordinatorConfig.ClusterConfig> cluster = root.optional("cluster").map(c -> cluster(c, nodeId, box));
        Path journalDir = base.resolve(root.string("journalDir"));
        Optional<HostPort> http = Optional.empty();
        Optional<Node> httpNode = root.optional("http");
        if (httpNode.isPresent()) {
            httpNode.get().allowOnly("listen", "tls");
            http = Optional.of(httpNode.get().hostPort("listen", true));
        }
        Optional<CoordinatorConfig.TlsFiles> httpTls = Optional.empty();
        Optional<Node> tlsNode = httpNode.flatMap(n -> n.optional("tls"));
        if (tlsNode.isPresent()) {
            tlsNode.get().allowOnly("cert", "key");
            httpTls = Optional.of(new CoordinatorConfig.TlsFiles(base.resolve(tlsNode.get().string("cert")),
                    base.resolve(tlsNode.get().string("key"))));
        }
        Map<String, CoordinatorConfig.UserConfig> users = new LinkedHashMap<>();
        for (Node u : root.optional("users").map(Node::list).orElse(List.of())) {
            u.allowOnly("name", "role", "passwordHash");
            String name = u.string("name");
            if (name.isBlank() || name.length() > 64 || !name.chars().allMatch(c -> c > ' ' && c < 127)) {
                throw u.error("name", "'" + name + "' is not a user name (1 to 64 printable ASCII characters)");
            }
            String role = u.string("role");
            if (!role.equals("admin") && !role.equals("viewer")) {
                throw u.error("role", "'" + role + "' is not a role (admin or viewer)");
            }
            String hash = u.string("passwordHash");
            String[] parts = hash.split("\\$", -1);
            if (parts.length != 4 || !parts[0].equals("pbkdf2-sha256") || !parts[1].matches("[0-9]{1,9}")
                    || Integer.parseInt(parts[1]) < 210_000) {
                // Never echo the hash itself.
                throw u.error("passwordHash", "not a pbkdf2-sha256$<iterations >= 210000>$<salt>$<hash> string "
                        + "(make one with ./lifeboat coordinator hash-password)");
            }
            if (users.put(name, new CoordinatorConfig.UserConfig(name, role.equals("admin"), hash)) != null) {
                throw u.error("name", "user '" + name + "' is listed twice");
            }
        }

        Map<String, byte[]> secrets = new LinkedHashMap<>();
        Node secretsNode = root.required("secrets");
        for (String keyId : secretsNode.keys()) {
            Path secretFile = base.resolve(secretsNode.required(keyId).asString());
            byte[] secret;
            try {
                secret = new String(Files.readAllBytes(secretFile), StandardCharsets.UTF_8).strip()
                        .getBytes(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw root.error("secrets." + keyId, "cannot read secret file " + secretFile + ": " + e.getMessage());
            }
            if (secret.length < MIN_SECRET_BYTES) {
                throw root.error("secrets." + keyId, "secret in " + secretFile + " is " + secret.length
                        + " bytes, at least " + MIN_SECRET_BYTES + " are needed");
            }
            secrets.put(keyId, secret);
        }
        if (secrets.isEmpty()) {
            throw root.error("secrets", "at least one shared secret is needed");
        }

        Map<String, CoordinatorConfig.HostConfig> hosts = new LinkedHashMap<>();
        List<Node> hostNodes = root.required("hosts").list();
        for (Node h : hostNodes) {
            h.allowOnly("id", "box", "keyId", "store", "probe");
            String id = h.id("id");
            Optional<String> keyId = h.optional("keyId").map(Node::asString);
            if (keyId.isPresent() && !secrets.containsKey(keyId.get())) {
                throw h.error("keyId", "key id '" + keyId.get() + "' is not under secrets");
            }
            Optional<String> store = h.optional("store").isPresent()
                    ? Optional.of(h.hostPort("store", false).toString()) : Optional.empty();
            Optional<String> probeHypervisor = Optional.empty();
            Optional<String> probeSsh = Optional.empty();
            Optional<Node> probe = h.optional("probe");
            if (probe.isPresent()) {
                Node p = probe.get();
                p.allowOnly("hypervisor", "ssh");
                probeHypervisor = p.optional("hypervisor").map(n -> n.endpoint());
                if (p.optional("ssh").isPresent()) {
                    probeSsh = Optional.of(p.hostPort("ssh", false).toString());
                }
            }
            if (id.equals(nodeId) || hosts.put(id, new CoordinatorConfig.HostConfig(id, h.string("box"), keyId,
                    store, probeHypervisor, probeSsh)) != null) {
                throw h.error("id", "voter id '" + id + "' is used twice");
            }
        }
        if (hosts.isEmpty()) {
            throw root.error("hosts", "at least one host is needed");
        }
        for (CoordinatorConfig.ClusterMember m : cluster.map(CoordinatorConfig.ClusterConfig::members)
                .orElse(List.of())) {
            if (hosts.containsKey(m.nodeId())) {
                throw root.error("cluster.members", "voter id '" + m.nodeId() + "' is both a coordinator and a host");
            }
        }

        LeaseTimers d = LeaseTimers.defaults();
        LeaseTimers timers = d;
        Optional<Node> timersNode = root.optional("timers");
        if (timersNode.isPresent()) {
            Node t = timersNode.get();
            t.allowOnly("heartbeatSeconds", "suspectSeconds", "fenceDeadlineSeconds", "leaseTtlSeconds",
                    "recoveryStartSeconds", "peerReportFreshSeconds", "massFailureWindowSeconds");
            timers = new LeaseTimers(t.seconds("heartbeatSeconds", d.heartbeatIntervalNanos()),
                    t.seconds("suspectSeconds", d.suspectAfterNanos()),
                    t.seconds("fenceDeadlineSeconds", d.fenceDeadlineNanos()),
                    t.seconds("leaseTtlSeconds", d.leaseTtlNanos()),
                    t.seconds("recoveryStartSeconds", d.recoveryStartNanos()),
                    t.seconds("peerReportFreshSeconds", d.peerReportFreshNanos()),
                    t.seconds("massFailureWindowSeconds", d.massFailureWindowNanos()));
        }
        try {
            timers.validate();
        } catch (IllegalArgumentException e) {
            throw root.error("timers", e.getMessage());
        }

        Map<String, RecoveryPlanDefined> plans = new LinkedHashMap<>();
        for (Node p : root.optional("plans").map(Node::list).orElse(List.of())) {
            p.allowOnly("name", "target", "destinationDir", "networks", "guests", "drill");
            String name = p.id("name");
            String target = p.string("target");
            if (!hosts.containsKey(target)) {
                throw p.error("target", "host '" + target + "' is not under hosts");
            }
            RecoveryPlanDefined.Builder plan = RecoveryPlanDefined.newBuilder().setName(name).setTargetHostId(target)
                    .setDestinationDir(p.optional("destinationDir").map(Node::asString)
                            .orElse(DEFAULT_DESTINATION_DIR));
            p.optional("networks").ifPresent(n -> n.keys().forEach(k -> plan.putNetworkMap(k,
                    n.required(k).asString())));
            p.optional("drill").ifPresent(drillNode -> {
                drillNode.allowOnly("cron", "isolatedNetwork");
                String cron = drillNode.optional("cron").map(Node::asString).orElse("");
                if (!cron.isBlank()) {
                    try {
                        io.lifeboat.coordinator.drill.CronSchedule.parse(cron);
                    } catch (IllegalArgumentException e) {
                        throw drillNode.error("cron", e.getMessage());
                    }
                }
                plan.setDrill(io.lifeboat.protocol.v1.DrillSchedule.newBuilder().setCron(cron.trim())
                        .setIsolatedNetwork(drillNode.optional("isolatedNetwork").map(Node::asString).orElse("")));
            });
            for (Node g : p.optional("guests").map(Node::list).orElse(List.of())) {
                g.allowOnly("id", "group", "startDelaySeconds", "boot");
                PlanEntry.Builder entry = PlanEntry.newBuilder().setGuestId(g.string("id"))
                        .setPriorityGroup(g.optional("group").map(Node::asInt).orElse(0))
                        .setStartDelay(Timestamps.of(Duration.ofNanos(g.seconds("startDelaySeconds", 0))));
                Optional<Node> boot = g.optional("boot");
                BootCheck.Builder check = BootCheck.newBuilder().setKind(BootCheckKind.BOOT_CHECK_KIND_RUNNING_STATE);
                if (boot.isPresent()) {
                    Node b = boot.get();
                    b.allowOnly("serialMarker", "tcpPort", "running", "timeoutSeconds");
                    b.optional("serialMarker").ifPresent(m -> check.setKind(BootCheckKind.BOOT_CHECK_KIND_SERIAL_MARKER)
                            .setSerialMarker(m.asString()));
                    b.optional("tcpPort").ifPresent(m -> check.setKind(BootCheckKind.BOOT_CHECK_KIND_TCP_PORT)
                            .setTcpPort(m.asInt()));
                    if (b.optional("timeoutSeconds").isPresent()) {
                        check.setTimeout(Timestamps.of(Duration.ofNanos(b.seconds("timeoutSeconds", 0))));
                    }
                }
                plan.addEntries(entry.setBootCheck(check));
            }
            if (plans.put(name, plan.build()) != null) {
                throw p.error("name", "plan '" + name + "' is defined twice");
            }
        }

        Map<String, CoordinatorConfig.GuestConfig> guests = new LinkedHashMap<>();
        for (Node g : root.optional("guests").map(Node::list).orElse(List.of())) {
            g.allowOnly("id", "name", "primary", "standby", "plan", "rpo");
            String id = g.string("id");
            String primary = g.string("primary");
            String standby = g.string("standby");
            String plan = g.string("plan");
            for (String[] ref : new String[][] {{"primary", primary}, {"standby", standby}}) {
                if (!hosts.containsKey(ref[1])) {
                    throw g.error(ref[0], "host '" + ref[1] + "' is not under hosts");
                }
            }
            if (primary.equals(standby)) {
                throw g.error("standby", "standby is the primary host '" + primary + "'");
            }
            if (!plans.containsKey(plan)) {
                throw g.error("plan", "plan '" + plan + "' is not under plans");
            }
            long rpoNanos = g.seconds("rpo", CoordinatorConfig.DEFAULT_RPO.toNanos());
            if (rpoNanos < 1_000_000_000L) {
                throw g.error("rpo", "an RPO of at least 1 second is needed, got " + rpoNanos / 1e9 + " s");
            }
            if (guests.put(id, new CoordinatorConfig.GuestConfig(id, g.string("name"), primary, standby, plan,
                    Duration.ofNanos(rpoNanos))) != null) {
                throw g.error("id", "guest '" + id + "' is listed twice");
            }
        }
        return new CoordinatorConfig(nodeId, box, listenHost, listenPort, journalDir, secrets, hosts, timers, plans,
                guests, http, httpTls, users, cluster, agentTls,
                root.optional("notify").map(n -> MailSettingsReader.read(n.value, file, base)));
    }

    private static CoordinatorConfig.AgentTls agentTls(Node t, Path base) {
        t.allowOnly("cert", "key", "trust", "clientAuth");
        Path cert = readable(t, "cert", base);
        Path key = readable(t, "key", base);
        Optional<Path> trust = t.optional("trust").isPresent() ? Optional.of(readable(t, "trust", base))
                : Optional.empty();
        String clientAuth = t.optional("clientAuth").map(Node::asString).orElse(trust.isPresent() ? "required" : "none");
        if (!clientAuth.equals("required") && !clientAuth.equals("none")) {
            throw t.error("clientAuth", "'" + clientAuth + "' is neither required nor none");
        }
        if (clientAuth.equals("required") && trust.isEmpty()) {
            throw t.error("clientAuth", "required needs trust: the CA certificates that sign the agents' certificates");
        }
        return new CoordinatorConfig.AgentTls(cert, key, trust, clientAuth.equals("required"));
    }

    private static Path readable(Node n, String key, Path base) {
        Path file = base.resolve(n.string(key));
        if (!Files.isReadable(file)) {
            throw n.error(key, "cannot read " + file);
        }
        return file;
    }

    private static CoordinatorConfig.ClusterConfig cluster(Node c, String nodeId, String box) {
        c.allowOnly("name", "host", "port", "eventBusPort", "members");
        String name = c.optional("name").map(Node::asString).orElse("lifeboat");
        String host = c.string("host");
        int port = c.optional("port").map(Node::asInt).orElse(5701);
        int eventBusPort = c.optional("eventBusPort").map(Node::asInt).orElse(0);
        if (port < 1 || port > 65535) {
            throw c.error("port", "port " + port + " outside 1..65535");
        }
        if (eventBusPort < 0 || eventBusPort > 65535) {
            throw c.error("eventBusPort", "port " + eventBusPort + " outside 0..65535");
        }
        List<CoordinatorConfig.ClusterMember> members = new java.util.ArrayList<>();
        for (Node m : c.required("members").list()) {
            m.allowOnly("id", "box", "address", "http");
            CoordinatorConfig.ClusterMember member = new CoordinatorConfig.ClusterMember(m.id("id"), m.string("box"),
                    m.hostPort("address", false), m.optional("http").isPresent()
                            ? Optional.of(m.hostPort("http", false)) : Optional.empty());
            for (CoordinatorConfig.ClusterMember other : members) {
                if (other.nodeId().equals(member.nodeId())) {
                    throw m.error("id", "coordinator id '" + member.nodeId() + "' is listed twice");
                }
                if (other.address().equals(member.address())) {
                    throw m.error("address", member.address() + " is listed twice");
                }
            }
            members.add(member);
        }
        HostPort self = new HostPort(host, port);
        CoordinatorConfig.ClusterMember own = members.stream().filter(m -> m.address().equals(self)).findFirst()
                .orElseThrow(() -> c.error("members", "this node's own address " + self
                        + " (cluster.host:cluster.port) is not listed"));
        if (!own.nodeId().equals(nodeId) || !own.box().equals(box)) {
            throw c.error("members", "the entry of this node's address " + self + " says id " + own.nodeId()
                    + " on box " + own.box() + ", but this node is " + nodeId + " on box " + box);
        }
        if (members.size() < 3) {
            throw c.error("members", members.size() + " coordinator(s) give no CP quorum: leadership needs Hazelcast's "
                    + "CP subsystem, which needs 3 members; list 3 or more, or drop cluster for a single coordinator");
        }
        return new CoordinatorConfig.ClusterConfig(name, host, port, eventBusPort, members);
    }

    /** A YAML node with the path that leads to it, for error messages. */
    private static final class Node {
        final Path file;
        final String path;
        final Object value;

        Node(Path file, String path, Object value) {
            this.file = file;
            this.path = path;
            this.value = value;
        }

        ConfigException error(String key, String problem) {
            return new ConfigException(file + ": " + join(key) + ": " + problem);
        }

        private String join(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        @SuppressWarnings("unchecked")
        private Map<String, Object> map() {
            if (!(value instanceof Map)) {
                throw new ConfigException(file + ": " + (path.isEmpty() ? "document" : path)
                        + ": expected a mapping");
            }
            return (Map<String, Object>) value;
        }

        void allowOnly(String... keys) {
            Set<String> allowed = Set.of(keys);
            for (Object key : map().keySet()) {
                if (!allowed.contains(String.valueOf(key))) {
                    throw error(String.valueOf(key), "unknown key (allowed: " + String.join(", ", keys) + ")");
                }
            }
        }

        List<String> keys() {
            return map().keySet().stream().map(String::valueOf).toList();
        }

        Optional<Node> optional(String key) {
            Object v = map().get(key);
            return v == null ? Optional.empty() : Optional.of(new Node(file, join(key), v));
        }

        Node required(String key) {
            return optional(key).orElseThrow(() -> error(key, "missing"));
        }

        String string(String key) {
            return required(key).asString();
        }

        String id(String key) {
            String id = string(key);
            if (!Addresses.isValidSegment(id)) {
                throw error(key, "'" + id + "' is not an address-safe id (no dots, no whitespace, at most 128 characters)");
            }
            return id;
        }

        HostPort hostPort(String key, boolean allowZero) {
            try {
                return HostPort.parse(string(key), allowZero);
            } catch (IllegalArgumentException e) {
                throw error(key, e.getMessage());
            }
        }

        String endpoint() {
            String text = asString();
            try {
                HostPort.parseEndpoint(text);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(file + ": " + path + ": " + e.getMessage());
            }
            return text;
        }

        long seconds(String key, long defaultNanos) {
            Optional<Node> n = optional(key);
            if (n.isEmpty()) {
                return defaultNanos;
            }
            if (!(n.get().value instanceof Number number) || number.doubleValue() < 0) {
                throw error(key, "expected a number of seconds >= 0, got '" + n.get().value + "'");
            }
            return Math.round(number.doubleValue() * 1e9);
        }

        String asString() {
            if (value instanceof Map || value instanceof List) {
                throw new ConfigException(file + ": " + path + ": expected a string");
            }
            return String.valueOf(value);
        }

        int asInt() {
            if (!(value instanceof Integer i)) {
                throw new ConfigException(file + ": " + path + ": expected an integer, got '" + value + "'");
            }
            return i;
        }

        List<Node> list() {
            if (!(value instanceof List<?> items)) {
                throw new ConfigException(file + ": " + path + ": expected a list");
            }
            java.util.ArrayList<Node> out = new java.util.ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                out.add(new Node(file, path + "[" + i + "]", items.get(i)));
            }
            return out;
        }
    }
}
