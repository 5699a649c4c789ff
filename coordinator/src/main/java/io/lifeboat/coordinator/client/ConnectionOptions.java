package io.lifeboat.coordinator.client;

import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BiFunction;

import javax.net.ssl.SSLContext;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

import picocli.CommandLine.Option;

/**
 * The options every REST client command shares ({@code --url}, {@code --user}, {@code --config}) and how they are
 * resolved: the URL from the flag, else {@code LIFEBOAT_URL}, else the config file's {@code http.listen}; the user from
 * the flag, else {@code LIFEBOAT_USER}; the password from {@code LIFEBOAT_PASSWORD}, else a prompt on the console
 * (never from an argument).
 */
public final class ConnectionOptions {

    /** Where the coordinator's HTTP server listens when nothing says otherwise. */
    public static final String DEFAULT_URL = "http://127.0.0.1:7480";

    @Option(names = "--url", paramLabel = "URL", description = "Coordinator address, e.g. http://127.0.0.1:7480 "
            + "(default: $LIFEBOAT_URL, else http.listen of --config, else " + DEFAULT_URL + ").")
    String url;

    @Option(names = "--config", paramLabel = "FILE", description = "Coordinator YAML config to take http.listen "
            + "from.")
    Path config;

    @Option(names = "--ca", paramLabel = "PEM", description = "Trust the certificates in this PEM file for HTTPS "
            + "(default: the JDK's trust store, plus http.tls.cert of --config).")
    Path ca;

    @Option(names = "--user", paramLabel = "NAME", description = "User to log in as (default: $LIFEBOAT_USER). "
            + "The password comes from $LIFEBOAT_PASSWORD or a prompt.")
    String user;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    /** The environment (tests replace it). */
    Map<String, String> env = System.getenv();

    /** Asks for a password given a prompt; returns null when there is no one to ask (tests replace it). */
    BiFunction<String, Boolean, char[]> prompt = ConnectionOptions::consolePrompt;

    /** The coordinator's base URL. */
    public URI url() {
        String text = url;
        if (text == null || text.isBlank()) {
            text = env.get("LIFEBOAT_URL");
        }
        if ((text == null || text.isBlank()) && config != null) {
            text = fromConfig(config);
        }
        if (text == null || text.isBlank()) {
            text = DEFAULT_URL;
        }
        if (!text.contains("://")) {
            text = "http://" + text;
        }
        try {
            URI uri = URI.create(text.strip());
            if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                throw new IllegalArgumentException("not http://HOST:PORT");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("coordinator URL '" + text + "' is not http(s)://HOST:PORT");
        }
    }

    /** The user name. */
    public String user() {
        String name = user;
        if (name == null || name.isBlank()) {
            name = env.get("LIFEBOAT_USER");
        }
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("no user to log in as: give --user NAME or set LIFEBOAT_USER");
        }
        return name;
    }

    /** The password of {@code name} at {@code where}. */
    public char[] password(String name, URI where) {
        String fromEnv = env.get("LIFEBOAT_PASSWORD");
        if (fromEnv != null) {
            return fromEnv.toCharArray();
        }
        char[] typed = prompt.apply("Password for " + name + " at " + where + ": ", true);
        if (typed == null) {
            throw new IllegalArgumentException("no password for " + name + " at " + where
                    + ": set LIFEBOAT_PASSWORD or run on a terminal to be asked");
        }
        return typed;
    }

    /** Asks a yes/no question; null when there is no one to ask. */
    String ask(String question) {
        char[] answer = prompt.apply(question, false);
        return answer == null ? null : new String(answer);
    }

    /** A client logged in as the resolved user. */
    public LifeboatClient login() {
        URI where = url();
        String name = user();
        char[] password = password(name, where);
        LifeboatClient client = new LifeboatClient(where, trust(where));
        try {
            client.login(name, password);
        } finally {
            java.util.Arrays.fill(password, '\0');
        }
        return client;
    }

    /** An SSL context trusting {@code --ca} or the config's certificate, or null for the JDK's defaults. */
    SSLContext trust(URI where) {
        if (!"https".equals(where.getScheme())) {
            return null;
        }
        Path pem = ca;
        if (pem == null && config != null) {
            pem = certificateOf(config);
        }
        return pem == null ? null : Trust.context(pem);
    }

    /** {@code http.tls.cert} of a coordinator config (resolved against the file's directory), or null. */
    static Path certificateOf(Path file) {
        if (yaml(file) instanceof Map<?, ?> top && top.get("http") instanceof Map<?, ?> http
                && http.get("tls") instanceof Map<?, ?> tls && tls.get("cert") != null) {
            Path cert = Path.of(tls.get("cert").toString());
            Path base = file.toAbsolutePath().getParent();
            return cert.isAbsolute() || base == null ? cert : base.resolve(cert);
        }
        return null;
    }

    /** {@code http.listen} of a coordinator config, as a URL (https when {@code http.tls} is set). */
    static String fromConfig(Path file) {
        Object root = yaml(file);
        if (!(root instanceof Map<?, ?> top) || !(top.get("http") instanceof Map<?, ?> http)
                || http.get("listen") == null) {
            throw new IllegalArgumentException(file + ": no http.listen, so the coordinator serves no REST API; "
                    + "give --url");
        }
        String listen = http.get("listen").toString().strip();
        int colon = listen.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(file + ": http.listen '" + listen + "' is not HOST:PORT");
        }
        String host = listen.substring(0, colon);
        if (host.equals("0.0.0.0") || host.isEmpty()) {
            host = "127.0.0.1";
        } else if (host.equals("::") || host.equals("[::]")) {
            host = "[::1]";
        }
        return (http.get("tls") != null ? "https://" : "http://") + host + listen.substring(colon);
    }

    private static Object yaml(Path file) {
        Object root;
        try (InputStream in = Files.newInputStream(file)) {
            root = new Load(LoadSettings.builder().setLabel(file.toString()).build()).loadFromInputStream(in);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage());
        } catch (YamlEngineException e) {
            throw new IllegalArgumentException(file + ": not valid YAML: " + e.getMessage().replace('\n', ' '));
        }
        return root;
    }

    private static char[] consolePrompt(String prompt, boolean secret) {
        Console console = System.console();
        if (console == null) {
            return null;
        }
        if (secret) {
            return console.readPassword("%s", prompt);
        }
        String line = console.readLine("%s", prompt);
        return line == null ? null : line.toCharArray();
    }
}
