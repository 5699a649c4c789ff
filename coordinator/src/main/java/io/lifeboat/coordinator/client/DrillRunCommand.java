package io.lifeboat.coordinator.client;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lifeboat drill run PLAN}: starts a DR drill of a recovery plan ({@code POST /api/v1/drills}); with
 * {@code --wait}, waits for its report and prints the per-guest results, exiting 1 when the drill failed.
 */
@Command(name = "run", description = "Start a DR drill of recovery plan PLAN (admin); --wait waits for the report "
        + "and prints each guest's result (exit 1 when the drill failed).")
public final class DrillRunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection = new ConnectionOptions();

    @Parameters(index = "0", paramLabel = "PLAN", description = "The recovery plan's name.")
    String plan;

    @Option(names = "--wait", description = "Wait for the drill's report.")
    boolean await;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "1800",
            description = "With --wait: give up after this long (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--json", description = "Print one JSON document.")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        LifeboatClient client = connection.login();
        JsonObject accepted = client.post("/api/v1/drills", new JsonObject().put("plan", plan));
        String drillId = accepted.getString("drillId");
        if (!await) {
            print(out, accepted, "drill " + drillId + " of plan " + plan + " started");
            return 0;
        }
        if (!json) {
            out.println("drill " + drillId + " of plan " + plan + " started; waiting for its report");
            out.flush();
        }
        Instant deadline = Instant.now().plusSeconds(timeoutSeconds);
        JsonObject report = null;
        while (report == null) {
            try {
                report = client.getObject("/api/v1/drills/" + LifeboatClient.segment(drillId));
            } catch (LifeboatApiException e) {
                if (e.status() != 404) {
                    throw e;
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("drill " + drillId + " of plan " + plan + " at "
                            + client.base() + ": no report after " + timeoutSeconds + " s");
                }
                // A drill takes seconds to minutes: asking once a second is plenty.
                Thread.sleep(Duration.ofSeconds(1).toMillis());
            }
        }
        boolean passed = report.getBoolean("passed", false);
        StringBuilder text = new StringBuilder("drill " + drillId + " of plan " + plan + ": "
                + (passed ? "PASSED" : "FAILED"));
        for (Object o : report.getJsonArray("guests")) {
            JsonObject g = (JsonObject) o;
            text.append(String.format(Locale.ROOT, "%n  %-20s %s  point %s  age %s  boot %s", g.getString("guest"),
                    g.getBoolean("passed", false) ? "PASS" : "FAIL", Fields.orDash(g.getString("pointId")),
                    Fields.human(g.getDouble("pointAgeSeconds")), Fields.human(g.getDouble("rtoSeconds"))));
            JsonObject failure = g.getJsonObject("failure");
            if (failure != null) {
                text.append("\n    ").append(failure.getString("code")).append(": ").append(failure.getString("message"));
            }
        }
        print(out, report, text.toString());
        return passed ? 0 : 1;
    }

    private void print(PrintWriter out, JsonObject document, String text) {
        out.println(json ? document.encode() : text);
        out.flush();
    }
}
