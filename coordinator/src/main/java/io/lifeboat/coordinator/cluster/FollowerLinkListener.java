package io.lifeboat.coordinator.cluster;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lifeboat.coordinator.config.CoordinatorConfig;
import io.lifeboat.coordinator.link.HelloAuthenticator;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.FramedConnection;
import io.lifeboat.protocol.ProtocolVersion;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.HelloAck;
import io.lifeboat.protocol.v1.HelloRefused;
import io.lifeboat.protocol.v1.LeaseGrant;
import io.lifeboat.protocol.v1.RefusalReason;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

/**
 * A follower coordinator's agent listener: it accepts agent links (same address, TLS and Hello check as the leader)
 * and grants leases, because every coordinator is a voter (DESIGN.md, "Who may run a guest"), but it sends no
 * command and journals nothing. Its HelloAck and grants carry the replicated epoch, never a higher one. What it hears
 * counts only as its vote: every heartbeat interval it publishes a {@link SilenceReport} of the hosts it has not
 * heard from lately, which the leader counts when it decides whether a host is lost.
 */
public final class FollowerLinkListener extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(FollowerLinkListener.class);

    private final CoordinatorConfig config;
    private final LongSupplier epoch;
    private final Map<String, FramedConnection> links = new HashMap<>();
    private final Map<String, Long> lastHeardNanos = new HashMap<>();
    private final long startNanos = System.nanoTime();
    private NetServer server;
    private long grants;
    private long reportTimer = -1;

    /** Creates the listener of follower {@code config.nodeId()}; {@code epoch} gives the replicated epoch. */
    public FollowerLinkListener(CoordinatorConfig config, LongSupplier epoch) {
        this.config = Objects.requireNonNull(config, "config");
        this.epoch = Objects.requireNonNull(epoch, "epoch");
    }

    /** The port the listener is bound to (after start). */
    public int actualPort() {
        return server == null ? -1 : server.actualPort();
    }

    @Override
    public Future<?> start() {
        Map<String, Optional<String>> keyIds = new LinkedHashMap<>();
        config.hosts().values().forEach(h -> keyIds.put(h.hostId(), h.keyId()));
        HelloAuthenticator authenticator = new HelloAuthenticator(config.nodeId(), config.secrets(), keyIds);
        return vertx.createNetServer(AgentListenerOptions.of(config)).connectHandler(s -> accept(s, authenticator))
                .listen().onSuccess(s -> {
                    server = s;
                    config.cluster().ifPresent(c -> {
                        long interval = config.timers().heartbeatIntervalNanos();
                        reportTimer = vertx.setPeriodic(Math.max(1, interval / 1_000_000), id -> vertx.eventBus()
                                .publish(SilenceReport.address(c.name()), silenceReport(System.nanoTime(), interval)
                                        .toJson()));
                    });
                    LOG.info("[coordinator node={} epoch={}] following: agent links on {}:{} get lease grants only",
                            config.nodeId(), epoch.getAsLong(), config.listenHost(), s.actualPort());
                });
    }

    /** The hosts this follower has not heard from for longer than {@code intervalNanos} at {@code nowNanos}. */
    SilenceReport silenceReport(long nowNanos, long intervalNanos) {
        Map<String, Long> silent = new LinkedHashMap<>();
        for (String host : config.hostIds()) {
            long since = nowNanos - lastHeardNanos.getOrDefault(host, startNanos);
            if (since > intervalNanos) {
                silent.put(host, since);
            }
        }
        return new SilenceReport(config.nodeId(), silent);
    }

    @Override
    public Future<?> stop() {
        if (reportTimer >= 0) {
            vertx.cancelTimer(reportTimer);
        }
        links.values().forEach(FramedConnection::close);
        return server == null ? Future.succeededFuture() : server.close();
    }

    private void accept(NetSocket socket, HelloAuthenticator authenticator) {
        String[] hostId = {null};
        FramedConnection[] connection = {null};
        connection[0] = new FramedConnection(socket, envelope -> {
            if (hostId[0] == null) {
                hostId[0] = hello(connection[0], envelope, authenticator);
                if (hostId[0] != null) {
                    lastHeardNanos.put(hostId[0], System.nanoTime());
                }
                return;
            }
            lastHeardNanos.put(hostId[0], System.nanoTime());
            if (envelope.hasLeaseRenew() && envelope.getSender().equals(hostId[0])) {
                connection[0].send(Envelope.newBuilder().setMessageId(config.nodeId() + "-grant-" + (++grants))
                        .setSender(config.nodeId()).setEpoch(epoch.getAsLong()).setIncarnation(epoch.getAsLong())
                        .setInReplyTo(envelope.getMessageId()).setLeaseGrant(LeaseGrant.newBuilder()
                                .setHostId(hostId[0]).setVoterId(config.nodeId())
                                .setRenewalNumber(envelope.getLeaseRenew().getRenewalNumber())
                                .setTtl(Timestamps.of(Duration.ofNanos(config.timers().leaseTtlNanos()))))
                        .build());
            }
        }, e -> LOG.warn("[coordinator node={}] link from {} closed: {}", config.nodeId(), socket.remoteAddress(),
                e.getMessage()));
        connection[0].closed().onComplete(v -> {
            if (hostId[0] != null && links.get(hostId[0]) == connection[0]) {
                links.remove(hostId[0]);
            }
        });
    }

    private String hello(FramedConnection connection, Envelope envelope, HelloAuthenticator authenticator) {
        Optional<HelloRefused> refusal = envelope.hasHello() ? authenticator.check(envelope.getHello())
                : Optional.of(HelloRefused.newBuilder().setReason(RefusalReason.REFUSAL_REASON_MALFORMED)
                        .setMessage("first envelope from " + connection.remoteAddress() + " to coordinator "
                                + config.nodeId() + " is " + envelope.getPayloadCase() + ", not a hello")
                        .setProtocolMajor(ProtocolVersion.CURRENT.major())
                        .setProtocolMinor(ProtocolVersion.CURRENT.minor()).setResponderId(config.nodeId()).build());
        if (refusal.isPresent()) {
            LOG.warn("[coordinator node={}] hello refused: {}", config.nodeId(), refusal.get().getMessage());
            connection.sendAndClose(Envelope.newBuilder().setMessageId(UUID.randomUUID().toString())
                    .setSender(config.nodeId()).setEpoch(epoch.getAsLong()).setInReplyTo(envelope.getMessageId())
                    .setHelloRefused(refusal.get()).build());
            return null;
        }
        String hostId = envelope.getHello().getSenderId();
        FramedConnection previous = links.put(hostId, connection);
        if (previous != null) {
            previous.close();
        }
        connection.send(Envelope.newBuilder().setMessageId(UUID.randomUUID().toString()).setSender(config.nodeId())
                .setEpoch(epoch.getAsLong()).setIncarnation(epoch.getAsLong()).setInReplyTo(envelope.getMessageId())
                .setHelloAck(HelloAck.newBuilder().setResponderId(config.nodeId())
                        .setProtocolMajor(ProtocolVersion.CURRENT.major())
                        .setProtocolMinor(ProtocolVersion.CURRENT.minor()).setIncarnation(epoch.getAsLong())
                        .setEpoch(epoch.getAsLong()).setSessionId(UUID.randomUUID().toString())
                        .setHeartbeatInterval(Timestamps.of(Duration.ofNanos(config.timers().heartbeatIntervalNanos())))
                        .setLeaseTtl(Timestamps.of(Duration.ofNanos(config.timers().leaseTtlNanos()))))
                .build());
        return hostId;
    }
}
