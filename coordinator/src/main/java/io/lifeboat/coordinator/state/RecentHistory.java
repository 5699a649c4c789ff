package io.lifeboat.coordinator.state;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lifeboat.protocol.v1.AuditRecorded;
import io.lifeboat.protocol.v1.JournalRecord;

/**
 * The history a journal snapshot must keep although it drives no decision: the latest {@value #AUDITS_KEPT} audit
 * events, the records of the latest {@value #DRILLS_KEPT} finished drills (per-guest results and report), and the
 * records that rebuild each running drill. {@link #records()} lists them in an order whose replay rebuilds the same
 * history (and the same drill planner). Changed only by {@link #apply(JournalRecord)}; single-threaded.
 */
public final class RecentHistory {

    /** Audit events kept. */
    public static final int AUDITS_KEPT = 1_000;
    /** Finished drills kept. */
    public static final int DRILLS_KEPT = 100;

    private final ArrayDeque<AuditRecorded> audits = new ArrayDeque<>();
    /** Finished drills, oldest first: each one's DrillGuestFinished records, then its DrillEnded. */
    private final Map<String, List<JournalRecord>> finished = new LinkedHashMap<>();
    /** Running drills, in start order: DrillBegun and DrillGuestFinished records so far. */
    private final Map<String, List<JournalRecord>> running = new LinkedHashMap<>();
    /** Each running drill's latest DrillCommandSent after its last finished guest (its outstanding command). */
    private final Map<String, JournalRecord> pending = new LinkedHashMap<>();

    /** An independent copy. */
    public RecentHistory copy() {
        RecentHistory copy = new RecentHistory();
        copy.audits.addAll(audits);
        finished.forEach((id, records) -> copy.finished.put(id, new ArrayList<>(records)));
        running.forEach((id, records) -> copy.running.put(id, new ArrayList<>(records)));
        copy.pending.putAll(pending);
        return copy;
    }

    /** Applies one journal record; records that are neither audits nor drill records are ignored. */
    public void apply(JournalRecord record) {
        switch (record.getRecordCase()) {
            case AUDIT_RECORDED -> {
                audits.addLast(record.getAuditRecorded());
                if (audits.size() > AUDITS_KEPT) {
                    audits.removeFirst();
                }
            }
            case DRILL_BEGUN -> running.computeIfAbsent(record.getDrillBegun().getStarted().getDrillId(),
                    id -> new ArrayList<>()).add(record);
            case DRILL_COMMAND_SENT -> pending.put(record.getDrillCommandSent().getDrillId(), record);
            case DRILL_GUEST_FINISHED -> {
                // A snapshot replays a finished drill's guests without its DrillBegun: they wait for its DrillEnded.
                String drillId = record.getDrillGuestFinished().getDrillId();
                pending.remove(drillId);
                running.computeIfAbsent(drillId, id -> new ArrayList<>()).add(record);
            }
            case DRILL_ENDED -> {
                String drillId = record.getDrillEnded().getReport().getDrillId();
                pending.remove(drillId);
                List<JournalRecord> kept = new ArrayList<>();
                for (JournalRecord r : running.getOrDefault(drillId, List.of())) {
                    if (r.hasDrillGuestFinished()) {
                        kept.add(r);
                    }
                }
                running.remove(drillId);
                kept.add(record);
                finished.remove(drillId);
                finished.put(drillId, kept);
                while (finished.size() > DRILLS_KEPT) {
                    finished.remove(finished.keySet().iterator().next());
                }
            }
            default -> {
                // Not history.
            }
        }
    }

    /** The kept audit events, oldest first. */
    public List<AuditRecorded> audits() {
        return List.copyOf(audits);
    }

    /**
     * The records that rebuild this history: finished drills oldest first (their DrillEnded after their guests, and
     * before any running drill of the same plan starts again), then each running drill with its outstanding command
     * last, then the audit events.
     */
    public List<JournalRecord> records() {
        List<JournalRecord> out = new ArrayList<>();
        finished.values().forEach(out::addAll);
        running.forEach((id, records) -> {
            out.addAll(records);
            JournalRecord command = pending.get(id);
            if (command != null) {
                out.add(command);
            }
        });
        audits.forEach(a -> out.add(JournalRecord.newBuilder().setAuditRecorded(a).build()));
        return out;
    }
}
