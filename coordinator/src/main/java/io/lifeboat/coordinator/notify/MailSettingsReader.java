package io.lifeboat.coordinator.notify;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.lifeboat.coordinator.config.ConfigException;

/**
 * Reads the config's {@code notify} section strictly.
 *
 * <pre>
 * notify:
 *   smtp: {host: mail.example.org, port: 587, startTls: required, user: lifeboat, passwordFile: smtp.pass}
 *   from: lifeboat@example.org
 *   to: [admin@example.org]
 * </pre>
 */
public final class MailSettingsReader {

    private MailSettingsReader() {
    }

    /** Reads the {@code notify} value of {@code file}; relative paths resolve against {@code base}. */
    public static MailSettings read(Object value, Path file, Path base) {
        Map<?, ?> notify = map(value, file, "notify");
        allowOnly(notify, file, "notify", "smtp", "from", "to");
        Map<?, ?> smtp = map(required(notify, file, "notify", "smtp"), file, "notify.smtp");
        allowOnly(smtp, file, "notify.smtp", "host", "port", "startTls", "user", "passwordFile");
        String host = string(required(smtp, file, "notify.smtp", "host"), file, "notify.smtp.host");
        int port = 25;
        if (smtp.get("port") != null) {
            if (!(smtp.get("port") instanceof Integer p) || p < 1 || p > 65535) {
                throw new ConfigException(file + ": notify.smtp.port: expected a port in 1..65535, got '"
                        + smtp.get("port") + "'");
            }
            port = p;
        }
        MailSettings.StartTls startTls = MailSettings.StartTls.OPTIONAL;
        if (smtp.get("startTls") != null) {
            String text = string(smtp.get("startTls"), file, "notify.smtp.startTls");
            try {
                startTls = MailSettings.StartTls.valueOf(text.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(file + ": notify.smtp.startTls: '" + text
                        + "' is none of optional, required, disabled");
            }
        }
        Optional<String> user = Optional.ofNullable(smtp.get("user"))
                .map(u -> string(u, file, "notify.smtp.user"));
        Optional<Path> passwordFile = Optional.ofNullable(smtp.get("passwordFile"))
                .map(p -> base.resolve(string(p, file, "notify.smtp.passwordFile")));
        if (passwordFile.isPresent() && !Files.isReadable(passwordFile.get())) {
            throw new ConfigException(file + ": notify.smtp.passwordFile: cannot read " + passwordFile.get());
        }
        if (passwordFile.isPresent() != user.isPresent()) {
            throw new ConfigException(file + ": notify.smtp: user and passwordFile go together");
        }
        String from = address(required(notify, file, "notify", "from"), file, "notify.from");
        Object toValue = required(notify, file, "notify", "to");
        if (!(toValue instanceof List<?> items) || items.isEmpty()) {
            throw new ConfigException(file + ": notify.to: expected a list of at least one address");
        }
        List<String> to = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String address = address(items.get(i), file, "notify.to[" + i + "]");
            if (to.contains(address)) {
                throw new ConfigException(file + ": notify.to[" + i + "]: " + address + " is listed twice");
            }
            to.add(address);
        }
        return new MailSettings(host, port, startTls, user, passwordFile, from, to);
    }

    private static Map<?, ?> map(Object value, Path file, String path) {
        if (!(value instanceof Map<?, ?> m)) {
            throw new ConfigException(file + ": " + path + ": expected a mapping");
        }
        return m;
    }

    private static void allowOnly(Map<?, ?> map, Path file, String path, String... keys) {
        Set<String> allowed = Set.of(keys);
        for (Object key : map.keySet()) {
            if (!allowed.contains(String.valueOf(key))) {
                throw new ConfigException(file + ": " + path + "." + key + ": unknown key (allowed: "
                        + String.join(", ", keys) + ")");
            }
        }
    }

    private static Object required(Map<?, ?> map, Path file, String path, String key) {
        Object v = map.get(key);
        if (v == null) {
            throw new ConfigException(file + ": " + path + "." + key + ": missing");
        }
        return v;
    }

    private static String string(Object value, Path file, String path) {
        if (value instanceof Map || value instanceof List) {
            throw new ConfigException(file + ": " + path + ": expected a string");
        }
        return String.valueOf(value);
    }

    private static String address(Object value, Path file, String path) {
        String text = string(value, file, path).strip();
        int at = text.indexOf('@');
        if (at <= 0 || at != text.lastIndexOf('@') || at == text.length() - 1 || text.chars()
                .anyMatch(c -> c <= ' ' || c == '<' || c == '>' || c == ',' || c == ';')) {
            throw new ConfigException(file + ": " + path + ": '" + text + "' is not an email address");
        }
        return text;
    }
}
