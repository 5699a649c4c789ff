package io.lifeboat.coordinator.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The tracker that keeps only reports of a long silence (the coordinator's, so that 1,000 agents reporting on each
 * other every second cost no allocation) answers exactly like the one that keeps every report.
 */
class HeartbeatTrackerTest {

    private static final long S = 1_000_000_000L;
    private static final List<String> VOTERS = List.of("c1", "h0", "h1", "h2", "h3", "h4");

    @Property(tries = 200)
    void keepingOnlyLongSilencesChangesNoAnswer(@ForAll long seed) {
        Random random = new Random(seed);
        long floor = 3 * S;
        HeartbeatTracker all = new HeartbeatTracker("c1", 0, 3 * S);
        HeartbeatTracker compact = new HeartbeatTracker("c1", 0, 3 * S, floor);
        long now = 0;
        for (int step = 0; step < 300; step++) {
            now += random.nextInt(400) * 1_000_000L;
            String observer = VOTERS.get(1 + random.nextInt(VOTERS.size() - 1));
            String voter = VOTERS.get(random.nextInt(VOTERS.size()));
            // Mostly short silences, sometimes long ones, around the thresholds asked about below.
            long since = random.nextInt(4) == 0 ? random.nextInt(15) * S + random.nextInt(1000) * 1_000_000L
                    : random.nextInt(1000) * 1_000_000L;
            all.heard(observer, now);
            all.onPeerReport(observer, voter, now, since);
            compact.heard(observer, now);
            compact.onPeerReport(observer, voter, now, since);
            for (String host : VOTERS.subList(1, VOTERS.size())) {
                for (long threshold : new long[] {floor, 8 * S, 10 * S}) {
                    assertThat(compact.votersSilentOn(host, VOTERS, now, threshold))
                            .as("seed %d step %d host %s threshold %d", seed, step, host, threshold)
                            .isEqualTo(all.votersSilentOn(host, VOTERS, now, threshold));
                }
                assertThat(compact.silenceNanos(host, now)).isEqualTo(all.silenceNanos(host, now));
            }
        }
    }

    @Test
    void aShortSilenceCancelsAnEarlierLongOne() {
        HeartbeatTracker tracker = new HeartbeatTracker("c1", 0, 3 * S, 3 * S);
        tracker.onPeerReport("h1", "h0", 10 * S, 9 * S);
        assertThat(tracker.votersSilentOn("h0", VOTERS, 10 * S, 8 * S)).containsExactly("c1", "h1");
        tracker.onPeerReport("h1", "h0", 11 * S, S / 2);
        assertThat(tracker.votersSilentOn("h0", VOTERS, 11 * S, 8 * S)).containsExactly("c1");
    }

    @Test
    void aHeartbeatThatNoLongerListsAVoterWithdrawsItsSilence() {
        HeartbeatTracker tracker = new HeartbeatTracker("c1", 0, 3 * S, 3 * S);
        tracker.onHeartbeat("h1", 10 * S, Map.of("h0", 9 * S, "h2", 9 * S));
        assertThat(tracker.votersSilentOn("h0", VOTERS, 10 * S, 8 * S)).containsExactly("c1", "h1");
        // h1 heard h0 again: its next heartbeat lists only h2, which is still silent.
        tracker.onHeartbeat("h1", 11 * S, Map.of("h2", 10 * S));
        assertThat(tracker.votersSilentOn("h0", VOTERS, 11 * S, 8 * S)).containsExactly("c1");
        assertThat(tracker.votersSilentOn("h2", VOTERS, 11 * S, 8 * S)).containsExactly("c1", "h1");
        // Anything else from h1 (a lease renewal, a result) withdraws nothing.
        tracker.heard("h1", 12 * S);
        assertThat(tracker.votersSilentOn("h2", VOTERS, 12 * S, 8 * S)).containsExactly("c1", "h1");
    }

    @Test
    void aReportOlderThanTheFreshnessWindowIsNoVote() {
        HeartbeatTracker tracker = new HeartbeatTracker("c1", 0, 3 * S, 3 * S);
        tracker.heard("h0", 0);
        tracker.onPeerReport("h1", "h0", 9 * S, 9 * S);
        assertThat(tracker.votersSilentOn("h0", VOTERS, 12 * S, 8 * S)).containsExactly("c1", "h1");
        assertThat(tracker.votersSilentOn("h0", VOTERS, 12 * S + 1, 8 * S)).containsExactly("c1");
    }
}
