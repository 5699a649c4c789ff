package io.lifeboat.coordinator.notify;

import java.util.Objects;

/**
 * One mail to the admin.
 *
 * @param kind what it is about (for logs): failover, failback, drill, rpo, fence
 * @param subject the subject line, starting with {@code [lifeboat]}
 * @param body the plain-text body: what happened, where, and what to do next
 */
public record Notification(String kind, String subject, String body) {

    /** Checks the parts. */
    public Notification {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(body, "body");
    }
}
