package io.lifeboat.coordinator.client;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lifeboat failback GUEST}: asks the coordinator to fail a failed-over guest back to its primary
 * ({@code POST /api/v1/guests/{id}/failback}) after a confirmation naming the guest and both hosts; with {@code --wait},
 * follows the guest's state until it is PROTECTED on its primary again or the failback rolled back.
 */
@Command(name = "failback",
        description = "Fail a failed-over guest back to its primary (admin). GUEST is a name or an id. "
        + "Asks for confirmation unless --yes; --wait follows it until the guest is PROTECTED on its primary again "
        + "or the failback rolled back to the standby.")
public final class FailbackCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection = new ConnectionOptions();

    @Parameters(index = "0", paramLabel = "GUEST", description = "The guest's name or id.")
    String guest;

    @Option(names = "--yes", description = "Do not ask for confirmation.")
    boolean yes;

    @Option(names = "--wait", description = "Follow the failback until it is done or rolled back.")
    boolean await;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "3600",
            description = "With --wait: give up after this long (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--json", description = "Print one JSON document.")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        LifeboatClient client = connection.login();
        try {
            JsonObject g = GuestResolver.resolve(client, guest);
            String id = GuestResolver.id(g);
            String name = Fields.orDash(Fields.text(g, "name"));
            String from = Fields.orDash(Fields.text(g, "ownerHostId", "standbyHostId"));
            String to = Fields.orDash(Fields.text(g, "primaryHostId"));
            if (!yes) {
                String answer = connection.ask("Fail guest '" + name + "' (" + id + ") back from host " + from
                        + " to its primary " + to + "? It stops on " + from + " for the final delta and the boot on "
                        + to + ". [y/N] ");
                if (answer == null) {
                    throw new IllegalArgumentException("failback of guest '" + name + "' not confirmed: no terminal "
                            + "to ask on; pass --yes");
                }
                if (!answer.strip().toLowerCase(Locale.ROOT).matches("y|yes")) {
                    err.println("failback of guest '" + name + "' cancelled; nothing changed");
                    err.flush();
                    return 1;
                }
            }
            long started = System.nanoTime();
            JsonObject accepted = client.post("/api/v1/guests/" + LifeboatClient.segment(id) + "/failback",
                    new JsonObject());
            String operationId = Fields.text(accepted, "operationId", "id");
            JsonObject result = new JsonObject().put("guestId", id).put("name", name).put("fromHostId", from)
                    .put("toHostId", to).put("operationId", operationId);
            if (!await) {
                print(out, result.put("state", "FAILING_BACK"), "failback of guest '" + name + "' (" + id + ") from "
                        + from + " to " + to + " started: operation " + Fields.orDash(operationId));
                return 0;
            }
            if (!json) {
                out.println("failback of guest '" + name + "' started: operation " + Fields.orDash(operationId)
                        + "; following it");
                out.flush();
            }
            long deadline = started + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            String state = "FAILING_BACK";
            String owner = from;
            while ("FAILING_BACK".equals(state)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("failback of guest '" + name + "' (" + id + "): still FAILING_BACK "
                            + "after " + timeoutSeconds + " s (operation " + operationId + ")");
                }
                TimeUnit.SECONDS.sleep(1);
                JsonObject now = client.getObject("/api/v1/guests/" + LifeboatClient.segment(id));
                String next = Fields.orDash(Fields.text(now, "state"));
                String nextOwner = Fields.orDash(Fields.text(now, "ownerHostId"));
                if (!json && (!next.equals(state) || !nextOwner.equals(owner))) {
                    out.println("guest '" + name + "': " + next + " on " + nextOwner);
                    out.flush();
                }
                state = next;
                owner = nextOwner;
            }
            boolean ok = "PROTECTED".equals(state) && to.equals(owner);
            double elapsed = (System.nanoTime() - started) / 1e9;
            result.put("state", state).put("ownerHostId", owner).put("failedBack", ok).put("elapsedSeconds", elapsed);
            print(out, result, ok
                    ? "guest '" + name + "' failed back to " + to + " and PROTECTED again (" + Fields.human(elapsed)
                            + "; the downtime is in its events)"
                    : "failback of guest '" + name + "' rolled back: " + state + " on " + owner);
            return ok ? 0 : 1;
        } finally {
            client.logout();
        }
    }

    private void print(PrintWriter out, JsonObject doc, String text) {
        out.println(json ? doc.encode() : text);
        out.flush();
    }
}
