package io.lifeboat.coordinator.client;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lifeboat status}: the hosts and guests a coordinator watches, read over REST; exits 1 when a guest is at
 * risk or a host is not UP.
 */
@Command(name = "status",
        description = "Show hosts and guests: state, newest restore point age against the RPO, "
        + "compatibility verdict, failover results. Exit 1 when a guest is AT_RISK or a host is not UP.")
public final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection = new ConnectionOptions();

    @Option(names = "--json", description = "Print one JSON document.")
    boolean json;

    @Override
    public Integer call() {
        LifeboatClient client = connection.login();
        JsonArray hosts;
        JsonArray guests;
        try {
            hosts = client.getList("/api/v1/hosts", "hosts");
            guests = client.getList("/api/v1/guests", "guests");
            for (int i = 0; i < guests.size(); i++) {
                JsonObject g = guests.getJsonObject(i);
                if ("FAILED_OVER".equals(Fields.text(g, "state")) && g.getValue("failover") == null) {
                    FailoverResult r = FailoverResult.newest(client, GuestResolver.id(g));
                    if (r != null) {
                        g.put("failover", new JsonObject().put("targetHostId", r.targetHostId())
                                .put("rtoSeconds", r.rtoSeconds()).put("rpoSeconds", r.rpoSeconds()));
                    }
                }
            }
        } finally {
            client.logout();
        }
        List<String> problems = problems(hosts, guests);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new JsonObject().put("url", client.base().toString()).put("ok", problems.isEmpty())
                    .put("problems", new JsonArray(problems)).put("hosts", hosts).put("guests", guests).encode());
        } else {
            out.print(render(hosts, guests, problems));
        }
        out.flush();
        return problems.isEmpty() ? 0 : 1;
    }

    /** What makes the status "at risk": guests AT_RISK and hosts that are not UP, one line each. */
    static List<String> problems(JsonArray hosts, JsonArray guests) {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < hosts.size(); i++) {
            JsonObject h = hosts.getJsonObject(i);
            String state = Fields.text(h, "state");
            if (!"UP".equals(state)) {
                problems.add("host " + Fields.text(h, "hostId", "id") + " is " + Fields.orDash(state));
            }
        }
        for (int i = 0; i < guests.size(); i++) {
            JsonObject g = guests.getJsonObject(i);
            if ("AT_RISK".equals(Fields.text(g, "state"))) {
                problems.add("guest " + name(g) + " is AT_RISK: " + riskReason(g));
            }
        }
        return problems;
    }

    /** The human-readable status. */
    static String render(JsonArray hosts, JsonArray guests, List<String> problems) {
        TextTable h = new TextTable("HOST", "STATE", "HYPERVISOR", "NOTE");
        for (int i = 0; i < hosts.size(); i++) {
            JsonObject o = hosts.getJsonObject(i);
            JsonObject facts = Fields.object(o, "facts");
            String kind = Fields.text(facts == null ? o : facts, "hypervisorKind");
            String version = Fields.text(facts == null ? o : facts, "hypervisorVersion");
            h.row(Fields.text(o, "hostId", "id"), Fields.orDash(Fields.text(o, "state")),
                    kind == null ? "-" : kind + (version == null || version.isEmpty() ? "" : " " + version),
                    Fields.text(o, "failoverNotArmedReason"));
        }
        TextTable g = new TextTable("GUEST", "STATE", "ON", "STANDBY", "NEWEST POINT", "RPO", "COMPATIBILITY",
                "NOTE");
        for (int i = 0; i < guests.size(); i++) {
            JsonObject o = guests.getJsonObject(i);
            Double age = Fields.number(o, "newestPointAgeSeconds");
            g.row(name(o), Fields.orDash(Fields.text(o, "state")),
                    Fields.orDash(Fields.text(o, "ownerHostId", "primaryHostId")),
                    Fields.orDash(Fields.text(o, "standbyHostId")),
                    age == null ? "none" : Fields.human(age) + " ago",
                    Fields.human(Fields.number(o, "rpoSeconds")),
                    Fields.orDash(compatibility(o)), note(o));
        }
        StringBuilder out = new StringBuilder();
        out.append(h.isEmpty() ? "no hosts\n" : h.render()).append('\n');
        out.append(g.isEmpty() ? "no protected guests\n" : g.render());
        if (problems.isEmpty()) {
            out.append("\nall guests protected, all hosts up\n");
        } else {
            out.append('\n');
            problems.forEach(p -> out.append("! ").append(p).append('\n'));
        }
        return out.toString();
    }

    private static String name(JsonObject g) {
        String name = Fields.text(g, "name");
        return name == null || name.isEmpty() ? Fields.text(g, "guestId", "id") : name;
    }

    private static String compatibility(JsonObject g) {
        Object v = g.getValue("compatibility");
        if (v instanceof JsonObject verdict) {
            return Fields.text(verdict, "verdict", "compatibility", "result");
        }
        return v == null ? null : v.toString();
    }

    private static String riskReason(JsonObject g) {
        Double age = Fields.number(g, "newestPointAgeSeconds");
        Double rpo = Fields.number(g, "rpoSeconds");
        List<String> why = new ArrayList<>();
        if (age == null) {
            why.add("no restore point yet");
        } else if (rpo != null && age > rpo) {
            why.add("newest restore point " + Fields.human(age) + " old, RPO " + Fields.human(rpo));
        }
        if ("REFUSE".equals(compatibility(g))) {
            String summary = Fields.text(g, "compatibilitySummary");
            if (summary == null && g.getValue("compatibility") instanceof JsonObject verdict) {
                summary = Fields.text(verdict, "summary", "reason");
            }
            why.add("the standby refuses it" + (summary == null ? "" : " (" + summary + ")"));
        }
        String blocked = Fields.text(g, "replicationBlockedReason", "lastBackupFailure");
        if (blocked != null && !blocked.isEmpty()) {
            why.add(blocked);
        }
        return why.isEmpty() ? "see the coordinator's events" : String.join("; ", why);
    }

    private static String note(JsonObject g) {
        String state = Fields.text(g, "state");
        if ("FAILED_OVER".equals(state)) {
            JsonObject f = Fields.object(g, "failover");
            StringBuilder note = new StringBuilder("failed over to ").append(Fields.orDash(f == null
                    ? Fields.text(g, "ownerHostId") : Fields.text(f, "targetHostId")));
            if (f != null && f.getValue("rtoSeconds") != null) {
                note.append(", RTO ").append(Fields.human(Fields.number(f, "rtoSeconds")));
            }
            if (f != null && f.getValue("rpoSeconds") != null) {
                note.append(", RPO ").append(Fields.human(Fields.number(f, "rpoSeconds")));
            }
            return note.toString();
        }
        JsonObject recovery = Fields.object(g, "recovery");
        if ("FAILING_OVER".equals(state) && recovery != null) {
            return "failing over: " + Fields.orDash(Fields.text(recovery, "step")) + " "
                    + Fields.orDash(Fields.text(recovery, "stepStatus")) + (recovery.getValue("abandonedAt") != null
                    ? ", ABANDONED: needs an admin" : "");
        }
        Object progress = g.getValue("replicationProgress");
        if (progress instanceof JsonObject p) {
            Double read = Fields.number(p, "bytesRead");
            Double total = Fields.number(p, "bytesTotal");
            if (read != null && total != null && total > 0) {
                return String.format(java.util.Locale.ROOT, "replicating %.0f%%", 100 * read / total);
            }
        }
        if (g.getValue("backupInFlight") instanceof Boolean b && b) {
            return "replicating";
        }
        return null;
    }
}
