package io.lifeboat.coordinator.api.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import io.vertx.core.json.JsonObject;

/**
 * The last {@code capacity} events the REST API has seen, each with an id that only rises (so clients page and
 * resume by id), and the live listeners (server-sent-event streams) that get each new one. Ids are decimal strings
 * of {@code epoch * 2^32 + n}: a restarted coordinator, whose epoch is higher, hands out higher ids. Single-threaded:
 * use it on the coordinator's event loop.
 */
public final class EventLog {

    private final int capacity;
    private final long base;
    private final ArrayDeque<JsonObject> events = new ArrayDeque<>();
    private final Set<Consumer<JsonObject>> listeners = new LinkedHashSet<>();
    private long next = 1;

    /** Creates an empty log keeping {@code capacity} events, for coordinator epoch {@code epoch}. */
    public EventLog(int capacity, long epoch) {
        if (capacity < 1) {
            throw new IllegalArgumentException("event log capacity " + capacity + " < 1");
        }
        this.capacity = capacity;
        this.base = epoch << 32;
    }

    /**
     * Adds an event (its {@code type}, {@code at} and the rest already set): gives it the next id, keeps it, tells
     * the listeners. Returns it.
     */
    public JsonObject append(JsonObject event) {
        event.put("id", Long.toString(base + next++));
        events.addLast(event);
        if (events.size() > capacity) {
            events.removeFirst();
        }
        for (Consumer<JsonObject> l : List.copyOf(listeners)) {
            l.accept(event);
        }
        return event;
    }

    /** Tells the listeners about an event that is not kept and has no id (replication progress). */
    public void broadcast(JsonObject transientEvent) {
        for (Consumer<JsonObject> l : List.copyOf(listeners)) {
            l.accept(transientEvent);
        }
    }

    /**
     * The kept events with an id above {@code after} (all when empty), oldest first, that match {@code type} and
     * {@code guestId} when given, at most {@code limit}.
     */
    public List<JsonObject> page(Optional<Long> after, int limit, Optional<String> type, Optional<String> guestId) {
        List<JsonObject> out = new ArrayList<>();
        for (JsonObject e : events) {
            if (out.size() >= limit) {
                break;
            }
            if (after.isPresent() && Long.parseLong(e.getString("id")) <= after.get()) {
                continue;
            }
            if (type.isPresent() && !type.get().equals(e.getString("type"))) {
                continue;
            }
            if (guestId.isPresent() && !guestId.get().equals(e.getString("guestId"))) {
                continue;
            }
            out.add(e);
        }
        return out;
    }

    /** Starts telling {@code listener} about every new event. */
    public void listen(Consumer<JsonObject> listener) {
        listeners.add(listener);
    }

    /** Stops telling {@code listener}. */
    public void unlisten(Consumer<JsonObject> listener) {
        listeners.remove(listener);
    }

    /** How many listeners there are (tests, metrics). */
    public int listenerCount() {
        return listeners.size();
    }
}
