package io.lifeboat.agent.backup;

import io.lifeboat.agent.hypervisor.GuestRef;
import io.lifeboat.protocol.v1.BackupResult;
import io.lifeboat.protocol.v1.StoreTarget;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Standalone mode: runs a backup cycle of each configured guest every interval, without a coordinator. A guest
 * whose previous cycle still runs is skipped for that tick; stopping the verticle cancels running cycles (their
 * snapshots are released).
 */
public final class BackupSchedule extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(BackupSchedule.class);

    /**
     * One scheduled guest.
     *
     * @param guestId Lifeboat's id of the guest
     * @param guest   the guest on this host's hypervisor
     * @param target  the store its points go to
     */
    public record Entry(String guestId, GuestRef guest, StoreTarget target) {
    }

    private final BackupCycle cycle;
    private final List<Entry> entries;
    private final Duration interval;
    private final Map<String, BackupCycle.Running> running = new ConcurrentHashMap<>();
    private final Map<String, String> lastPoint = new ConcurrentHashMap<>();
    private long timer = -1;

    public BackupSchedule(BackupCycle cycle, List<Entry> entries, Duration interval) {
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("backup interval must be positive, got " + interval);
        }
        this.cycle = cycle;
        this.entries = List.copyOf(entries);
        this.interval = interval;
    }

    @Override
    public Future<?> start() {
        timer = vertx.setPeriodic(0, interval.toMillis(), id -> tick());
        return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() {
        vertx.cancelTimer(timer);
        List<Future<BackupResult>> pending = new ArrayList<>();
        for (BackupCycle.Running r : running.values()) {
            r.cancel("agent stopping");
            pending.add(r.result());
        }
        return Future.join(pending).otherwiseEmpty();
    }

    /** The last point committed for {@code guestId} by this schedule, or null. */
    public String lastPoint(String guestId) {
        return lastPoint.get(guestId);
    }

    private void tick() {
        for (Entry e : entries) {
            if (running.containsKey(e.guestId())) {
                LOG.info("guest {}: previous backup cycle still running, skipping this tick", e.guestId());
                continue;
            }
            String base = lastPoint.getOrDefault(e.guestId(), "");
            BackupCycle.Running r = cycle.start(new BackupRequest(e.guestId(), e.guest(), e.target(),
                    UUID.randomUUID().toString(), base));
            running.put(e.guestId(), r);
            r.result().onComplete(ar -> {
                running.remove(e.guestId(), r);
                if (ar.succeeded()) {
                    lastPoint.put(e.guestId(), ar.result().getPointId());
                }
            });
        }
    }
}
