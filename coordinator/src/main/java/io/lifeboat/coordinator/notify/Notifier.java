package io.lifeboat.coordinator.notify;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.lifeboat.coordinator.replication.ReplicationStatus;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.JournalRecord;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Turns what the coordinator leader learns into mails: durable journal records (a guest failed over), events (a
 * failback finished or rolled back, a drill failed, a host fenced) and periodic RPO checks. Runs on the verticle's
 * event loop; sending goes through the non-blocking {@link Mailer} and never fails or delays the caller.
 */
public final class Notifier {

    /** Tries per mail before it is dropped. */
    public static final int ATTEMPTS = 4;
    /** Wait before the second try; it doubles at each further try (2, 4, 8 s). */
    public static final Duration FIRST_RETRY = Duration.ofSeconds(2);
    private static final int REMEMBERED_EVENTS = 1024;

    private final Mailer mailer;
    private final RpoWatch rpo = new RpoWatch();
    private final Map<String, Boolean> seen = new LinkedHashMap<>(64, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED_EVENTS;
        }
    };

    /** Creates the notifier over a mailer. */
    public Notifier(Mailer mailer) {
        this.mailer = mailer;
    }

    /** Creates a notifier for {@code settings}, reading the password file without blocking the event loop. */
    public static Future<Notifier> start(Vertx vertx, MailSettings settings, String logContext) {
        Future<String> password = settings.passwordFile()
                .map(p -> vertx.fileSystem().readFile(p.toString()).map(b -> b.toString().strip()))
                .orElse(Future.succeededFuture(null));
        return password.map(pw -> new Notifier(new Mailer(vertx, settings, pw, logContext, ATTEMPTS,
                FIRST_RETRY)));
    }

    /** A durable journal record: mails a failover, and a failback that finished or rolled back (once each). */
    public List<Future<Boolean>> onRecord(JournalRecord record, CoordinatorState state) {
        if (record.getRecordCase() == JournalRecord.RecordCase.GUEST_FAILED_OVER) {
            return List.of(mailer.send(NotificationTexts.failedOver(record.getGuestFailedOver(), state)));
        }
        if (record.getRecordCase() == JournalRecord.RecordCase.FAILBACK_PROGRESS) {
            var p = record.getFailbackProgress();
            Optional<Notification> n = NotificationTexts.failback(p, state);
            if (n.isPresent() && seen.put("failback:" + p.getOperationId() + ":" + p.getPhase(), true) == null) {
                return List.of(mailer.send(n.get()));
            }
        }
        return List.of();
    }

    /** An event (from an agent's link or {@code lifeboat.events}); each message id is mailed at most once. */
    public List<Future<Boolean>> onEvent(Envelope event, CoordinatorState state) {
        Optional<Notification> n = switch (event.getPayloadCase()) {
            case FENCED -> Optional.of(NotificationTexts.fenced(event.getFenced(), state));
            case FENCE_FAILED -> Optional.of(NotificationTexts.fenceFailed(event.getFenceFailed(), state));
            case DRILL_REPORT -> NotificationTexts.drill(event.getDrillReport(), state);
            // Failback mails come from the journaled FailbackProgress (onRecord), not from its FailbackStep events.
            default -> Optional.empty();
        };
        if (n.isEmpty() || (!event.getMessageId().isEmpty() && seen.put(event.getMessageId(), true) != null)) {
            return List.of();
        }
        return List.of(mailer.send(n.get()));
    }

    /** A periodic check: mails RPO violations and recoveries. */
    public List<Future<Boolean>> onRpoCheck(CoordinatorState state, Map<String, ReplicationStatus> replication,
                                            Instant now) {
        return rpo.check(state, replication, now).stream().map(mailer::send).toList();
    }

    /** Stops sending. */
    public Future<Void> close() {
        return mailer.close();
    }
}
