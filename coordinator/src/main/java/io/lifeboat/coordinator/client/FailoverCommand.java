package io.lifeboat.coordinator.client;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lifeboat failover GUEST}: asks the coordinator to fail one guest over to its standby now
 * ({@code POST /api/v1/guests/{id}/failover}), after a confirmation that names the guest and its hosts; with
 * {@code --wait}, follows the events until the guest is FAILED_OVER or its failover fails, and reports RTO and RPO.
 * {@link RestoreCommand} runs the same conversation for a restore from a chosen point.
 */
@Command(name = "failover",
        description = "Fail a guest over to its standby now (admin). GUEST is a name or an id. "
        + "Asks for confirmation unless --yes; --wait follows progress until FAILED_OVER and prints RTO and RPO.")
public final class FailoverCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection = new ConnectionOptions();

    @Parameters(index = "0", paramLabel = "GUEST", description = "The guest's name or id.")
    String guest;

    @Option(names = "--yes", description = "Do not ask for confirmation.")
    boolean yes;

    @Option(names = "--primary-confirmed-off", description = "Confirm that the guest's current host is powered off "
            + "(or has stopped the guest), so that the coordinator may start the guest elsewhere although it cannot "
            + "tell that host is down. Two running copies corrupt the guest's data: be sure.")
    boolean primaryConfirmedOff;

    @Option(names = "--wait", description = "Follow the failover until the guest is FAILED_OVER or it fails.")
    boolean await;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "With --wait: give up after this long (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--json", description = "Print one JSON document.")
    boolean json;

    @Override
    public Integer call() {
        return recover(null);
    }

    /**
     * Fails the guest over ({@code pointId} null) or restores it from restore point {@code pointId} onto its standby:
     * confirmation, request, and with {@code --wait} the progress until FAILED_OVER with RTO and RPO.
     */
    int recover(String pointId) {
        String action = pointId == null ? "failover" : "restore";
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        LifeboatClient client = connection.login();
        EventFollower follower = new EventFollower(connection, client, err);
        try {
            JsonObject g = GuestResolver.resolve(client, guest);
            String id = GuestResolver.id(g);
            String name = Fields.orDash(Fields.text(g, "name"));
            String from = Fields.orDash(Fields.text(g, "ownerHostId", "primaryHostId"));
            String to = Fields.orDash(Fields.text(g, "standbyHostId"));
            if (!yes) {
                String question = (pointId == null ? "Fail over guest '" + name + "' (" + id + ") now, from host "
                        + from + " to host " + to + "?" : "Restore guest '" + name + "' (" + id + ") from restore point "
                        + pointId + " onto host " + to + "? It must be stopped on host " + from + ".")
                        + (primaryConfirmedOff ? " You confirm that host " + from + " is powered off or "
                        + "has stopped the guest." : "") + " [y/N] ";
                String answer = connection.ask(question);
                if (answer == null) {
                    throw new IllegalArgumentException(action + " of guest '" + name + "' not confirmed: no "
                            + "terminal to ask on; pass --yes");
                }
                if (!answer.strip().toLowerCase(Locale.ROOT).matches("y|yes")) {
                    err.println(action + " of guest '" + name + "' cancelled; nothing changed");
                    err.flush();
                    return 1;
                }
            }
            // Event ids are numbers from 1: "0" replays every event of the guest when it had none before.
            String cursor = await ? java.util.Objects.requireNonNullElse(lastEventId(client, id), "0") : null;
            JsonObject body = primaryConfirmedOff ? new JsonObject().put("primaryConfirmedOff", true)
                    : new JsonObject();
            if (pointId != null) {
                body.put("pointId", pointId);
            }
            JsonObject accepted = client.post("/api/v1/guests/" + LifeboatClient.segment(id) + "/" + action, body);
            String operationId = Fields.text(accepted, "operationId", "id");
            JsonObject result = new JsonObject().put("guestId", id).put("name", name).put("fromHostId", from)
                    .put("toHostId", to).put("operationId", operationId);
            if (pointId != null) {
                result.put("pointId", pointId);
            }
            if (!await) {
                print(out, result, action + " of guest '" + name + "' (" + id + ") from " + from + " to " + to
                        + (pointId == null ? "" : " from point " + pointId) + " started: operation "
                        + Fields.orDash(operationId));
                return 0;
            }
            if (!json) {
                out.println(action + " of guest '" + name + "' started: operation " + Fields.orDash(operationId)
                        + "; following it");
                out.flush();
            }
            Outcome outcome = follow(follower, id, cursor, out);
            JsonObject after = safeGuest(follower.client(), id);
            String state = after == null ? outcome.state : Fields.text(after, "state");
            Double rto = outcome.rtoSeconds;
            Double rpo = outcome.rpoSeconds;
            if (rto == null && ("FAILED_OVER".equals(state) || outcome.failedOver)) {
                FailoverResult announced = FailoverResult.newest(follower.client(), id);
                if (announced != null) {
                    rto = announced.rtoSeconds();
                    rpo = announced.rpoSeconds();
                }
            }
            boolean ok = "FAILED_OVER".equals(state) || outcome.failedOver;
            result.put("state", ok ? "FAILED_OVER" : state).put("failedOver", ok).put("rtoSeconds", rto)
                    .put("rpoSeconds", rpo).put("error", outcome.error);
            print(out, result, ok
                    ? "guest '" + name + "' FAILED_OVER to " + to + ": RTO " + Fields.human(rto) + ", RPO "
                            + Fields.human(rpo)
                    : action + " of guest '" + name + "' did not finish: " + Fields.orDash(outcome.error)
                            + " (state " + Fields.orDash(state) + ")");
            return ok ? 0 : 1;
        } finally {
            follower.client().logout();
        }
    }

    /** How following a failover ended. */
    private static final class Outcome {
        volatile boolean failedOver;
        volatile String state;
        volatile String error;
        volatile Double rtoSeconds;
        volatile Double rpoSeconds;
    }

    private Outcome follow(EventFollower follower, String guestId, String cursor, PrintWriter out) {
        Outcome outcome = new Outcome();
        AtomicReference<String> seenState = new AtomicReference<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        Thread poller = new Thread(() -> {
            while (!follower.client().streamCancelled()) {
                if (System.nanoTime() - deadline > 0) {
                    outcome.error = "not FAILED_OVER within " + timeoutSeconds + " s";
                    follower.stop();
                    return;
                }
                JsonObject g = safeGuest(follower.client(), guestId);
                if (g != null) {
                    String state = Fields.text(g, "state");
                    String before = seenState.getAndSet(state);
                    outcome.state = state;
                    if ("FAILED_OVER".equals(state)) {
                        outcome.failedOver = true;
                        follower.stop();
                        return;
                    }
                    if ("FAILING_OVER".equals(before) && !"FAILING_OVER".equals(state)) {
                        outcome.error = "the guest went from FAILING_OVER to " + state;
                        follower.stop();
                        return;
                    }
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "lifeboat-failover-poll");
        poller.setDaemon(true);
        poller.start();
        Map<String, String> query = new LinkedHashMap<>();
        query.put("guest", guestId);
        follower.follow(cursor, query, event -> {
            if (!guestId.equals(EventLine.guestId(event))) {
                return true;
            }
            if (!json) {
                out.println(EventLine.render(event));
                out.flush();
            }
            FailoverResult result = FailoverResult.of(event);
            if (result != null) {
                outcome.failedOver = true;
                outcome.rtoSeconds = result.rtoSeconds();
                outcome.rpoSeconds = result.rpoSeconds();
                return false;
            }
            if (FailoverResult.failedForGood(event)) {
                outcome.error = EventLine.text(event);
                return false;
            }
            return true;
        });
        poller.interrupt();
        return outcome;
    }

    private static JsonObject safeGuest(LifeboatClient client, String guestId) {
        try {
            return client.getObject("/api/v1/guests/" + LifeboatClient.segment(guestId));
        } catch (LifeboatApiException e) {
            return null;
        }
    }

    /** The id of the newest event about the guest, so that following starts after it. */
    private static String lastEventId(LifeboatClient client, String guestId) {
        String cursor = null;
        while (true) {
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("guest", guestId);
            params.put("after", cursor);
            params.put("limit", EventsCommand.PAGE);
            Object body = client.get(LifeboatClient.withQuery("/api/v1/events", params));
            JsonArray items = body instanceof JsonArray a ? a
                    : ((JsonObject) body).getJsonArray("events", new JsonArray());
            String next = cursor;
            for (int i = 0; i < items.size(); i++) {
                String id = EventLine.id(items.getJsonObject(i));
                if (id != null && EventLine.after(id, next)) {
                    next = id;
                }
            }
            if (items.size() < EventsCommand.PAGE || next == null || next.equals(cursor)) {
                return next;
            }
            cursor = next;
        }
    }

    private void print(PrintWriter out, JsonObject doc, String text) {
        out.println(json ? doc.encode() : text);
        out.flush();
    }
}
