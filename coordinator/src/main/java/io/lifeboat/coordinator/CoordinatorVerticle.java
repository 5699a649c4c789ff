package io.lifeboat.coordinator;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lifeboat.coordinator.cluster.AgentListenerOptions;
import io.lifeboat.coordinator.cluster.LeaderTerm;
import io.lifeboat.coordinator.cluster.SilenceReport;
import io.lifeboat.coordinator.compat.CompatibilityEngine;
import io.lifeboat.coordinator.config.CoordinatorConfig;
import io.lifeboat.coordinator.core.CoordinatorCore;
import io.lifeboat.coordinator.core.CoreOutput;
import io.lifeboat.coordinator.core.GuestProtection;
import io.lifeboat.coordinator.core.HostEndpoints;
import io.lifeboat.coordinator.core.JournalEvents;
import io.lifeboat.coordinator.core.TransitionLines;
import io.lifeboat.coordinator.failover.FailoverPlanner;
import io.lifeboat.coordinator.failover.OutboundCommand;
import io.lifeboat.coordinator.api.RestApi;
import io.lifeboat.coordinator.http.StatusHttpServer;
import io.lifeboat.coordinator.http.StatusView;
import io.lifeboat.coordinator.journal.Journal;
import io.lifeboat.coordinator.link.HelloAuthenticator;
import io.lifeboat.coordinator.metrics.LifeboatMetrics;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.Addresses;
import io.lifeboat.protocol.FrameException;
import io.lifeboat.protocol.FramedConnection;
import io.lifeboat.protocol.ProtobufMessageCodec;
import io.lifeboat.protocol.ProtocolVersion;
import io.lifeboat.protocol.v1.CoordinatorSnapshot;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.EpochStarted;
import io.lifeboat.protocol.v1.HelloAck;
import io.lifeboat.protocol.v1.HelloRefused;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.RefusalReason;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

/**
 * The coordinator as a Vert.x verticle: a thin adapter that accepts agent links (lifeboat.v1 frames, Hello check),
 * feeds envelopes and a 100 ms tick to the {@link CoordinatorCore} on its event loop, appends the core's records to
 * the {@link Journal} on a named worker pool (fsync), sends commands only once their records are durable (I4), and
 * then logs each transition and publishes the events those records announce on {@code lifeboat.events}. When an
 * agent links, the commands outstanding for its host are sent again; with {@code http} configured it also serves
 * {@code /metrics} and {@code /api/v1/status}.
 *
 * <p>In-process use: {@code vertx.deployVerticle(new CoordinatorVerticle(CoordinatorConfigLoader.load(path)))}, then
 * {@link #actualPort()}, {@link #httpPort()}, {@link #status()}, {@link #stateCopy()}.
 */
public final class CoordinatorVerticle extends VerticleBase {

