package io.lifeboat.coordinator.api.auth;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.lifeboat.coordinator.config.CoordinatorConfig;

/**
 * The users of the REST API from the coordinator config, and the password check. Checking costs one PBKDF2
 * derivation (about 0.1 to 0.5 s of CPU) whether or not the user exists, so that timing tells nothing: run it on a
 * worker pool, never on an event loop.
 */
public final class UserDirectory {

    /**
     * A user who proved their password.
     *
     * @param name the user name
     * @param admin whether the role is admin (else viewer)
     */
    public record User(String name, boolean admin) {
    }

    /**
     * What an unknown user's password is checked against: a well-formed hash of nothing (its bytes are arbitrary),
     * so that the check costs the same PBKDF2 derivation as a real one; a constant, so that creating the directory
     * derives nothing on the event loop.
     */
    private static final String DUMMY_HASH = "pbkdf2-sha256$" + PasswordHasher.MIN_ITERATIONS
            + "$bm8gdXNlciBoYXMgdGhpcw$bm8gdXNlciBoYXMgdGhpcyBwYXNzd29yZCBoYXNoISE";
    private final Map<String, CoordinatorConfig.UserConfig> users;

    /**
     * Creates the directory.
     *
     * @throws IllegalArgumentException naming the user whose hash is malformed
     */
    public UserDirectory(Map<String, CoordinatorConfig.UserConfig> users) {
        this.users = new LinkedHashMap<>(users);
        for (CoordinatorConfig.UserConfig u : users.values()) {
            try {
                PasswordHasher.validate(u.passwordHash());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("users." + u.name() + ".passwordHash: " + e.getMessage(), e);
            }
        }
    }

    /** Whether any user is configured. */
    public boolean isEmpty() {
        return users.isEmpty();
    }

    /** The user when {@code password} is theirs; empty for a wrong password or an unknown user alike. Blocking. */
    public Optional<User> authenticate(String name, char[] password) {
        CoordinatorConfig.UserConfig u = users.get(name);
        boolean ok = PasswordHasher.matches(password, u == null ? DUMMY_HASH : u.passwordHash());
        return ok && u != null ? Optional.of(new User(u.name(), u.admin())) : Optional.empty();
    }
}
