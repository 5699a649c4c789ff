package io.lifeboat.coordinator.api.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Login rate limiting: after {@code maxFailures} failed logins in a row for one user name, or from one client
 * address, further attempts for it are refused for {@code lockout} (HTTP 429 with Retry-After) without checking the
 * password. A success clears the user's and the address's count. Single-threaded: use it on the event loop.
 */
public final class LoginThrottle {

    private static final int MAX_KEYS = 100_000;
    private final int maxFailures;
    private final Duration lockout;
    private final Map<String, Counter> counters = new HashMap<>();

    private static final class Counter {
        int failures;
        Instant lockedUntil = Instant.MIN;
        Instant lastFailure = Instant.MIN;
    }

    /** Locks a user or an address out for {@code lockout} after {@code maxFailures} failures in a row. */
    public LoginThrottle(int maxFailures, Duration lockout) {
        this.maxFailures = maxFailures;
        this.lockout = lockout;
    }

    /** 5 failures, 30 s lockout. */
    public static LoginThrottle defaults() {
        return new LoginThrottle(5, Duration.ofSeconds(30));
    }

    /** How long until {@code user} from {@code address} may try again, or empty when it may try now. */
    public Optional<Duration> retryAfter(String user, String address, Instant now) {
        Duration wait = Duration.ZERO;
        for (String key : keys(user, address)) {
            Counter c = counters.get(key);
            if (c != null && now.isBefore(c.lockedUntil)) {
                Duration left = Duration.between(now, c.lockedUntil);
                wait = left.compareTo(wait) > 0 ? left : wait;
            }
        }
        return wait.isZero() ? Optional.empty() : Optional.of(wait);
    }

    /** Counts a failed login; the key that reaches {@code maxFailures} is locked out from {@code now}. */
    public void failed(String user, String address, Instant now) {
        if (counters.size() > MAX_KEYS) {
            counters.values().removeIf(c -> now.isAfter(c.lockedUntil) && now.isAfter(c.lastFailure.plus(lockout)));
        }
        for (String key : keys(user, address)) {
            Counter c = counters.computeIfAbsent(key, k -> new Counter());
            c.failures++;
            c.lastFailure = now;
            if (c.failures >= maxFailures) {
                c.lockedUntil = now.plus(lockout);
                c.failures = 0;
            }
        }
    }

    /** Clears the counts of {@code user} and {@code address} after a successful login. */
    public void succeeded(String user, String address) {
        for (String key : keys(user, address)) {
            counters.remove(key);
        }
    }

    private static String[] keys(String user, String address) {
        return new String[] {"user:" + user, "addr:" + address};
    }
}
