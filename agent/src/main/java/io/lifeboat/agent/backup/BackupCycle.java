package io.lifeboat.agent.backup;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import io.lifeboat.agent.hypervisor.BackupSnapshot;
import io.lifeboat.agent.hypervisor.HypervisorDriver;
import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.protocol.v1.BackupResult;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.Failure;
import io.lifeboat.protocol.v1.ReplicationCommitted;
import io.lifeboat.protocol.v1.ReplicationFailed;
import io.lifeboat.protocol.v1.ReplicationProgress;
import io.lifeboat.protocol.v1.ReplicationStarted;
import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.replication.PushRequest;
import io.lifeboat.storage.replication.PushResult;
import io.lifeboat.storage.replication.ReplicationException;
import io.lifeboat.storage.store.ImageOpener;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Runs backup cycles of a host's guests: release stale snapshots, snapshot all disks together, read the frozen
 * bases (allocated grains only) into the storage incremental scan, push the changed chunks to the standby store,
 * which commits the point, then release the snapshot — always, also on failure or cancel. Emits
 * ReplicationStarted, at most one ReplicationProgress per second, then ReplicationCommitted or ReplicationFailed.
 */
public final class BackupCycle {

    private static final Logger LOG = LoggerFactory.getLogger(BackupCycle.class);
    private static final long PROGRESS_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long OPEN_TIMEOUT_SECONDS = 120;

    private final String sourceHostId;
    private final HypervisorDriver driver;
    private final ChunkPusher pusher;
    private final Path digestDir;
    private final ReplicationEventSink events;
    private final Clock clock;
    private final LongSupplier nanoTime;

    /**
     * @param sourceHostId this host's id, for the events
     * @param digestDir    where the per-grain digests of earlier cycles live (the incremental's memory)
     * @param clock        wall clock for point and snapshot times
     * @param nanoTime     monotonic clock for durations and the progress rate
     */
    public BackupCycle(String sourceHostId, HypervisorDriver driver, ChunkPusher pusher, Path digestDir,
                       ReplicationEventSink events, Clock clock, LongSupplier nanoTime) {
        this.sourceHostId = sourceHostId;
        this.driver = driver;
        this.pusher = pusher;
        this.digestDir = digestDir;
        this.events = events;
        this.clock = clock;
        this.nanoTime = nanoTime;
    }

    /** A cycle runner with the system clocks. */
    public BackupCycle(String sourceHostId, HypervisorDriver driver, ChunkPusher pusher, Path digestDir,
                       ReplicationEventSink events) {
        this(sourceHostId, driver, pusher, digestDir, events, Clock.systemUTC(), System::nanoTime);
    }

    /** A started cycle: its outcome, and a way to cancel it. */
    public static final class Running {
        private final CycleState state;
        private final Future<BackupResult> result;

        private Running(CycleState state, Future<BackupResult> result) {
            this.state = state;
            this.result = result;
        }

        /**
         * Completes with the committed point, or fails: {@link HypervisorException} (snapshot, release),
         * {@link ReplicationException} (send, commit), {@link IOException} (read), {@link BackupCancelledException}.
         * The snapshot has been released (or its release attempted) by the time it completes.
         */
        public Future<BackupResult> result() {
            return result;
        }

        /**
         * Asks the cycle to stop: it stops at its next step or read, releases the snapshot and fails with
         * {@link BackupCancelledException}. A cycle that already committed keeps its point.
         */
        public void cancel(String reason) {
            state.cancel(reason);
        }
    }

