package io.lifeboat.coordinator.cluster;

import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.Callable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.cp.IAtomicLong;

import io.lifeboat.coordinator.CoordinatorVerticle;
import io.lifeboat.coordinator.MonotonicClock;
import io.lifeboat.coordinator.config.CoordinatorConfig;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * One member of a coordinator cluster: a clustered Vert.x on Hazelcast that follows (journal replication, agent
 * links with lease grants only) until its {@link LeaderElection} takes the CP lock, then leads: it deploys the
 * {@link CoordinatorVerticle} on its journal with an epoch above every earlier leader's, and ships its records with
 * a {@link JournalReplicator}. When the lock is lost, or cannot be confirmed for longer than the tuning allows, it
 * undeploys the verticle at once (no more commands) and follows again.
 */
public final class ClusteredCoordinator {

    /** Name of the CP counter holding the highest epoch any leader took. */
    public static final String EPOCH_COUNTER = "lifeboat-epoch";
    /** How long a leader waits for a majority to hold a batch before it acts on it anyway. */
    public static final long ACK_TIMEOUT_MILLIS = 2000;
    private static final Logger LOG = LoggerFactory.getLogger(ClusteredCoordinator.class);

    private final CoordinatorConfig config;
    private final CoordinatorConfig.ClusterConfig cluster;
    private final HazelcastSetup.Tuning tuning;
    private final MonotonicClock clock;
    private final Clock wall;
    private Vertx vertx;
    private HazelcastClusterManager manager;
    private Context context;
    private LeaderElection election;
    private Future<Void> transitions = Future.succeededFuture();
    private volatile JournalFollower follower;
    private String followerId;
    private volatile FollowerLinkListener listener;
    private String listenerId;
    private String httpId;
    private volatile CoordinatorVerticle leader;
    private String leaderId;
    private JournalReplicator replicator;
    private volatile boolean leading;
    private boolean closing;
    private volatile long terms;

    private ClusteredCoordinator(CoordinatorConfig config, HazelcastSetup.Tuning tuning, MonotonicClock clock,
                                 Clock wall) {
        this.config = Objects.requireNonNull(config, "config");
        this.cluster = config.cluster().orElseThrow(() -> new IllegalArgumentException("coordinator "
                + config.nodeId() + " has no cluster block"));
        this.tuning = Objects.requireNonNull(tuning, "tuning");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.wall = Objects.requireNonNull(wall, "wall");
    }

    /** Joins the cluster named in {@code config}, follows, and contends for leadership. */
    public static Future<ClusteredCoordinator> start(CoordinatorConfig config, HazelcastSetup.Tuning tuning) {
        return start(config, tuning, MonotonicClock.SYSTEM, Clock.systemUTC());
    }

    /** As {@link #start(CoordinatorConfig, HazelcastSetup.Tuning)}, with injected clocks. */
    public static Future<ClusteredCoordinator> start(CoordinatorConfig config, HazelcastSetup.Tuning tuning,
                                                     MonotonicClock clock, Clock wall) {
        ClusteredCoordinator member = new ClusteredCoordinator(config, tuning, clock, wall);
        return member.begin().map(member);
    }

    private Future<Void> begin() {
        manager = new HazelcastClusterManager(HazelcastSetup.config(config.nodeId(), cluster, tuning));
        VertxOptions options = new VertxOptions().setEventBusOptions(new EventBusOptions().setHost(cluster.host())
                .setPort(cluster.eventBusPort()));
        return Vertx.builder().with(options).withClusterManager(manager).buildClustered().compose(v -> {
            vertx = v;
            context = v.getOrCreateContext();
            return onContext(this::follow);
        }).map(v -> {
            election = new LeaderElection(config.nodeId(), manager.getHazelcastInstance(), new LeaderElection.Listener() {
                @Override
                public void elected(long fence) {
                    context.runOnContext(x -> transition(() -> lead(fence)));
                }

                @Override
                public void lost(String why) {
                    context.runOnContext(x -> transition(() -> stepDown(why)));
                }
            }, clock, Math.max(100, tuning.cpSessionHeartbeatSeconds() * 250L));
            election.start();
            context.runOnContext(x -> vertx.setPeriodic(100, id -> watchdog()));
            LOG.info("[coordinator node={}] joined cluster {} as {}:{} with members {}", config.nodeId(),
                    cluster.name(), cluster.host(), cluster.port(), cluster.addresses());
            return null;
        });
    }

