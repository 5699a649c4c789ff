package io.lifeboat.coordinator.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The lease table's evaluation that skips hosts which cannot be due (silence within the suspicion timer, fenced
 * report agreeing with the state) answers exactly like one that looks at every host on every tick: a twin table fed
 * the same calls is forced into a full pass before each evaluation (re-registering a host asks for one).
 */
class LeaseTableSkippingTest {

    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;

    @Property(tries = 150)
    void skippingQuietHostsChangesNoAssessment(@ForAll long seed, @ForAll @IntRange(min = 2, max = 6) int hostCount) {
        Random random = new Random(seed);
        List<String> hosts = new ArrayList<>();
        Map<String, String> boxes = new HashMap<>();
        Map<String, Boolean> canFence = new HashMap<>();
        for (int i = 0; i < hostCount; i++) {
            hosts.add("h" + i);
            boxes.put("h" + i, "box" + i);
            canFence.put("h" + i, random.nextInt(5) != 0);
        }
        boxes.put("c1", "nas");
        Twin skipping = new Twin(boxes);
        Twin full = new Twin(boxes);
        for (String h : hosts) {
            skipping.table.registerHost(h, canFence.get(h));
            full.table.registerHost(h, canFence.get(h));
        }
        Map<String, Boolean> silent = new HashMap<>();
        long now = 0;
        for (int step = 0; step < 600; step++) {
            now += random.nextInt(8) * 50 * MS;
            if (random.nextInt(40) == 0) {
                // A host goes silent, or comes back.
                String h = hosts.get(random.nextInt(hostCount));
                silent.put(h, !silent.getOrDefault(h, false));
            }
            for (String observer : hosts) {
                if (silent.getOrDefault(observer, false) || random.nextInt(10) >= 3) {
                    continue;
                }
                long at = now;
                boolean fenced = random.nextInt(30) == 0;
                List<long[]> reports = new ArrayList<>();
                for (int v = 0; v < hostCount; v++) {
                    if (!hosts.get(v).equals(observer) && silent.getOrDefault(hosts.get(v), false)) {
                        reports.add(new long[] {v, random.nextInt(14) * S + random.nextInt(1000) * MS});
                    }
                }
                for (Twin twin : List.of(skipping, full)) {
                    twin.tracker.heard(observer, at);
                    for (long[] r : reports) {
                        twin.tracker.onPeerReport(observer, hosts.get((int) r[0]), at, r[1]);
                    }
                    twin.tracker.withdrawReportsBefore(observer, at);
                    twin.table.onFencedReport(observer, fenced);
                }
            }
            if (random.nextInt(6) == 0) {
                String target = hosts.get(random.nextInt(hostCount));
                boolean reached = random.nextInt(3) == 0;
                skipping.table.onProbeResult(target, now, reached, false);
                full.table.onProbeResult(target, now, reached, false);
            }
            // A full pass on the twin: re-registering a host changes nothing but the next pass.
            full.table.registerHost(hosts.get(0), canFence.get(hosts.get(0)));
            HealthAssessment expected = full.table.evaluate(now);
            HealthAssessment actual = skipping.table.evaluate(now);
            assertThat(actual).as("seed %d step %d at %d ms", seed, step, now / MS).isEqualTo(expected);
            // Usually the owner journals and applies at once; sometimes a tick's output is dropped (journal busy).
            if (random.nextInt(8) != 0) {
                for (Twin twin : List.of(skipping, full)) {
                    expected.transitions().forEach(twin.table::apply);
                    twin.table.probesSent(expected.probes(), now);
                }
            }
            if (random.nextInt(50) == 0) {
                String h = hosts.get(random.nextInt(hostCount));
                if (skipping.table.state(h) == HostState.LOST) {
                    HostTransition confirmed = full.table.confirmHostOff(h, "admin", now);
                    assertThat(skipping.table.confirmHostOff(h, "admin", now)).isEqualTo(confirmed);
                    skipping.table.apply(confirmed);
                    full.table.apply(confirmed);
                }
            }
        }
    }

    /** A tracker and its lease table, fed the same calls as the other twin. */
    private static final class Twin {
        final HeartbeatTracker tracker = new HeartbeatTracker("c1", 0, 3 * S, 3 * S);
        final LeaseTable table;

        Twin(Map<String, String> boxes) {
            table = new LeaseTable(LeaseTimers.defaults(), new VoterPlacement(boxes), tracker);
        }
    }
}