    /** Starts a cycle; returns at once. */
    public Running start(BackupRequest request) {
        CycleState st = new CycleState(request, nanoTime.getAsLong());
        events.publish(ReplicationStarted.newBuilder().setGuestId(request.guestId()).setCycleId(request.cycleId())
                .setSourceHostId(sourceHostId).setTarget(request.target()).setBasePointId(request.basePointId())
                .build());
        LOG.info("[agent host={}] backup cycle {} of guest {} ({}) to {} started", sourceHostId, request.cycleId(),
                request.guestId(), request.guest(), request.target().getAddress());
        Future<PushResult> pushed = step(st, () -> driver.releaseStaleSnapshots(request.guest()))
                .compose(stale -> {
                    if (!stale.isEmpty()) {
                        LOG.warn("[agent host={}] guest {}: released stale snapshots {} before cycle {}",
                                sourceHostId, request.guest(), stale, request.cycleId());
                    }
                    return step(st, () -> driver.snapshotForBackup(request.guest()));
                })
                .compose(snapshot -> {
                    st.snapshot(snapshot);
                    st.stage("read");
                    return step(st, () -> pusher.push(request.target(), pushRequest(st, snapshot)));
                });
        Future<BackupResult> result = pushed.transform(push -> release(st).transform(rel -> finish(st, push, rel)));
        return new Running(st, result);
    }

