package io.lifeboat.coordinator.cluster;

import java.util.Objects;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.cp.lock.FencedLock;

import io.lifeboat.coordinator.MonotonicClock;

/**
 * Contends for the CP subsystem's {@code FencedLock} "lifeboat-leader" on its own thread (the lock belongs to the
 * thread that took it), reports the fence when it is taken, re-confirms it every {@code checkMillis}, and reports
 * its loss (CP session expired, instance stopped). {@link #lastConfirmedNanos()} lets the owner step down on its own
 * when confirmations stop, before the others can see the session expire; {@link #relinquish()} then releases the
 * lock as soon as the CP group answers again.
 */
public final class LeaderElection implements AutoCloseable {

    /** Name of the lock whose holder leads. */
    public static final String LOCK_NAME = "lifeboat-leader";
    private static final Logger LOG = LoggerFactory.getLogger(LeaderElection.class);

    /** What the election reports, from its own thread. */
    public interface Listener {
        /** This node took the lock with {@code fence}. */
        void elected(long fence);

        /** This node lost the lock it held. */
        void lost(String why);
    }

    private final String nodeId;
    private final HazelcastInstance hazelcast;
    private final Listener listener;
    private final MonotonicClock clock;
    private final long checkMillis;
    private final Thread thread;
    private final Object wake = new Object();
    private volatile boolean closed;
    private volatile boolean relinquish;
    private volatile long lastConfirmedNanos;

    /** Creates the election; {@link #start()} begins contending. */
    public LeaderElection(String nodeId, HazelcastInstance hazelcast, Listener listener, MonotonicClock clock,
                          long checkMillis) {
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.hazelcast = Objects.requireNonNull(hazelcast, "hazelcast");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.checkMillis = checkMillis;
        this.thread = new Thread(this::run, "lifeboat-leader-election-" + nodeId);
        this.thread.setDaemon(true);
    }

    /** Starts contending for the lock. */
    public void start() {
        thread.start();
    }

    /** Monotonic time at which the last confirmation of the held lock started. */
    public long lastConfirmedNanos() {
        return lastConfirmedNanos;
    }

    /** Asks the election thread to release the lock (the owner has stepped down) and to contend again. */
    public void relinquish() {
        relinquish = true;
        signal();
    }

    @Override
    public void close() {
        closed = true;
        signal();
    }

    /** Waits up to {@code millis} for the election thread to end (after {@link #close()}, once it released the lock). */
    public void awaitStopped(long millis) throws InterruptedException {
        if (thread.isAlive()) {
            thread.join(millis);
        }
    }

    private void signal() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void pause(long millis) {
        synchronized (wake) {
            if (!closed && !relinquish) {
                try {
                    wake.wait(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    closed = true;
                }
            }
        }
    }

    private void run() {
        FencedLock lock;
        try {
            lock = hazelcast.getCPSubsystem().getLock(LOCK_NAME);
        } catch (RuntimeException e) {
            LOG.error("[coordinator node={}] cannot reach the CP lock {}: {}", nodeId, LOCK_NAME, e.toString());
            return;
        }
        while (!closed) {
            relinquish = false;
            long fence;
            try {
                long started = clock.nanoTime();
                fence = lock.tryLockAndGetFence(1, TimeUnit.SECONDS);
                if (fence == FencedLock.INVALID_FENCE) {
                    continue;
                }
                lastConfirmedNanos = started;
            } catch (HazelcastInstanceNotActiveException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("[coordinator node={}] contending for {} failed, retrying: {}", nodeId, LOCK_NAME,
                        e.toString());
                pause(1000);
                continue;
            }
            LOG.info("[coordinator node={}] took the leader lock with fence {}", nodeId, fence);
            listener.elected(fence);
            String why = hold(lock, fence);
            if (why != null) {
                listener.lost(why);
            }
        }
    }

    /** Confirms the lock until it is lost (returns why) or given up (returns null). */
    private String hold(FencedLock lock, long fence) {
        while (true) {
            pause(checkMillis);
            if (closed || relinquish) {
                try {
                    lock.unlock();
                } catch (RuntimeException e) {
                    LOG.debug("[coordinator node={}] releasing the leader lock: {}", nodeId, e.toString());
                }
                return null;
            }
            try {
                long started = clock.nanoTime();
                long now = lock.getFence();
                if (now != fence) {
                    return "the leader lock's fence changed from " + fence + " to " + now;
                }
                lastConfirmedNanos = started;
            } catch (HazelcastInstanceNotActiveException e) {
                closed = true;
                return "this node's Hazelcast member stopped";
            } catch (IllegalMonitorStateException e) {
                return "the leader lock is no longer held (CP session expired?): " + e.getClass().getSimpleName();
            } catch (RuntimeException e) {
                try {
                    // Still held, perhaps: release it so that a later tryLock does not re-enter it.
                    lock.unlock();
                } catch (RuntimeException ignored) {
                    LOG.debug("[coordinator node={}] releasing the leader lock: {}", nodeId, ignored.toString());
                }
                return "confirming the leader lock failed: " + e;
            }
        }
    }
}
