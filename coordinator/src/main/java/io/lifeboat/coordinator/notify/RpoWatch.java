package io.lifeboat.coordinator.notify;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.lifeboat.coordinator.replication.ReplicationStatus;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.GuestEntry;
import io.lifeboat.protocol.v1.GuestState;

/**
 * Decides when a guest's RPO is violated and when it is back within it: one mail per violation and one on recovery,
 * never one per check.
 *
 * <p>A guest is in violation once its newest verified point is older than its RPO plus a slack of half its RPO (at
 * least 10 s), so that the normal wait for the next backup to commit, which lets every point age slightly past the
 * RPO, sends nothing; a guest without any point is in violation once it has been watched for that long. It is back
 * within its RPO when its newest point is younger than the RPO. Only guests that run on their primary and are
 * replicated (PROTECTED or AT_RISK) are watched; a guest that leaves that state forgets its violation silently.
 */
public final class RpoWatch {

    private static final Duration MIN_SLACK = Duration.ofSeconds(10);

    private final Set<String> violated = new HashSet<>();
    private final Map<String, Instant> watchedSince = new HashMap<>();

    /** The mails that {@code now} calls for, given the guests' replication status. */
    public List<Notification> check(CoordinatorState state, Map<String, ReplicationStatus> replication,
                                    Instant now) {
        List<Notification> out = new ArrayList<>();
        for (ReplicationStatus r : replication.values()) {
            String guestId = r.guestId();
            GuestState gs = state.guest(guestId).map(GuestEntry::state).orElse(GuestState.GUEST_STATE_UNSPECIFIED);
            if (gs != GuestState.GUEST_STATE_PROTECTED && gs != GuestState.GUEST_STATE_AT_RISK) {
                violated.remove(guestId);
                watchedSince.remove(guestId);
                continue;
            }
            Instant since = watchedSince.computeIfAbsent(guestId, g -> now);
            Duration rpo = r.rpo();
            Duration slack = rpo.dividedBy(2).compareTo(MIN_SLACK) < 0 ? MIN_SLACK : rpo.dividedBy(2);
            Duration limit = rpo.plus(slack);
            Duration age = r.pointAge(now).orElse(Duration.between(since, now));
            if (!violated.contains(guestId) && age.compareTo(limit) > 0) {
                violated.add(guestId);
                out.add(NotificationTexts.rpoViolated(guestId, state, rpo,
                        r.newestPoint().map(p -> p.snapshotTime()), now));
            } else if (violated.contains(guestId) && r.newestPoint().isPresent() && age.compareTo(rpo) <= 0) {
                violated.remove(guestId);
                out.add(NotificationTexts.rpoRecovered(guestId, state, rpo, r.newestPoint().get().snapshotTime(),
                        now));
            }
        }
        return out;
    }

    /** Whether the guest is in violation now (as far as mails go). */
    public boolean violated(String guestId) {
        return violated.contains(guestId);
    }
}
