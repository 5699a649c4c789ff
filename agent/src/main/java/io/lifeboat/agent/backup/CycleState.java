package io.lifeboat.agent.backup;

import io.lifeboat.agent.hypervisor.BackupSnapshot;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** What one running cycle knows: its stage, its snapshot, its counters, whether it was cancelled. Thread-safe. */
final class CycleState {

    final BackupRequest request;
    final long startNanos;
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();
    private final Map<Path, Long> planned = new ConcurrentHashMap<>();
    private volatile String stage = "snapshot";
    private volatile BackupSnapshot snapshot;
    private volatile String cancelReason;
    private volatile Throwable readFailure;

    CycleState(BackupRequest request, long startNanos) {
        this.request = request;
        this.startNanos = startNanos;
    }

    String stage() {
        return stage;
    }

    void stage(String stage) {
        this.stage = stage;
    }

    BackupSnapshot snapshot() {
        return snapshot;
    }

    void snapshot(BackupSnapshot snapshot) {
        this.snapshot = snapshot;
    }

    void cancel(String reason) {
        cancelReason = reason;
    }

    boolean cancelled() {
        return cancelReason != null;
    }

    void checkNotCancelled() throws BackupCancelledException {
        String reason = cancelReason;
        if (reason != null) {
            throw new BackupCancelledException("backup cycle " + request.cycleId() + " of guest " + request.guestId()
                    + " cancelled in stage " + stage + ": " + reason);
        }
    }

    void planned(Path disk, long bytes) {
        planned.putIfAbsent(disk, bytes);
    }

    long bytesTotal() {
        return planned.values().stream().mapToLong(Long::longValue).sum();
    }

    void read(long n) {
        bytesRead.addAndGet(n);
    }

    long bytesRead() {
        return bytesRead.get();
    }

    void sent(long total) {
        bytesSent.set(total);
    }

    long bytesSent() {
        return bytesSent.get();
    }

    void readFailed(Throwable e) {
        if (!(e instanceof BackupCancelledException)) {
            readFailure = e;
        }
    }

    Throwable readFailure() {
        return readFailure;
    }
}
