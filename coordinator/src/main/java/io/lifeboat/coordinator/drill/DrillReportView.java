package io.lifeboat.coordinator.drill;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.DrillGuestFinished;
import io.lifeboat.protocol.v1.DrillGuestResult;
import io.lifeboat.protocol.v1.DrillReport;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Renders a drill report as the REST JSON document, a history row, or a self-contained HTML page. */
public final class DrillReportView {

    private DrillReportView() {
    }

    /** One row of the drill history: id, plan, start, duration, passed, per-guest RTO. */
    public static JsonObject summary(DrillReport report) {
        JsonArray guests = new JsonArray();
        for (DrillGuestResult g : report.getGuestsList()) {
            JsonObject row = new JsonObject().put("guestId", g.getGuestId()).put("passed", g.getBootVerified());
            if (g.hasRpo()) {
                row.put("pointAgeSeconds", seconds(g.getRpo()));
            }
            if (g.hasRto()) {
                row.put("rtoSeconds", seconds(g.getRto()));
            }
            guests.add(row);
        }
        return new JsonObject().put("drillId", report.getDrillId()).put("plan", report.getPlan())
                .put("startedAt", Timestamps.instant(report.getStartedAt()).toString())
                .put("durationSeconds", seconds(report))
                .put("passed", report.getSuccess()).put("guests", guests);
    }

    /** The full report: the summary plus, per guest, point, RPO, RTO, evidence, failure and teardown. */
    public static JsonObject json(DrillReport report, List<DrillGuestFinished> details, GuestNames names) {
        JsonObject out = summary(report).put("finishedAt", Timestamps.instant(report.getFinishedAt()).toString());
        JsonArray guests = new JsonArray();
        for (DrillGuestResult g : report.getGuestsList()) {
            Optional<DrillGuestFinished> d = details.stream()
                    .filter(f -> f.getResult().getGuestId().equals(g.getGuestId())).findFirst();
            JsonObject row = new JsonObject().put("guestId", g.getGuestId()).put("guest", names.name(g.getGuestId()))
                    .put("passed", g.getBootVerified()).put("pointId", g.getPointId());
            if (g.hasRpo()) {
                row.put("pointAgeSeconds", seconds(g.getRpo()));
            }
            if (g.hasRto()) {
                row.put("rtoSeconds", seconds(g.getRto()));
            }
            if (g.hasFailure()) {
                row.put("failure", new JsonObject().put("code", g.getFailure().getCode())
                        .put("message", g.getFailure().getMessage()));
            }
            d.ifPresent(f -> {
                row.put("hostId", f.getHostId()).put("drillName", f.getDrillName())
                        .put("evidence", f.getBoot().getEvidence()).put("rootDigest", f.getBoot().getRootDigest());
                if (f.hasTeardown()) {
                    row.put("teardown", new JsonObject().put("nothingLeft", f.getTeardown().getNothingLeft())
                            .put("removedDomains", new JsonArray(List.copyOf(f.getTeardown().getRemovedDomainsList())))
                            .put("removedFiles", f.getTeardown().getRemovedFiles())
                            .put("leftovers", new JsonArray(List.copyOf(f.getTeardown().getLeftoversList()))));
                }
            });
            guests.add(row);
        }
        return out.put("guests", guests);
    }

    /** The report as one HTML page with inline style, every value escaped, no external assets. */
    public static String html(DrillReport report, List<DrillGuestFinished> details, GuestNames names) {
        JsonObject doc = json(report, details, names);
        StringBuilder h = new StringBuilder(4096);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Drill ")
                .append(esc(report.getDrillId())).append("</title>\n<style>body{font-family:sans-serif;margin:2em}"
                        + "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3em .6em;"
                        + "vertical-align:top}.pass{color:#060}.fail{color:#a00}pre{max-width:60em;"
                        + "white-space:pre-wrap;margin:0}</style></head><body>\n");
        h.append("<h1>DR drill of plan ").append(esc(report.getPlan())).append(": <span class=\"")
                .append(report.getSuccess() ? "pass\">PASSED" : "fail\">FAILED").append("</span></h1>\n");
        h.append("<p>Drill ").append(esc(report.getDrillId())).append(", started ")
                .append(esc(doc.getString("startedAt"))).append(", finished ").append(esc(doc.getString("finishedAt")))
                .append(String.format(Locale.ROOT, " (%.1f s)", doc.getDouble("durationSeconds"))).append(".</p>\n");
        h.append("<table><tr><th>Guest</th><th>Result</th><th>Restore point</th><th>Point age (RPO)</th>"
                + "<th>Boot time (RTO)</th><th>Teardown</th><th>Evidence</th></tr>\n");
        for (Object o : doc.getJsonArray("guests")) {
            JsonObject g = (JsonObject) o;
            JsonObject failure = g.getJsonObject("failure");
            JsonObject teardown = g.getJsonObject("teardown");
            h.append("<tr><td>").append(esc(g.getString("guest"))).append("</td><td class=\"")
                    .append(g.getBoolean("passed") ? "pass\">PASS" : "fail\">FAIL");
            if (failure != null) {
                h.append("<br>").append(esc(failure.getString("code"))).append(": ")
                        .append(esc(failure.getString("message")));
            }
            h.append("</td><td>").append(esc(g.getString("pointId", ""))).append("</td><td>")
                    .append(secondsText(g.getDouble("pointAgeSeconds"))).append("</td><td>")
                    .append(secondsText(g.getDouble("rtoSeconds"))).append("</td><td>");
            if (teardown == null) {
                h.append("not run");
            } else if (teardown.getBoolean("nothingLeft")) {
                h.append("nothing left");
            } else {
                h.append("left: ").append(esc(String.join(", ", teardown.getJsonArray("leftovers").stream()
                        .map(String::valueOf).toList())));
            }
            h.append("</td><td><pre>").append(esc(g.getString("evidence", ""))).append("</pre></td></tr>\n");
        }
        return h.append("</table>\n</body></html>\n").toString();
    }

    /** Escapes text for HTML element content and attribute values. */
    static String esc(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static String secondsText(Double seconds) {
        return seconds == null ? "-" : String.format(Locale.ROOT, "%.1f s", seconds);
    }

    private static double seconds(com.google.protobuf.Duration d) {
        return Timestamps.duration(d).toMillis() / 1000.0;
    }

    private static double seconds(DrillReport report) {
        Instant start = Timestamps.instant(report.getStartedAt());
        Instant end = Timestamps.instant(report.getFinishedAt());
        return Duration.between(start, end).toMillis() / 1000.0;
    }

    /** Names guests for humans (the id when the name is unknown). */
    @FunctionalInterface
    public interface GuestNames {

        /** The name of {@code guestId}, or the id itself. */
        String name(String guestId);
    }
}
