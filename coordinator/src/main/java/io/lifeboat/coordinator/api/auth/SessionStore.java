package io.lifeboat.coordinator.api.auth;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The logged-in web sessions: a random id (the cookie's value, 256 bits) maps to the user, the role and a random
 * CSRF token. A session ends at logout or after {@code idleTimeout} without a request. Ids and tokens are never
 * logged. Single-threaded: use it on the coordinator's event loop.
 */
public final class SessionStore {

    /**
     * One session.
     *
     * @param user who logged in
     * @param admin whether the user may take actions
     * @param csrfToken the token state-changing requests must carry in {@code X-CSRF-Token}
     */
    public record Session(String user, boolean admin, String csrfToken) {

        /** Whether {@code token} is this session's CSRF token (constant-time comparison). */
        public boolean csrfMatches(String token) {
            return token != null && MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
                    csrfToken.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return "Session[user=" + user + ", role=" + (admin ? "admin" : "viewer") + "]";
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_SESSIONS = 10_000;
    private final Duration idleTimeout;
    private final Map<String, Entry> sessions = new HashMap<>();

    private static final class Entry {
        final Session session;
        Instant lastUsed;

        Entry(Session session, Instant lastUsed) {
            this.session = session;
            this.lastUsed = lastUsed;
        }
    }

    /** Creates an empty store whose sessions end after {@code idleTimeout} unused. */
    public SessionStore(Duration idleTimeout) {
        this.idleTimeout = idleTimeout;
    }

    /** Starts a session for {@code user}; returns its id (the cookie value) and the session. */
    public Map.Entry<String, Session> create(String user, boolean admin, Instant now) {
        expire(now);
        if (sessions.size() >= MAX_SESSIONS) {
            // Drop the least recently used one rather than grow without bound.
            sessions.entrySet().stream().min((a, b) -> a.getValue().lastUsed.compareTo(b.getValue().lastUsed))
                    .map(Map.Entry::getKey).ifPresent(sessions::remove);
        }
        String id = random();
        Session session = new Session(user, admin, random());
        sessions.put(id, new Entry(session, now));
        return Map.entry(id, session);
    }

    /** The live session with id {@code id}, refreshed as used at {@code now}. */
    public Optional<Session> find(String id, Instant now) {
        if (id == null) {
            return Optional.empty();
        }
        Entry e = sessions.get(id);
        if (e == null) {
            return Optional.empty();
        }
        if (now.isAfter(e.lastUsed.plus(idleTimeout))) {
            sessions.remove(id);
            return Optional.empty();
        }
        e.lastUsed = now;
        return Optional.of(e.session);
    }

    /** Whether the session with id {@code id} is live at {@code now}, without counting this as a use. */
    public boolean isLive(String id, Instant now) {
        Entry e = id == null ? null : sessions.get(id);
        return e != null && !now.isAfter(e.lastUsed.plus(idleTimeout));
    }

    /** Ends the session with id {@code id}, if any. */
    public void remove(String id) {
        if (id != null) {
            sessions.remove(id);
        }
    }

    /** How many sessions are live at {@code now}. */
    public int size(Instant now) {
        expire(now);
        return sessions.size();
    }

    private void expire(Instant now) {
        sessions.values().removeIf(e -> now.isAfter(e.lastUsed.plus(idleTimeout)));
    }

    private static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
