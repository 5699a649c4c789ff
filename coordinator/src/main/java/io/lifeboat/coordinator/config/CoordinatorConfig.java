package io.lifeboat.coordinator.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.lifeboat.coordinator.health.LeaseTimers;
import io.lifeboat.coordinator.health.VoterPlacement;
import io.lifeboat.protocol.v1.RecoveryPlanDefined;

/**
 * A coordinator's configuration, as read from its YAML file by {@link CoordinatorConfigLoader}.
 *
 * @param nodeId this coordinator's voter id
 * @param box the physical box the coordinator runs on (for the voter placement check)
 * @param listenHost address the agent link listener binds
 * @param listenPort its TCP port (0 = any free port)
 * @param journalDir directory of the journal
 * @param secrets key id → shared secret bytes (agents prove knowledge with an HMAC in their Hello)
 * @param hosts the hosts whose agents may connect, by host id
 * @param timers failure-detection timers
 * @param plans recovery plans, by name
 * @param guests guests to protect, by guest id
 * @param http where the HTTP server (REST API, metrics, page) listens, or empty for none
 * @param httpTls the certificate and key that make it HTTPS, or empty for plain HTTP
 * @param users who may log in to the REST API, by name
 * @param cluster the coordinator cluster this node belongs to, or empty for a single coordinator
 * @param agentTls TLS on the agent listener, or empty for plain TCP
 * @param mail where notification mails go (the {@code notify} section), or empty to send none
 */
