package io.lifeboat.coordinator.notify;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and to whom notification mails go (the config's {@code notify} section).
 *
 * @param host the SMTP server's host name or address
 * @param port its port
 * @param startTls whether STARTTLS is used when offered, required, or never used
 * @param user the SMTP login, or empty to send without authentication
 * @param passwordFile the file holding the login's password (read at start, never logged), or empty
 * @param from the sender address
 * @param to the recipients, at least one
 */
public record MailSettings(String host, int port, StartTls startTls, Optional<String> user,
                           Optional<Path> passwordFile, String from, List<String> to) {

    /** How the client uses STARTTLS. */
    public enum StartTls {
        /** Upgrade when the server offers it. */
        OPTIONAL,
        /** Refuse to send unless the server upgrades. */
        REQUIRED,
        /** Never upgrade. */
        DISABLED
    }

    /** Creates the settings, copying the recipients. */
    public MailSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(startTls, "startTls");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(passwordFile, "passwordFile");
        Objects.requireNonNull(from, "from");
        to = List.copyOf(to);
        if (to.isEmpty()) {
            throw new IllegalArgumentException("notify.to: no recipient");
        }
    }
}
