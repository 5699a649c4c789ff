package io.lifeboat.coordinator.cluster;

import io.lifeboat.coordinator.config.CoordinatorConfig;
import io.lifeboat.coordinator.config.HostPort;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** What {@code coordinator --check} says about the cluster and the agent listener's TLS, as JSON and as text. */
public final class ClusterCheck {

    private ClusterCheck() {
    }

    /** The {@code cluster} object of {@code --check --json}, or null for a single coordinator. */
    public static JsonObject clusterJson(CoordinatorConfig config) {
        return config.cluster().map(c -> new JsonObject().put("name", c.name()).put("host", c.host())
                .put("port", c.port()).put("eventBusPort", c.eventBusPort())
                .put("members", new JsonArray(c.addresses().stream().map(HostPort::toString).toList()))
                .put("cpSubsystem", c.usesCp()).put("cpMemberCount", c.usesCp() ? 3 : 0)
                .put("leaderLock", LeaderElection.LOCK_NAME)
                .put("cpSessionTtlSeconds", HazelcastSetup.Tuning.DEFAULTS.cpSessionTtlSeconds())
                .put("multicast", false).put("phoneHome", false)).orElse(null);
    }

    /** The {@code agentTls} object of {@code --check --json}, or null for plain TCP. */
    public static JsonObject agentTlsJson(CoordinatorConfig config) {
        return config.agentTls().map(t -> new JsonObject().put("cert", t.cert().toString())
                .put("key", t.key().toString()).put("trust", t.trust().map(Object::toString).orElse(null))
                .put("clientAuth", t.clientAuthRequired() ? "required" : "none")).orElse(null);
    }

    /** One clause for the text of {@code --check}: the cluster and the agent listener's transport. */
    public static String text(CoordinatorConfig config) {
        String cluster = config.cluster().map(c -> "cluster " + c.name() + " of " + c.members().size()
                + " coordinators " + c.addresses() + " (leadership from the CP subsystem's " + LeaderElection.LOCK_NAME
                + " lock)").orElse("single coordinator (epoch in its journal)");
        String tls = config.agentTls().map(t -> "agent links over TLS" + (t.clientAuthRequired()
                ? " with client certificates required" : "")).orElse("agent links over plain TCP");
        return cluster + ", " + tls;
    }
}
