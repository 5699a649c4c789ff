package io.lifeboat.storage.replication;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * A token bucket for {@code --limit-rate}: {@link #acquire} blocks the calling worker thread until the bytes fit
 * the rate. Bursts are capped at a quarter second of traffic (at least 64 KiB). Never call it on an event loop.
 */
public final class RateLimiter {

    private final long bytesPerSecond;
    private final long burst;
    private final LongSupplier nanoTime;
    private double tokens;
    private long last;

    /** A limiter of {@code bytesPerSecond} (0 or less: unlimited). */
    public RateLimiter(long bytesPerSecond) {
        this(bytesPerSecond, System::nanoTime);
    }

    RateLimiter(long bytesPerSecond, LongSupplier nanoTime) {
        this.bytesPerSecond = bytesPerSecond;
        this.burst = Math.max(64 * 1024, bytesPerSecond / 4);
        this.nanoTime = nanoTime;
        this.last = nanoTime.getAsLong();
        this.tokens = burst;
    }

    /** Whether a limit is set. */
    public boolean limited() {
        return bytesPerSecond > 0;
    }

    /** Waits until {@code bytes} may be sent. */
    public synchronized void acquire(long bytes) {
        if (bytesPerSecond <= 0) {
            return;
        }
        refill();
        tokens -= bytes;
        while (tokens < 0) {
            long waitNs = (long) (-tokens * 1e9 / bytesPerSecond);
            LockSupport.parkNanos(Math.max(waitNs, 100_000));
            refill();
        }
    }

    private void refill() {
        long now = nanoTime.getAsLong();
        tokens = Math.min(burst, tokens + (now - last) * bytesPerSecond / 1e9);
        last = now;
    }

    /** Parses {@code 500k}, {@code 10M}, {@code 1G} or a plain byte count (per second); binary multiples. */
    public static long parseRate(String text) {
        String t = text.trim();
        long mult = 1;
        char last = Character.toUpperCase(t.charAt(t.length() - 1));
        if (last == 'K' || last == 'M' || last == 'G') {
            mult = last == 'K' ? 1024 : last == 'M' ? 1024 * 1024 : 1024L * 1024 * 1024;
            t = t.substring(0, t.length() - 1);
        }
        try {
            long v = Long.parseLong(t) * mult;
            if (v <= 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("rate '" + text + "' is not a positive byte count like 500k, 10M or 1G");
        }
    }
}
