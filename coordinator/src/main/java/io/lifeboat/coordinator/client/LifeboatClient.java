package io.lifeboat.coordinator.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import javax.net.ssl.SSLContext;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A logged-in conversation with a coordinator's REST API ({@code /api/v1}) over the JDK's blocking HTTP client: it
 * keeps the session cookie and the CSRF token from {@code POST /session}, sends them on every later call, turns error
 * responses into {@link LifeboatApiException}s that name the request and the problem detail, and reads
 * {@code /events/stream} as server-sent events. For command-line use: never call it on a Vert.x thread.
 */
public final class LifeboatClient {

    /** The header that carries the CSRF token on state-changing requests. */
    public static final String CSRF_HEADER = "X-CSRF-Token";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final HttpClient http;
    private final Map<String, String> cookies = new ConcurrentHashMap<>();
    private final AtomicReference<InputStream> openStream = new AtomicReference<>();
    private volatile boolean cancelled;
    private volatile String csrfToken;
    private volatile String user;

    /** A client of the coordinator at {@code base} (scheme, host and port; any path is ignored). */
    public LifeboatClient(URI base) {
        this(base, null);
    }

    /** A client that trusts the certificates of {@code ssl} for HTTPS, or the JDK's defaults when it is null. */
    public LifeboatClient(URI base, SSLContext ssl) {
        Objects.requireNonNull(base, "base");
        if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme()) || base.getHost() == null) {
            throw new IllegalArgumentException("coordinator URL " + base + " is not http://HOST:PORT or "
                    + "https://HOST:PORT");
        }
        this.base = URI.create(base.getScheme() + "://" + base.getRawAuthority());
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (ssl != null) {
            builder.sslContext(ssl);
        }
        this.http = builder.build();
    }

    /** The coordinator's address, e.g. {@code http://127.0.0.1:7480}. */
    public URI base() {
        return base;
    }

    /** The user logged in, or empty. */
    public Optional<String> user() {
        return Optional.ofNullable(user);
    }

    /** Logs in ({@code POST /api/v1/session}) and keeps the session cookie and CSRF token. */
    public void login(String name, char[] password) {
        JsonObject body = new JsonObject().put("user", name).put("password", CharBuffer.wrap(password).toString());
        HttpResponse<String> response = send("POST", "/api/v1/session", body, false);
        JsonObject answer = parseObject("POST", "/api/v1/session", response.body());
        csrfToken = answer.getString("csrfToken",
                response.headers().firstValue(CSRF_HEADER).orElse(null));
        if (csrfToken == null) {
            throw new LifeboatApiException(response.statusCode(), "POST " + base + "/api/v1/session: the "
                    + "coordinator answered the login without a CSRF token");
        }
        user = name;
    }

    /** Logs out ({@code DELETE /api/v1/session}) when logged in; a failure to do so is ignored. */
    public void logout() {
        if (user == null) {
            return;
        }
        try {
            send("DELETE", "/api/v1/session", null, true);
        } catch (LifeboatApiException ignored) {
            // The session expires on its own; logging out is a courtesy.
        } finally {
            user = null;
            csrfToken = null;
            cookies.clear();
        }
    }

    /** {@code GET path} (relative to the base, e.g. {@code /api/v1/hosts}), its JSON body (object or array). */
    public Object get(String path) {
        HttpResponse<String> response = send("GET", path, null, true);
        return parse("GET", path, response.body());
    }

    /** {@code GET path}, whose JSON body must be an object. */
    public JsonObject getObject(String path) {
        Object body = get(path);
        if (body instanceof JsonObject o) {
            return o;
        }
        throw new LifeboatApiException(200, "GET " + base + path + ": expected a JSON object, got an array");
    }

    /**
     * {@code GET path}, whose body is a JSON array or an object holding one under {@code field} (a page such as
     * {@code {"guests": [...]}} or {@code {"items": [...]}}).
     */
    public JsonArray getList(String path, String field) {
        return listOf("GET", path, get(path), field);
    }

    /** {@code POST path} with a JSON body (and the CSRF token), its JSON answer (empty object when none). */
    public JsonObject post(String path, JsonObject body) {
        HttpResponse<String> response = send("POST", path, body == null ? new JsonObject() : body, true);
        if (response.body() == null || response.body().isBlank()) {
            return new JsonObject();
        }
        return parseObject("POST", path, response.body());
    }

    /**
     * Reads the server-sent events of {@code path} and hands each to {@code sink}, until the server ends the stream
     * or {@link #cancelStream()} is called (then it returns normally).
     *
     * @param lastEventId sent as {@code Last-Event-ID} so that the server resumes after it, or null
     */
    public void stream(String path, String lastEventId, Consumer<ServerSentEvent> sink) {
        HttpRequest.Builder request = request(path).header("Accept", "text/event-stream").GET();
        if (lastEventId != null && !lastEventId.isEmpty()) {
            request.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw transport("GET", path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LifeboatApiException("GET " + base + path + ": interrupted", e);
        }
        InputStream in = response.body();
        if (response.statusCode() >= 300) {
            String body;
            try (in) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                body = "";
            }
            throw failure("GET", path, response.statusCode(), body);
        }
        openStream.set(in);
        if (cancelled) {
            closeQuietly(in);
        }
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String id = "";
            String event = "";
            List<String> data = new ArrayList<>();
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        sink.accept(new ServerSentEvent(id, event.isEmpty() ? "message" : event,
                                String.join("\n", data)));
                    }
                    event = "";
                    data.clear();
                } else if (!line.startsWith(":")) {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1);
                    if (value.startsWith(" ")) {
                        value = value.substring(1);
                    }
                    switch (field) {
                        case "id" -> id = value;
                        case "event" -> event = value;
                        case "data" -> data.add(value);
                        default -> {
                            // retry: and unknown fields are ignored, as EventSource does.
                        }
                    }
                }
            }
        } catch (IOException e) {
            if (!cancelled) {
                throw transport("GET", path, e);
            }
        } finally {
            openStream.set(null);
        }
    }

    /** Ends a running {@link #stream} from another thread; later streams end at once. */
    public void cancelStream() {
        cancelled = true;
        InputStream in = openStream.get();
        if (in != null) {
            closeQuietly(in);
        }
    }

    /** Whether {@link #cancelStream()} was called. */
    public boolean streamCancelled() {
        return cancelled;
    }

    /** {@code path} with query parameters, leaving out null and empty values. */
    public static String withQuery(String path, Map<String, ?> params) {
        StringJoiner query = new StringJoiner("&");
        params.forEach((k, v) -> {
            if (v != null && !v.toString().isEmpty()) {
                query.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(v.toString(), StandardCharsets.UTF_8));
            }
        });
        return query.length() == 0 ? path : path + "?" + query;
    }

    /** Encodes one path segment (a guest id). */
    public static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).header("Accept", "application/json");
        if (!cookies.isEmpty()) {
            StringJoiner cookie = new StringJoiner("; ");
            cookies.forEach((k, v) -> cookie.add(k + "=" + v));
            b.header("Cookie", cookie.toString());
        }
        return b;
    }

    private HttpResponse<String> send(String method, String path, JsonObject body, boolean csrf) {
        HttpRequest.Builder b = request(path).timeout(REQUEST_TIMEOUT);
        if (csrf && csrfToken != null && !"GET".equals(method)) {
            b.header(CSRF_HEADER, csrfToken);
        }
        if (body != null) {
            b.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body.encode(), StandardCharsets.UTF_8));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response;
        try {
            response = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw transport(method, path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LifeboatApiException(method + " " + base + path + ": interrupted", e);
        }
        for (String setCookie : response.headers().allValues("Set-Cookie")) {
            String pair = setCookie.split(";", 2)[0];
            int eq = pair.indexOf('=');
            if (eq > 0) {
                cookies.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
        }
        if (response.statusCode() >= 300) {
            throw failure(method, path, response.statusCode(), response.body());
        }
        return response;
    }

    private LifeboatApiException transport(String method, String path, IOException e) {
        String why;
        if (e instanceof HttpConnectTimeoutException) {
            why = "connection timed out after " + CONNECT_TIMEOUT.toSeconds() + " s";
        } else if (e instanceof HttpTimeoutException) {
            why = "no answer within " + REQUEST_TIMEOUT.toSeconds() + " s";
        } else if (e instanceof ConnectException || e.getCause() instanceof ConnectException) {
            why = "connection refused";
        } else if (e instanceof javax.net.ssl.SSLException || e.getCause() instanceof javax.net.ssl.SSLException) {
            why = "TLS failed: " + oneLine(e.getMessage());
        } else {
            why = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName()
                    : oneLine(e.getMessage());
        }
        // Nothing answered: the coordinator's address is the "where", whatever the path.
        return new LifeboatApiException(base + ": " + why, e);
    }

    private LifeboatApiException failure(String method, String path, int status, String body) {
        String detail = null;
        if (body != null && !body.isBlank()) {
            try {
                Object parsed = io.vertx.core.json.Json.decodeValue(body);
                if (parsed instanceof JsonObject problem) {
                    detail = problem.getString("detail", problem.getString("title"));
                }
            } catch (DecodeException | ClassCastException notJson) {
                detail = body.length() > 200 ? body.substring(0, 200) + "…" : body;
            }
        }
        String message = method + " " + base + path + ": " + status + " " + reason(status)
                + (detail == null || detail.isBlank() ? "" : ": " + oneLine(detail));
        return new LifeboatApiException(status, message);
    }

    private Object parse(String method, String path, String body) {
        try {
            Object parsed = io.vertx.core.json.Json.decodeValue(body);
            if (parsed instanceof JsonObject || parsed instanceof JsonArray) {
                return parsed;
            }
        } catch (DecodeException e) {
            throw new LifeboatApiException(200, method + " " + base + path + ": the answer is not JSON: "
                    + oneLine(e.getMessage()));
        }
        throw new LifeboatApiException(200, method + " " + base + path + ": the answer is not a JSON object or "
                + "array");
    }

    private JsonObject parseObject(String method, String path, String body) {
        Object parsed = parse(method, path, body);
        if (parsed instanceof JsonObject o) {
            return o;
        }
        throw new LifeboatApiException(200, method + " " + base + path + ": expected a JSON object, got an array");
    }

    private JsonArray listOf(String method, String path, Object body, String field) {
        if (body instanceof JsonArray a) {
            return a;
        }
        JsonObject o = (JsonObject) body;
        for (String key : List.of(field, "items", "data")) {
            if (o.getValue(key) instanceof JsonArray a) {
                return a;
            }
        }
        throw new LifeboatApiException(200, method + " " + base + path + ": expected a JSON array or an object with "
                + "'" + field + "', got keys " + o.fieldNames());
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.replace('\n', ' ').replace('\r', ' ').strip();
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 415 -> "Unsupported Media Type";
            case 422 -> "Unprocessable Content";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            default -> status >= 500 ? "Server Error" : status >= 400 ? "Client Error" : "Unexpected Status";
        };
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // Closing is how a stream is cancelled; a failure to close changes nothing.
        }
    }
}
