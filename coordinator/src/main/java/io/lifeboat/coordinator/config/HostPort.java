package io.lifeboat.coordinator.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * A TCP endpoint as written in the configuration: {@code "host:port"}, IPv6 literals in brackets.
 *
 * @param host host name or address (without brackets)
 * @param port TCP port
 */
public record HostPort(String host, int port) {

    /** Default port of libvirt's {@code qemu+tcp} transport, used when a hypervisor URI names none. */
    public static final int LIBVIRT_TCP_PORT = 16509;

    /**
     * Parses {@code "host:port"}.
     *
     * @param allowZero whether port 0 (any free port, for listeners) is allowed
     * @throws IllegalArgumentException saying what is wrong with the text
     */
    public static HostPort parse(String text, boolean allowZero) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not HOST:PORT");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("'" + text + "': an IPv6 address must be written in brackets");
        }
        if (host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("'" + text + "' has no usable host");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': port '" + text.substring(colon + 1)
                    + "' is not a number");
        }
        if (port < (allowZero ? 0 : 1) || port > 65535) {
            throw new IllegalArgumentException("'" + text + "': port " + port + " outside " + (allowZero ? 0 : 1)
                    + "..65535");
        }
        return new HostPort(host, port);
    }

    /**
     * Parses a hypervisor endpoint: {@code "host:port"}, or a URI such as {@code qemu+tcp://10.0.0.2/system} whose
     * host is taken, with its port or libvirt's TCP port 16509 (443 for https URIs).
     *
     * @throws IllegalArgumentException saying what is wrong with the text
     */
    public static HostPort parseEndpoint(String text) {
        if (!text.contains("://")) {
            return parse(text, false);
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + text + "' is not a URI: " + e.getMessage());
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("URI '" + text + "' names no host");
        }
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1)
                : uri.getHost();
        int port = uri.getPort() > 0 ? uri.getPort()
                : "https".equals(String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT)) ? 443 : LIBVIRT_TCP_PORT;
        return new HostPort(host, port);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