    /** This coordinator's node id. */
    public String nodeId() {
        return config.nodeId();
    }

    /** Whether this node leads (sends commands) right now. */
    public boolean isLeader() {
        return leading;
    }

    /** How many times this node has become leader. */
    public long terms() {
        return terms;
    }

    /** The epoch this node leads with, or the replicated epoch while it follows. */
    public long epoch() {
        CoordinatorVerticle l = leader;
        if (l != null) {
            return l.epoch();
        }
        JournalFollower f = follower;
        return f == null ? 0 : f.epoch();
    }

    /** The port agents link to on this node (the leader's or the follower's listener), or -1 between the two. */
    public int agentPort() {
        CoordinatorVerticle l = leader;
        if (l != null) {
            return l.actualPort();
        }
        FollowerLinkListener f = listener;
        return f == null ? -1 : f.actualPort();
    }

    /** The leading verticle, while this node leads. */
    public java.util.Optional<CoordinatorVerticle> leaderVerticle() {
        return java.util.Optional.ofNullable(leader);
    }

    /** A copy of this node's state: the leader's, or the replicated one. */
    public Future<CoordinatorState> stateCopy() {
        CoordinatorVerticle l = leader;
        if (l != null) {
            return l.stateCopy();
        }
        JournalFollower f = follower;
        return f == null ? Future.failedFuture("coordinator " + config.nodeId() + " is between roles")
                : f.stateCopy();
    }

    /**
     * While leading: batches a majority of the members held before this leader acted on them, and batches it acted
     * on after waiting {@value #ACK_TIMEOUT_MILLIS} ms in vain; {0, 0} while following.
     */
    public long[] replicationAcknowledgements() {
        JournalReplicator r = replicator;
        return r == null ? new long[] {0, 0} : r.acknowledgements();
    }

    /** The clustered Vert.x instance. */
    public Vertx vertx() {
        return vertx;
    }

    /** This node's Hazelcast member. */
    public HazelcastInstance hazelcast() {
        return manager.getHazelcastInstance();
    }

    /**
     * Leaves the cluster: stops leading first (no more commands), then releases the leader lock so that another
     * member takes over at once rather than after the CP session TTL, then closes Vert.x and the Hazelcast member.
     */
    public Future<Void> close() {
        leading = false;
        if (election == null) {
            return vertx == null ? Future.succeededFuture() : vertx.close();
        }
        return onContext(() -> {
            closing = true;
            return stopLeading();
        }).compose(v -> vertx.<Void>executeBlocking(() -> {
            election.close();
            election.awaitStopped(3000);
            return null;
        })).eventually(() -> vertx.close());
    }

    private void transition(Callable<Future<Void>> step) {
        transitions = transitions.transform(ar -> {
            try {
                return step.call();
            } catch (Exception e) {
                return Future.failedFuture(e);
            }
        }).recover(e -> {
            LOG.error("[coordinator node={}] role change failed: {}", config.nodeId(), e.toString());
            return Future.succeededFuture();
        });
    }

    private Future<Void> onContext(Callable<Future<Void>> step) {
        Promise<Void> done = Promise.promise();
        context.runOnContext(v -> {
            transition(step);
            transitions.onComplete(done);
        });
        return done.future();
    }