    /** Name of the worker pool that runs journal appends and fsync. */
    public static final String JOURNAL_POOL = "lifeboat-coordinator-journal";
    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorVerticle.class);
    private static final int SNAPSHOT_EVERY_RECORDS = 10_000;

    private final CoordinatorConfig config;
    private final MonotonicClock monotonic;
    private final Clock wall;
    private final Map<String, Session> sessions = new HashMap<>();
    private WorkerExecutor journalPool;
    private Journal journal;
    private CoordinatorCore core;
    private HelloAuthenticator authenticator;
    private NetServer server;
    private Future<Void> appended = Future.succeededFuture();
    private long recordsSinceSnapshot;
    private long journalRecords;
    /** The journal as replayed at start, held until the drill history is rebuilt from it. */
    private List<JournalRecord> replayedRecords = List.of();
    private StatusHttpServer http;
    private LifeboatMetrics metrics;
    private long timerId = -1;
    private boolean failed;
    private final LeaderTerm term;
    private io.lifeboat.coordinator.notify.Notifier notifier;
    private io.vertx.core.eventbus.MessageConsumer<Object> notifyEvents;
    private long rpoTimerId = -1;

    /** Creates the verticle with the system clocks. */
    public CoordinatorVerticle(CoordinatorConfig config) {
        this(config, MonotonicClock.SYSTEM, Clock.systemUTC());
    }

    /** Creates the verticle with injected clocks (tests). */
    public CoordinatorVerticle(CoordinatorConfig config, MonotonicClock monotonic, Clock wall) {
        this(config, monotonic, wall, LeaderTerm.SINGLE);
    }

    /** Creates the leader of a coordinator cluster: its epoch is at least the term's floor, its records shipped. */
    public CoordinatorVerticle(CoordinatorConfig config, MonotonicClock monotonic, Clock wall, LeaderTerm term) {
        this.config = Objects.requireNonNull(config, "config");
        this.monotonic = Objects.requireNonNull(monotonic, "monotonic");
        this.wall = Objects.requireNonNull(wall, "wall");
        this.term = Objects.requireNonNull(term, "term");
    }

    /** The port the agent listener is bound to (after start). */
    public int actualPort() {
        return server == null ? -1 : server.actualPort();
    }

    /** The port the HTTP server (metrics, status) is bound to, or -1 when the config has no {@code http}. */
    public int httpPort() {
        return http == null ? -1 : http.actualPort();
    }

    /** A copy of the coordinator's state, taken on its event loop; safe to call from any thread after start. */
    public Future<CoordinatorState> stateCopy() {
        return onLoop(() -> core.state().copy());
    }

    /** The {@code GET /api/v1/status} document, rendered on its event loop; safe to call from any thread after start. */
    public Future<JsonObject> status() {
        return onLoop(() -> StatusView.render(core, wall.instant()));
    }

    private <T> Future<T> onLoop(java.util.function.Supplier<T> read) {
        if (context == null || core == null) {
            return Future.failedFuture(new IllegalStateException("coordinator " + config.nodeId()
                    + " has not started"));
        }
        Promise<T> result = Promise.promise();
        context.runOnContext(v -> {
            try {
                result.complete(read.get());
            } catch (RuntimeException e) {
                result.fail(e);
            }
        });
        return result.future();
    }

    /** The current epoch (after start). */
    public long epoch() {
        return core == null ? 0 : core.epoch();
    }

    /** Why automatic failover is not armed on this site, or empty when it is (after start). */
    public Optional<String> failoverNotArmedReason() {
        return core == null ? Optional.empty() : core.leases().placementProblem();
    }

    @Override
    public Future<?> start() {
        journalPool = vertx.createSharedWorkerExecutor(JOURNAL_POOL, 1);
        metrics = new LifeboatMetrics(() -> journalRecords);
        try {
            ProtobufMessageCodec.install(vertx.eventBus());
        } catch (IllegalStateException alreadyInstalled) {
            // Another verticle of this Vert.x instance installed the codec first.
        }
        Map<String, Optional<String>> keyIds = new LinkedHashMap<>();
        config.hosts().values().forEach(h -> keyIds.put(h.hostId(), h.keyId()));
        authenticator = new HelloAuthenticator(config.nodeId(), config.secrets(), keyIds);
        return journalPool.executeBlocking(() -> {
            Journal opened = Journal.open(config.journalDir());
            CoordinatorState state = new CoordinatorState();
            // Parsed once, here on the journal pool: the state and, below, the drill history replay the same list.
            List<JournalRecord> replayed = new ArrayList<>();
            if (opened.replay().snapshot().isPresent()) {
                replayed.addAll(CoordinatorSnapshot.parseFrom(opened.replay().snapshot().get().state())
                        .getRecordsList());
            }
            for (byte[] bytes : opened.replay().records()) {
                replayed.add(JournalRecord.parseFrom(bytes));
            }
            replayed.forEach(state::apply);
            replayedRecords = replayed;
            if (term.epochFloor() > state.epoch() + 1) {
                // The cluster's fence is above the journal's epoch: reserve up to it, so the epoch started is the fence.
                JournalRecord floor = JournalRecord.newBuilder().setEpochStarted(EpochStarted.newBuilder()
                        .setEpoch(term.epochFloor() - 1).setNodeId(config.nodeId())).build();
                opened.append(floor.toByteArray());
                state.apply(floor);
            }
            term.tap().opened(state.copy(), opened.nextIndex());
            journal = opened;
            journalRecords = opened.replay().records().size();
            return state;
        }).compose(state -> {
            FailoverPlanner planner = new FailoverPlanner(config.nodeId(), new CompatibilityEngine(),
                    FailoverPlanner.Settings.defaults());
            core = new CoordinatorCore(config.nodeId(), config.timers(), config.placement(),
                    Set.copyOf(config.hostIds()), planner, state, monotonic.nanoTime());
            replayedRecords.forEach(core.drills()::apply);
            replayedRecords = List.of();
            List<GuestProtection> protections = config.guests().values().stream()
                    .map(g -> new GuestProtection(g.guestId(), g.name(), g.primaryHostId(), g.standbyHostId(),
                            g.plan(), g.rpo())).toList();
            List<HostEndpoints> endpoints = config.hosts().values().stream()
                    .map(h -> new HostEndpoints(h.hostId(), h.store(), h.probeHypervisor(), h.probeSsh())).toList();
            persist(core.configure(List.copyOf(config.plans().values()), protections, endpoints));
            persist(core.start(wall.instant()));
            core.leases().placementProblem().ifPresent(why -> LOG.warn("[coordinator node={} epoch={}] automatic "
                    + "failover not armed: {}", config.nodeId(), core.epoch(), why));
            return appended;
        }).compose(v -> vertx.createNetServer(AgentListenerOptions.of(config)).connectHandler(this::accept)
                .listen()).map(s -> {
                    server = s;
                    timerId = vertx.setPeriodic(100, id -> {
                        if (!failed) {
                            persist(core.tick(monotonic.nanoTime(), wall.instant()));
                        }
                    });
                    // The other coordinators of a cluster are voters too: their silence reports count (ADR 0014).
                    config.cluster().ifPresent(c -> vertx.eventBus().<JsonObject>consumer(
                            SilenceReport.address(c.name()), m -> onSilenceReport(m.body())));
                    LOG.info("[coordinator node={} epoch={}] listening for agents on {}:{}", config.nodeId(),
                            core.epoch(), config.listenHost(), s.actualPort());
                    return s;
                }).compose(s -> {
                    if (config.http().isEmpty()) {
                        return Future.succeededFuture(s);
                    }
                    http = new StatusHttpServer(vertx, core, wall, metrics)
                            .api(new RestApi(vertx, core, config, wall, monotonic::nanoTime, this::journalThenSend),
                                    !config.users().isEmpty())
                            .tls(config.httpTls());
                    return http.listen(config.http().get()).map(h -> {
                        LOG.info("[coordinator node={} epoch={}] REST API, page and metrics on {}://{}:{}/ ({} users)",
                                config.nodeId(), core.epoch(), http.https() ? "https" : "http",
                                config.http().get().host(), h.actualPort(), config.users().size());
                        return s;
                    });
                }).compose(s -> startNotifier().map(s));
    }

    /** With {@code notify} configured: mails failovers (records), events, and RPO violations (every 5 s). */
    private Future<Void> startNotifier() {
        if (config.mail().isEmpty()) {
            return Future.succeededFuture();
        }
        return io.lifeboat.coordinator.notify.Notifier.start(vertx, config.mail().get(),
                "[coordinator node=" + config.nodeId() + "]").compose(n -> {
                    notifier = n;
                    rpoTimerId = vertx.setPeriodic(5_000, id -> notifier.onRpoCheck(core.state(),
                            core.replication(wall.instant()), wall.instant()));
                    notifyEvents = vertx.eventBus().consumer(Addresses.EVENTS, m -> {
                        if (m.body() instanceof Envelope event) {
                            notifier.onEvent(event, core.state());
                        }
                    });
                    return notifyEvents.completion();
                });
    }

    private void onSilenceReport(JsonObject json) {
        try {
            SilenceReport report = SilenceReport.fromJson(json);
            core.onCoordinatorReport(report.coordinatorId(), report.silentNanosByHost(), monotonic.nanoTime());
        } catch (IllegalArgumentException e) {
            LOG.warn("[coordinator node={} epoch={}] {}", config.nodeId(), core.epoch(), e.getMessage());
        }
    }

    @Override
    public Future<?> stop() {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
        if (rpoTimerId >= 0) {
            vertx.cancelTimer(rpoTimerId);
        }
        List<Future<?>> closing = new ArrayList<>();
        sessions.values().forEach(s -> closing.add(s.connection.close()));
        if (server != null) {
            closing.add(server.close());
        }
        if (http != null) {
            closing.add(http.close());
        }
        if (notifyEvents != null) {
            closing.add(notifyEvents.unregister());
        }
        if (notifier != null) {
            closing.add(notifier.close());
        }
        return Future.join(closing).eventually(() -> appended.eventually(() -> journalPool.executeBlocking(() -> {
            if (journal != null) {
                journal.close();
            }
            return null;
        }))).eventually(() -> journalPool.close()).andThen(v -> metrics.close());
    }

    /** An admin action's output (REST API): journaled like any other, done once its records are durable. */
    private Future<Void> journalThenSend(CoreOutput out) {
        if (failed) {
            return Future.failedFuture(new IllegalStateException("coordinator " + config.nodeId()
                    + " stopped writing its journal after a write failure"));
        }
        persist(out);
        return appended;
    }

    /** Sends replies now; journals records on the worker pool, in order; sends commands once they are durable. */
    private void persist(CoreOutput out) {
        out.replies().forEach(this::send);
        if (out.records().isEmpty()) {
            // Nothing new to journal, but earlier records may still be on their way to the disk. (Most calls, the
            // renewals and heartbeats of every agent every second, have no command either: no listener for them.)
            if (!out.commands().isEmpty()) {
                appended = appended.onSuccess(v -> out.commands().forEach(this::send));
            }
            return;
        }
        List<byte[]> bytes = out.records().stream().map(JournalRecord::toByteArray).toList();
        boolean snapshot = (recordsSinceSnapshot += bytes.size()) >= SNAPSHOT_EVERY_RECORDS;
        byte[] state = snapshot ? core.state().toSnapshot().toByteArray() : null;
        if (snapshot) {
            recordsSinceSnapshot = 0;
        }
        appended = appended.compose(v -> journalPool.executeBlocking(() -> {
            long last = journal.append(bytes);
            // In a cluster, commands wait until a majority holds the records (or the tap stops waiting).
            Future<Void> replicated = term.tap().appended(last - bytes.size() + 1, bytes);
            if (state != null) {
                journal.snapshot(state);
            }
            return replicated;
        }, true)).compose(replicated -> replicated).onSuccess(v -> {
            journalRecords += bytes.size();
            out.commands().forEach(this::send);
            for (JournalRecord record : out.records()) {
                metrics.onRecord(record);
                if (record.hasDrillGuestFinished()) {
                    var drilled = record.getDrillGuestFinished().getResult();
                    metrics.onDrillFinished(drilled.getBootVerified(), java.time.Duration.ofSeconds(
                            drilled.getRto().getSeconds(), drilled.getRto().getNanos()));
                }
                TransitionLines.Line line = TransitionLines.of(record, core.state());
                if (line.warn()) {
                    LOG.warn("[coordinator node={} epoch={}] {}", config.nodeId(), core.epoch(), line.text());
                } else {
                    LOG.info("[coordinator node={} epoch={}] {}", config.nodeId(), core.epoch(), line.text());
                }
                JournalEvents.of(record, core.state(), config.nodeId())
                        .forEach(event -> vertx.eventBus().publish(Addresses.EVENTS, event));
                if (notifier != null) {
                    notifier.onRecord(record, core.state());
                }
            }
        }).onFailure(e -> {
            failed = true;
            LOG.error("[coordinator node={} epoch={}] journal write failed, no command is sent any more: {}",
                    config.nodeId(), core.epoch(), e.getMessage());
        });
    }

    private void send(OutboundCommand command) {
        Session session = sessions.get(command.hostId());
        if (session != null) {
            session.send(command.envelope());
        }
    }

    private void accept(NetSocket socket) {
        new Session(socket);
    }

    /** One agent link: the first envelope must be an acceptable Hello. */
    private final class Session {
        final FramedConnection connection;
        String hostId;
        long incarnation;
        long sequence;

        Session(NetSocket socket) {
            connection = new FramedConnection(socket, this::receive, this::rejected);
            connection.closed().onComplete(v -> {
                if (hostId != null && sessions.get(hostId) == this) {
                    sessions.remove(hostId);
                }
            });
        }

        void rejected(FrameException e) {
            LOG.warn("[coordinator node={}] link from {} closed: {}", config.nodeId(), connection.remoteAddress(),
                    e.getMessage());
        }

        void send(Envelope envelope) {
            connection.send(envelope.toBuilder().setIncarnation(core.epoch()).setSequence(++sequence).build());
        }

        void receive(Envelope envelope) {
            if (hostId == null) {
                hello(envelope);
                return;
            }
            if (!envelope.getSender().equals(hostId)) {
                LOG.warn("[coordinator node={}] link of {} carried an envelope from '{}': closing it",
                        config.nodeId(), hostId, envelope.getSender());
                connection.close();
                return;
            }
            if (!failed) {
                persist(core.onEnvelope(hostId, envelope, monotonic.nanoTime(), wall.instant()));
            }
            metrics.onEnvelope(hostId, envelope);
            if (notifier != null) {
                // Fenced reports from agents (events on lifeboat.events reach it through its consumer).
                notifier.onEvent(envelope, core.state());
            }
            switch (envelope.getPayloadCase()) {
                // Replication news from agents, for the REST API's events and progress bars.
                case REPLICATION_STARTED, REPLICATION_PROGRESS, REPLICATION_COMMITTED, REPLICATION_FAILED ->
                        vertx.eventBus().publish(Addresses.EVENTS, envelope);
                default -> {
                }
            }
        }

        void hello(Envelope envelope) {
            Optional<HelloRefused> refusal = envelope.hasHello() ? authenticator.check(envelope.getHello())
                    : Optional.of(HelloRefused.newBuilder().setReason(RefusalReason.REFUSAL_REASON_MALFORMED)
                            .setMessage("first envelope from " + connection.remoteAddress() + " to coordinator "
                                    + config.nodeId() + " is " + envelope.getPayloadCase() + ", not a hello")
                            .setProtocolMajor(ProtocolVersion.CURRENT.major())
                            .setProtocolMinor(ProtocolVersion.CURRENT.minor()).setResponderId(config.nodeId())
                            .build());
            Session existing = envelope.hasHello() ? sessions.get(envelope.getHello().getSenderId()) : null;
            if (refusal.isEmpty() && existing != null
                    && Long.compareUnsigned(existing.incarnation, envelope.getHello().getIncarnation()) > 0) {
                refusal = Optional.of(HelloRefused.newBuilder()
                        .setReason(RefusalReason.REFUSAL_REASON_STALE_INCARNATION)
                        .setMessage("host " + existing.hostId + " already has a link with incarnation "
                                + existing.incarnation + ", newer than " + envelope.getHello().getIncarnation())
                        .setProtocolMajor(ProtocolVersion.CURRENT.major())
                        .setProtocolMinor(ProtocolVersion.CURRENT.minor()).setResponderId(config.nodeId()).build());
            }
            if (refusal.isPresent()) {
                LOG.warn("[coordinator node={}] hello refused: {}", config.nodeId(), refusal.get().getMessage());
                connection.sendAndClose(Envelope.newBuilder().setMessageId(UUID.randomUUID().toString())
                        .setSender(config.nodeId()).setEpoch(core.epoch()).setInReplyTo(envelope.getMessageId())
                        .setHelloRefused(refusal.get()).build());
                return;
            }
            hostId = envelope.getHello().getSenderId();
            incarnation = envelope.getHello().getIncarnation();
            if (existing != null) {
                existing.connection.close();
            }
            sessions.put(hostId, this);
            if (envelope.getHello().getHighestEpochSeen() > core.epoch()) {
                LOG.error("[coordinator node={} epoch={}] host {} has seen epoch {}: this coordinator's journal is "
                        + "behind; its commands will be refused", config.nodeId(), core.epoch(), hostId,
                        envelope.getHello().getHighestEpochSeen());
            }
            send(Envelope.newBuilder().setMessageId(UUID.randomUUID().toString()).setSender(config.nodeId())
                    .setEpoch(core.epoch()).setInReplyTo(envelope.getMessageId())
                    .setHelloAck(HelloAck.newBuilder().setResponderId(config.nodeId())
                            .setProtocolMajor(ProtocolVersion.CURRENT.major())
                            .setProtocolMinor(ProtocolVersion.CURRENT.minor()).setIncarnation(core.epoch())
                            .setEpoch(core.epoch()).setSessionId(UUID.randomUUID().toString())
                            .setHeartbeatInterval(Timestamps.of(Duration.ofNanos(config.timers()
                                    .heartbeatIntervalNanos())))
                            .setLeaseTtl(Timestamps.of(Duration.ofNanos(config.timers().leaseTtlNanos()))))
                    .build());
            persist(core.onEnvelope(hostId, envelope, monotonic.nanoTime(), wall.instant()));
            persist(core.linkUp(hostId));
        }
    }
}
