package io.lifeboat.coordinator.client;

import java.util.ArrayList;
import java.util.List;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Finds a guest by id or by name in {@code GET /api/v1/guests}. */
final class GuestResolver {

    private GuestResolver() {
    }

    /** The guest whose id is {@code nameOrId}, else the one guest with that name; fails naming the candidates. */
    static JsonObject resolve(LifeboatClient client, String nameOrId) {
        JsonArray guests = client.getList("/api/v1/guests", "guests");
        List<JsonObject> byName = new ArrayList<>();
        List<String> known = new ArrayList<>();
        for (int i = 0; i < guests.size(); i++) {
            JsonObject g = guests.getJsonObject(i);
            String id = Fields.text(g, "guestId", "id");
            String name = Fields.text(g, "name");
            if (nameOrId.equals(id)) {
                return g;
            }
            if (nameOrId.equals(name)) {
                byName.add(g);
            }
            known.add(name == null ? id : name);
        }
        if (byName.size() == 1) {
            return byName.get(0);
        }
        if (byName.size() > 1) {
            throw new IllegalArgumentException("guest name '" + nameOrId + "' is ambiguous at " + client.base()
                    + ": " + byName.size() + " guests have it; give one of their ids "
                    + byName.stream().map(GuestResolver::id).toList());
        }
        throw new IllegalArgumentException("no guest '" + nameOrId + "' at " + client.base() + " (guests: "
                + (known.isEmpty() ? "none" : String.join(", ", known)) + ")");
    }

    /** The guest's id. */
    static String id(JsonObject guest) {
        return Fields.text(guest, "guestId", "id");
    }
}