    private static <T> Future<T> step(CycleState st, java.util.function.Supplier<Future<T>> next) {
        try {
            st.checkNotCancelled();
            return next.get();
        } catch (IOException | RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    private PushRequest pushRequest(CycleState st, BackupSnapshot snapshot) {
        Map<Path, Integer> index = new HashMap<>();
        List<Path> images = new java.util.ArrayList<>();
        for (int i = 0; i < snapshot.disks().size(); i++) {
            Path p = Path.of(snapshot.disks().get(i).basePath());
            index.put(p, i);
            images.add(p);
        }
        AtomicLong lastProgress = new AtomicLong(st.startNanos);
        ImageOpener opener = path -> {
            st.checkNotCancelled();
            Integer i = index.get(path);
            if (i == null) {
                throw new IOException("backup cycle " + st.request.cycleId() + ": " + path + " is not a disk of snapshot "
                        + snapshot.snapshotId());
            }
            return new CycleImage(join(driver.openFrozenBase(snapshot, i), path), path, st);
        };
        // Progress comes while chunks are sent, after the scan read every allocated byte: sending reads the chunks the
        // store lacks (total) a second time, so the cycle reads the planned bytes plus those in all.
        return new PushRequest(st.request.guestId(), images, digestDir, opener, (done, total) -> {
            st.sent(done);
            long now = nanoTime.getAsLong();
            long last = lastProgress.get();
            if (now - last >= PROGRESS_INTERVAL_NANOS && lastProgress.compareAndSet(last, now)) {
                events.publish(ReplicationProgress.newBuilder().setGuestId(st.request.guestId())
                        .setCycleId(st.request.cycleId()).setBytesRead(st.bytesRead()).setBytesSent(done)
                        .setBytesTotal(st.bytesTotal() + total).setElapsed(duration(now - st.startNanos)).build());
            }
        });
    }

    private static DiskImage join(Future<DiskImage> future, Path path) throws IOException {
        try {
            return future.toCompletionStage().toCompletableFuture().get(OPEN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while opening the frozen base " + path);
        } catch (TimeoutException e) {
            throw new IOException("frozen base " + path + " did not open within " + OPEN_TIMEOUT_SECONDS + " s", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException("frozen base " + path + ": " + e.getCause(), e.getCause());
        }
    }

    /** Releases the snapshot if one was taken; never fails: the outcome says whether it was released. */
    private Future<Throwable> release(CycleState st) {
        BackupSnapshot snapshot = st.snapshot();
        if (snapshot == null) {
            return Future.succeededFuture(null);
        }
        Future<Void> released;
        try {
            released = driver.releaseSnapshot(snapshot);
        } catch (RuntimeException e) {
            released = Future.failedFuture(e);
        }
        return released.transform(ar -> Future.succeededFuture(ar.failed() ? ar.cause() : null));
    }

    private Future<BackupResult> finish(CycleState st, AsyncResult<PushResult> push, AsyncResult<Throwable> rel) {
        BackupRequest req = st.request;
        Throwable releaseFailure = rel.result();
        boolean released = releaseFailure == null;
        BackupSnapshot snapshot = st.snapshot();
        if (push.succeeded()) {
            PushResult p = push.result();
            Instant taken = snapshot.takenAt();
            BackupResult result = BackupResult.newBuilder().setPointId(p.pointId()).setBytesRead(p.bytesRead())
                    .setBytesSent(p.wireBytesSent()).setSnapshotTime(timestamp(taken)).build();
            events.publish(ReplicationCommitted.newBuilder().setGuestId(req.guestId()).setCycleId(req.cycleId())
                    .setPointId(p.pointId()).setBytesRead(p.bytesRead()).setBytesSent(p.wireBytesSent())
                    .setDuration(duration(nanoTime.getAsLong() - st.startNanos)).setSnapshotTime(timestamp(taken))
                    .setTargetHostId(req.target().getHostId()).build());
            LOG.info("[agent host={}] backup cycle {} of guest {} committed {} (read {} bytes, sent {} bytes)",
                    sourceHostId, req.cycleId(), req.guestId(), p.pointId(), p.bytesRead(), p.wireBytesSent());
            if (released) {
                return Future.succeededFuture(result);
            }
            return failed(st, "release", releaseFailure, false);
        }
        Throwable cause = push.cause();
        String stage = st.stage();
        if (st.readFailure() != null && !(cause instanceof BackupCancelledException)) {
            stage = "read";
        } else if (cause instanceof ReplicationException) {
            stage = "send";
        }
        if (!released) {
            LOG.error("[agent host={}] guest {}: snapshot {} NOT released after failed cycle {}: {}", sourceHostId,
                    req.guest(), snapshot.snapshotId(), req.cycleId(), releaseFailure.getMessage());
        }
        return failed(st, stage, cause, released);
    }

    private <T> Future<T> failed(CycleState st, String stage, Throwable cause, boolean released) {
        BackupRequest req = st.request;
        Failure failure = classify(st, stage, cause);
        events.publish(ReplicationFailed.newBuilder().setGuestId(req.guestId()).setCycleId(req.cycleId())
                .setStage(stage).setFailure(failure).setSnapshotReleased(released).build());
        LOG.warn("[agent host={}] backup cycle {} of guest {} failed in stage {} (snapshot released: {}): {}",
                sourceHostId, req.cycleId(), req.guestId(), stage, released, failure.getMessage());
        return Future.failedFuture(cause);
    }

    /** Maps a cycle failure to the class, code and one-line message that travel in ReplicationFailed. */
    static Failure classify(CycleState st, String stage, Throwable cause) {
        String where = "backup cycle " + st.request.cycleId() + " of guest " + st.request.guestId() + ", stage "
                + stage + ": ";
        String text = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        Failure.Builder f = Failure.newBuilder().setMessage(where + text);
        if (cause instanceof HypervisorException h) {
            return f.setErrorClass(h.errorClass()).setCode(h.code()).build();
        }
        if (cause instanceof BackupCancelledException) {
            return f.setErrorClass(ErrorClass.ERROR_CLASS_PERMANENT).setCode("cancelled").build();
        }
        if (cause instanceof ReplicationException) {
            return f.setErrorClass(ErrorClass.ERROR_CLASS_RETRIABLE).setCode("replication_failed").build();
        }
        if (cause instanceof IOException) {
            return f.setErrorClass(ErrorClass.ERROR_CLASS_RETRIABLE).setCode("read".equals(stage) ? "read_failed"
                    : "io_failed").build();
        }
        return f.setErrorClass(ErrorClass.ERROR_CLASS_PERMANENT).setCode("backup_failed").build();
    }

    private static Duration duration(long nanos) {
        return Duration.newBuilder().setSeconds(nanos / 1_000_000_000L).setNanos((int) (nanos % 1_000_000_000L)).build();
    }

    private static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }
}
