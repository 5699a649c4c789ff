package io.lifeboat.coordinator.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.cp.RaftAlgorithmConfig;

import io.lifeboat.coordinator.config.CoordinatorConfig;
import io.lifeboat.coordinator.config.HostPort;

/**
 * Builds a coordinator's Hazelcast configuration in code: TCP-IP join with exactly the configured members, multicast,
 * auto-detection and phone-home off, the cluster name from the config, the maps vertx-hazelcast needs, and the CP
 * subsystem with 3 CP members (leadership and epochs come from its FencedLock).
 */
public final class HazelcastSetup {

    /**
     * Failure-detection timers of the cluster.
     *
     * @param cpSessionTtlSeconds a CP session (and so the leader's lock) expires this long after its last heartbeat
     * @param cpSessionHeartbeatSeconds how often a member renews its CP session
     * @param raftElectionTimeoutMillis Raft leader election timeout of the CP group
     * @param raftHeartbeatMillis Raft leader heartbeat period
     * @param memberHeartbeatSeconds Hazelcast member heartbeat interval
     * @param memberTimeoutSeconds a member silent this long is removed from the cluster
     * @param joinWaitSeconds how long a starting member waits for the others before it forms a cluster alone
     */
    public record Tuning(int cpSessionTtlSeconds, int cpSessionHeartbeatSeconds, long raftElectionTimeoutMillis,
                         long raftHeartbeatMillis, int memberHeartbeatSeconds, int memberTimeoutSeconds,
                         int joinWaitSeconds) {

        /** Production timers: a lost leader's lock is free after about 10 s. */
        public static final Tuning DEFAULTS = new Tuning(10, 2, 2000, 500, 1, 10, 3);

        /** Checks the order of the timers. */
        public Tuning {
            if (cpSessionHeartbeatSeconds < 1 || cpSessionTtlSeconds < 3 * cpSessionHeartbeatSeconds) {
                throw new IllegalArgumentException("CP session TTL " + cpSessionTtlSeconds + " s must be at least 3 "
                        + "heartbeats of " + cpSessionHeartbeatSeconds + " s");
            }
        }

        /**
         * How long a leader may go without confirming its lock before it stops acting on its own: the TTL less two
         * session heartbeats, so that it steps down before the others can see its session expire.
         */
        public long stepDownAfterNanos() {
            return (cpSessionTtlSeconds - 2L * cpSessionHeartbeatSeconds) * 1_000_000_000L;
        }
    }

    private HazelcastSetup() {
    }

    /** The Hazelcast configuration of coordinator {@code nodeId} in {@code cluster}. */
    public static Config config(String nodeId, CoordinatorConfig.ClusterConfig cluster, Tuning tuning) {
        Config c = new Config();
        c.setClusterName(cluster.name());
        c.setInstanceName("lifeboat-" + cluster.name() + "-" + nodeId);
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.logging.type", "slf4j");
        c.setProperty("hazelcast.local.localAddress", cluster.host());
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.heartbeat.interval.seconds", Integer.toString(tuning.memberHeartbeatSeconds()));
        c.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(tuning.memberTimeoutSeconds()));
        c.setProperty("hazelcast.wait.seconds.before.join", Integer.toString(tuning.joinWaitSeconds()));
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        // A leaving member waits at most this long for its data to migrate (default 600 s).
        c.setProperty("hazelcast.graceful.shutdown.max.wait", "10");
        NetworkConfig network = c.getNetworkConfig();
        network.setPort(cluster.port()).setPortAutoIncrement(false);
        network.getRestApiConfig().setEnabled(false);
        network.getMemcacheProtocolConfig().setEnabled(false);
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(cluster.addresses().stream().map(HostPort::toString).toList());
        // What vertx-hazelcast's default-cluster.xml declares: event bus subscriptions and node information.
        c.addMultiMapConfig(new MultiMapConfig("__vertx.subs").setBackupCount(1)
                .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
        c.addMapConfig(new MapConfig("__vertx.haInfo").setBackupCount(1));
        c.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(1));
        if (cluster.usesCp()) {
            c.getCPSubsystemConfig().setCPMemberCount(3).setGroupSize(3)
                    .setSessionTimeToLiveSeconds(tuning.cpSessionTtlSeconds())
                    .setSessionHeartbeatIntervalSeconds(tuning.cpSessionHeartbeatSeconds())
                    .setRaftAlgorithmConfig(new RaftAlgorithmConfig()
                            .setLeaderElectionTimeoutInMillis(tuning.raftElectionTimeoutMillis())
                            .setLeaderHeartbeatPeriodInMillis(tuning.raftHeartbeatMillis()));
        }
        return c;
    }
}
