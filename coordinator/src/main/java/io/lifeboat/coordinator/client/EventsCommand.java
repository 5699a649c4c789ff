package io.lifeboat.coordinator.client;

import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lifeboat events}: the coordinator's newest events, paged through {@code GET /api/v1/events}; with
 * {@code --follow}, then the live stream until Ctrl-C.
 */
@Command(name = "events",
        description = "List the newest events (time, type, host/guest, what happened); "
        + "--follow then prints new ones as they happen until Ctrl-C.")
public final class EventsCommand implements Callable<Integer> {

    static final int PAGE = 1000;

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection = new ConnectionOptions();

    @Option(names = "--follow", description = "After the listing, print new events as they happen, until Ctrl-C.")
    boolean follow;

    @Option(names = "--guest", paramLabel = "GUEST", description = "Only events about this guest (name or id).")
    String guest;

    @Option(names = "--type", paramLabel = "TYPE", description = "Only events of this type.")
    String type;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "50",
            description = "Show the newest N events before following (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--json", description = "One JSON document ({\"events\": [...]}); with --follow, one JSON "
            + "object per line.")
    boolean json;

    /** Stops following after this many live events (tests); negative for never. */
    long stopAfterLiveEvents = -1;

    @Override
    public Integer call() {
        if (limit < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--limit must be 0 or more, not "
                    + limit);
        }
        PrintWriter out = spec.commandLine().getOut();
        LifeboatClient client = connection.login();
        EventFollower follower = new EventFollower(connection, client, spec.commandLine().getErr());
        Thread logoutOnExit = new Thread(() -> {
            follower.stop();
            follower.client().logout();
        }, "lifeboat-events-logout");
        boolean hooked = false;
        try {
            Map<String, String> query = new LinkedHashMap<>();
            query.put("guest", guest == null ? null : GuestResolver.id(GuestResolver.resolve(client, guest)));
            query.put("type", type);
            Deque<JsonObject> newest = new ArrayDeque<>();
            String cursor = page(client, query, newest);
            if (json && !follow) {
                out.println(new JsonObject().put("url", client.base().toString())
                        .put("events", new JsonArray(java.util.List.copyOf(newest))).encode());
                out.flush();
                return 0;
            }
            newest.forEach(e -> print(out, e));
            out.flush();
            if (!follow) {
                return 0;
            }
            Runtime.getRuntime().addShutdownHook(logoutOnExit);
            hooked = true;
            long[] left = {stopAfterLiveEvents};
            follower.follow(cursor, query, e -> {
                if (!matches(e, query)) {
                    return true;
                }
                print(out, e);
                out.flush();
                return left[0] < 0 || --left[0] > 0;
            });
            return 0;
        } finally {
            if (hooked) {
                try {
                    Runtime.getRuntime().removeShutdownHook(logoutOnExit);
                } catch (IllegalStateException shuttingDown) {
                    // The hook is running and logs out.
                }
            }
            follower.client().logout();
        }
    }

    /** Pages through {@code GET /events} from the start, keeping the newest {@code limit}; returns the last id. */
    private String page(LifeboatClient client, Map<String, String> query, Deque<JsonObject> newest) {
        String cursor = null;
        while (true) {
            Map<String, Object> params = new LinkedHashMap<>(query);
            params.put("after", cursor);
            params.put("limit", PAGE);
            Object body = client.get(LifeboatClient.withQuery("/api/v1/events", params));
            JsonArray items = body instanceof JsonArray a ? a : listIn((JsonObject) body);
            String next = cursor;
            for (int i = 0; i < items.size(); i++) {
                JsonObject e = items.getJsonObject(i);
                String id = EventLine.id(e);
                if (id != null && cursor != null && !EventLine.after(id, cursor)) {
                    continue;
                }
                if (id != null) {
                    next = id;
                }
                if (matches(e, query)) {
                    newest.addLast(e);
                    if (newest.size() > limit) {
                        newest.removeFirst();
                    }
                }
            }
            if (body instanceof JsonObject page && Fields.text(page, "next", "nextAfter", "nextCursor") != null) {
                next = Fields.text(page, "next", "nextAfter", "nextCursor");
            }
            if (items.isEmpty() || items.size() < PAGE || next == null || next.equals(cursor)) {
                return next;
            }
            cursor = next;
        }
    }

    private static JsonArray listIn(JsonObject page) {
        for (String key : java.util.List.of("events", "items", "data")) {
            if (page.getValue(key) instanceof JsonArray a) {
                return a;
            }
        }
        throw new LifeboatApiException(200, "GET /api/v1/events: expected a JSON array or an object with 'events', "
                + "got keys " + page.fieldNames());
    }

    private static boolean matches(JsonObject event, Map<String, String> query) {
        String g = query.get("guest");
        String t = query.get("type");
        return (g == null || g.equals(EventLine.guestId(event)))
                && (t == null || t.equalsIgnoreCase(EventLine.type(event)));
    }

    private void print(PrintWriter out, JsonObject event) {
        out.println(json ? event.encode() : EventLine.render(event));
    }
}