public record CoordinatorConfig(String nodeId, String box, String listenHost, int listenPort, Path journalDir,
                                Map<String, byte[]> secrets, Map<String, HostConfig> hosts, LeaseTimers timers,
                                Map<String, RecoveryPlanDefined> plans, Map<String, GuestConfig> guests,
                                Optional<HostPort> http, Optional<TlsFiles> httpTls, Map<String, UserConfig> users,
                                Optional<ClusterConfig> cluster, Optional<AgentTls> agentTls,
                                Optional<io.lifeboat.coordinator.notify.MailSettings> mail) {

    /** Default recovery point objective of a guest that sets none: 900 s. */
    public static final Duration DEFAULT_RPO = Duration.ofSeconds(900);

    /** Creates the config, copying its collections. */
    public CoordinatorConfig {
        secrets = Map.copyOf(secrets);
        hosts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(hosts));
        plans = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(plans));
        guests = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(guests));
        users = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(users));
    }

    /** A config that sends no notification mails. */
    public CoordinatorConfig(String nodeId, String box, String listenHost, int listenPort, Path journalDir,
                             Map<String, byte[]> secrets, Map<String, HostConfig> hosts, LeaseTimers timers,
                             Map<String, RecoveryPlanDefined> plans, Map<String, GuestConfig> guests,
                             Optional<HostPort> http, Optional<TlsFiles> httpTls, Map<String, UserConfig> users,
                             Optional<ClusterConfig> cluster, Optional<AgentTls> agentTls) {
        this(nodeId, box, listenHost, listenPort, journalDir, secrets, hosts, timers, plans, guests, http, httpTls,
                users, cluster, agentTls, Optional.empty());
    }

    /** A single coordinator with a plain-TCP agent listener. */
    public CoordinatorConfig(String nodeId, String box, String listenHost, int listenPort, Path journalDir,
                             Map<String, byte[]> secrets, Map<String, HostConfig> hosts, LeaseTimers timers,
                             Map<String, RecoveryPlanDefined> plans, Map<String, GuestConfig> guests,
                             Optional<HostPort> http, Optional<TlsFiles> httpTls, Map<String, UserConfig> users) {
        this(nodeId, box, listenHost, listenPort, journalDir, secrets, hosts, timers, plans, guests, http, httpTls,
                users, Optional.empty(), Optional.empty());
    }

    /**
     * The coordinator cluster (Hazelcast, TCP-IP join with exactly {@code members}; CP leadership with 3 or more).
     *
     * @param name Hazelcast cluster name (the site)
     * @param host address this node's Hazelcast member binds and announces
     * @param port its Hazelcast port
     * @param eventBusPort port of its clustered event bus (journal replication), 0 = any free port
     * @param members every coordinator (a voter), this one included
     */
    public record ClusterConfig(String name, String host, int port, int eventBusPort, List<ClusterMember> members) {

        /** Creates the cluster config, copying the member list. */
        public ClusterConfig {
            members = List.copyOf(members);
        }

        /** Every member's Hazelcast address. */
        public List<HostPort> addresses() {
            return members.stream().map(ClusterMember::address).toList();
        }

        /** Whether leadership comes from Hazelcast's CP subsystem (3 or more members). */
        public boolean usesCp() {
            return members.size() >= 3;
        }
    }

    /**
     * One coordinator of a cluster.
     *
     * @param nodeId its node id, a voter id as the agents' configs name it
     * @param box the box it runs on (voter placement check)
     * @param address its Hazelcast address
     * @param http where its page, REST API and metrics are served (as {@code http.listen}), if it has them; a
     *             follower redirects its HTTP clients to the leader's
     */
    public record ClusterMember(String nodeId, String box, HostPort address, Optional<HostPort> http) {
    }

    /**
     * TLS on the agent listener (PEM files).
     *
     * @param cert the coordinator's certificate chain
     * @param key its private key (PKCS#8)
     * @param trust CA certificates that sign agents' client certificates, or empty
     * @param clientAuthRequired whether agents must present a certificate signed by {@code trust}
     */
    public record AgentTls(Path cert, Path key, Optional<Path> trust, boolean clientAuthRequired) {
    }

    /** A config with plain HTTP (if any) and no users. */
    public CoordinatorConfig(String nodeId, String box, String listenHost, int listenPort, Path journalDir,
                             Map<String, byte[]> secrets, Map<String, HostConfig> hosts, LeaseTimers timers,
                             Map<String, RecoveryPlanDefined> plans, Map<String, GuestConfig> guests,
                             Optional<HostPort> http) {
        this(nodeId, box, listenHost, listenPort, journalDir, secrets, hosts, timers, plans, guests, http,
                Optional.empty(), Map.of());
    }

    /**
     * The PEM files that make the HTTP server speak HTTPS.
     *
     * @param cert the certificate chain (PEM)
     * @param key its private key (PEM, PKCS#8)
     */
    public record TlsFiles(Path cert, Path key) {
    }

    /**
     * A user of the REST API and the web page.
     *
     * @param name the login name
     * @param admin whether the user may take actions (role admin) or only read (role viewer)
     * @param passwordHash {@code pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>}; never logged
     */
    public record UserConfig(String name, boolean admin, String passwordHash) {

        /** Hides the hash from logs and exception messages. */
        @Override
        public String toString() {
            return "UserConfig[name=" + name + ", role=" + (admin ? "admin" : "viewer") + "]";
        }
    }

    /**
     * One host whose agent may connect.
     *
     * @param hostId the host id
     * @param box the physical box it is
     * @param keyId the key id its agent must use, or empty for any configured key
     * @param store where this host's agent store is reachable from the other hosts ({@code "ADDR:PORT"}), or empty
     *              when it runs none (then it cannot be a standby that receives backups)
     * @param probeHypervisor endpoint another agent TCP-connects to, to check that this host's hypervisor API
     *                        answers ({@code "ADDR:PORT"} or a URI), or empty
     * @param probeSsh endpoint another agent TCP-connects to, to check that this host's SSH answers, or empty
     */
    public record HostConfig(String hostId, String box, Optional<String> keyId, Optional<String> store,
                             Optional<String> probeHypervisor, Optional<String> probeSsh) {

        /** A host with no store and no probe endpoints. */
        public HostConfig(String hostId, String box, Optional<String> keyId) {
            this(hostId, box, keyId, Optional.empty(), Optional.empty(), Optional.empty());
        }
    }

    /**
     * A guest to protect once its primary's agent reports it.
     *
     * @param guestId the stable id Lifeboat assigns (a UUID string)
     * @param name the name the primary's hypervisor shows
     * @param primaryHostId host it runs on
     * @param standbyHostId host it fails over to
     * @param plan its recovery plan
     * @param rpo its recovery point objective: a backup is requested when its newest restore point is older
     */
    public record GuestConfig(String guestId, String name, String primaryHostId, String standbyHostId, String plan,
                              Duration rpo) {
    }

    /** The voters (every host, and this coordinator or every coordinator of its cluster) and their boxes. */
    public VoterPlacement placement() {
        Map<String, String> boxes = new LinkedHashMap<>();
        hosts.values().forEach(h -> boxes.put(h.hostId(), h.box()));
        boxes.put(nodeId, box);
        cluster.ifPresent(c -> c.members().forEach(m -> boxes.put(m.nodeId(), m.box())));
        return new VoterPlacement(boxes);
    }

    /** The host ids. */
    public List<String> hostIds() {
        return List.copyOf(hosts.keySet());
    }
}