    private Future<Void> follow() {
        if (closing) {
            return Future.succeededFuture();
        }
        JournalFollower f = new JournalFollower(config.nodeId(), cluster.name(), config.journalDir());
        return vertx.deployVerticle(f).compose(id -> {
            follower = f;
            followerId = id;
            FollowerLinkListener l = new FollowerLinkListener(config, f::epoch);
            return vertx.deployVerticle(l).compose(lid -> {
                listener = l;
                listenerId = lid;
                if (config.http().isEmpty()) {
                    return Future.<Void>succeededFuture();
                }
                return vertx.deployVerticle(new FollowerHttpServer(config, f::leaderId, f::epoch)).map(hid -> {
                    httpId = hid;
                    return (Void) null;
                });
            });
        });
    }

    private Future<Void> lead(long fence) {
        if (closing) {
            election.relinquish();
            return Future.succeededFuture();
        }
        if (leader != null) {
            return Future.succeededFuture();
        }
        long journalEpoch = follower == null ? 0 : follower.epoch();
        return undeployFollower().compose(v -> vertx.executeBlocking(() -> nextEpoch(fence, journalEpoch)))
                .compose(epoch -> {
                    JournalReplicator r = new JournalReplicator(vertx, config.nodeId(), cluster.name(),
                            cluster.members().size() / 2, ACK_TIMEOUT_MILLIS);
                    CoordinatorVerticle verticle = new CoordinatorVerticle(config, clock, wall,
                            new LeaderTerm(epoch, r));
                    return r.start().compose(x -> vertx.deployVerticle(verticle)).map(id -> {
                        replicator = r;
                        leader = verticle;
                        leaderId = id;
                        leading = true;
                        terms++;
                        LOG.info("[coordinator node={} epoch={}] leading cluster {} (fence {})", config.nodeId(),
                                verticle.epoch(), cluster.name(), fence);
                        return (Void) null;
                    }).recover(e -> r.close().transform(x -> Future.failedFuture(e)));
                }).recover(e -> {
                    LOG.error("[coordinator node={}] could not take over: {}; following again", config.nodeId(),
                            e.getMessage());
                    election.relinquish();
                    return follow();
                });
    }

    /** The epoch of a new term: above the fence, the journal's epoch and every epoch a leader took before (CP). */
    private long nextEpoch(long fence, long journalEpoch) {
        IAtomicLong highest = manager.getHazelcastInstance().getCPSubsystem().getAtomicLong(EPOCH_COUNTER);
        while (true) {
            long before = highest.get();
            long epoch = Math.max(fence, Math.max(journalEpoch, before) + 1);
            if (highest.compareAndSet(before, epoch)) {
                return epoch;
            }
        }
    }

    private Future<Void> undeployFollower() {
        String f = followerId;
        String l = listenerId;
        String h = httpId;
        follower = null;
        followerId = null;
        listener = null;
        listenerId = null;
        httpId = null;
        Future<Void> closed = (h == null ? Future.<Void>succeededFuture() : vertx.undeploy(h))
                .compose(v -> l == null ? Future.succeededFuture() : vertx.undeploy(l));
        return closed.compose(v -> f == null ? Future.succeededFuture() : vertx.undeploy(f));
    }

    private Future<Void> stepDown(String why) {
        leading = false;
        if (leader == null) {
            return Future.succeededFuture();
        }
        LOG.warn("[coordinator node={} epoch={}] no longer leading: {}", config.nodeId(), leader.epoch(), why);
        return stopLeading().compose(v -> follow());
    }

    private Future<Void> stopLeading() {
        leading = false;
        if (leader == null) {
            return Future.succeededFuture();
        }
        String id = leaderId;
        JournalReplicator r = replicator;
        leader = null;
        leaderId = null;
        replicator = null;
        return vertx.undeploy(id).recover(e -> {
            LOG.warn("[coordinator node={}] stopping the leader verticle: {}", config.nodeId(), e.getMessage());
            return Future.succeededFuture();
        }).compose(v -> r.close());
    }

    private void watchdog() {
        if (leading && clock.nanoTime() - election.lastConfirmedNanos() > tuning.stepDownAfterNanos()) {
            leading = false;
            election.relinquish();
            transition(() -> stepDown("the leader lock was not confirmed for "
                    + tuning.stepDownAfterNanos() / 1_000_000_000L + " s (CP session may expire)"));
        }
    }
}
