package io.lifeboat.coordinator.client;

import java.io.PrintWriter;
import java.util.Map;
import java.util.function.Predicate;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * Follows {@code GET /api/v1/events/stream} (server-sent events): hands each event after a cursor to a handler until
 * the handler says stop or {@link #stop()} is called; reconnects with {@code Last-Event-ID} when the stream drops
 * and logs in again when the session is gone (a restarted coordinator).
 */
final class EventFollower {

    private static final long RECONNECT_MILLIS = 1000;

    private final ConnectionOptions connection;
    private final PrintWriter err;
    private volatile LifeboatClient client;
    private volatile boolean stopped;

    EventFollower(ConnectionOptions connection, LifeboatClient client, PrintWriter err) {
        this.connection = connection;
        this.client = client;
        this.err = err;
    }

    /** The client in use (a new one after a login again). */
    LifeboatClient client() {
        return client;
    }

    /** Ends {@link #follow} from any thread. */
    void stop() {
        stopped = true;
        client.cancelStream();
    }

    /**
     * Streams events with id after {@code cursor} matching {@code query} ({@code guest}, {@code type}) to
     * {@code handler} until it returns false or {@link #stop()}.
     *
     * @return the id of the last event handed over (the new cursor)
     */
    String follow(String cursor, Map<String, String> query, Predicate<JsonObject> handler) {
        String[] last = {cursor};
        boolean warned = false;
        while (!stopped) {
            try {
                client.stream(LifeboatClient.withQuery("/api/v1/events/stream", query), last[0], sse -> {
                    if (stopped) {
                        return;
                    }
                    JsonObject event;
                    try {
                        event = new JsonObject(sse.data());
                    } catch (DecodeException | ClassCastException notAnEvent) {
                        return;
                    }
                    if (EventLine.id(event) == null && !sse.id().isEmpty()) {
                        event.put("id", sse.id());
                    }
                    if (EventLine.type(event) == null && !"message".equals(sse.event())) {
                        event.put("type", sse.event());
                    }
                    String id = EventLine.id(event);
                    if (id != null && !EventLine.after(id, last[0])) {
                        return;
                    }
                    if (id != null) {
                        last[0] = id;
                    }
                    if (!handler.test(event)) {
                        stop();
                    }
                });
                warned = false;
            } catch (LifeboatApiException e) {
                if (stopped) {
                    break;
                }
                if (e.status() == 401) {
                    client = connection.login();
                    continue;
                }
                if (e.status() != 0 && e.status() < 500) {
                    throw e;
                }
                if (!warned) {
                    err.println("events: " + e.getMessage() + "; reconnecting");
                    err.flush();
                    warned = true;
                }
            }
            if (!stopped) {
                pause();
            }
        }
        return last[0];
    }

    private void pause() {
        try {
            Thread.sleep(RECONNECT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
        }
    }
}
