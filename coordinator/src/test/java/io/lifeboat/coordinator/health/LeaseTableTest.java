package io.lifeboat.coordinator.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class LeaseTableTest {

    private static final long S = Duration.ofSeconds(1).toNanos();
    private static final long MS = Duration.ofMillis(1).toNanos();

    /** A two-host site with the coordinator c1 on a third box, as DESIGN.md asks. */
    private final HeartbeatTracker tracker = new HeartbeatTracker("c1", 0, 3 * S);
    private final LeaseTable table = new LeaseTable(LeaseTimers.defaults(),
            new VoterPlacement(Map.of("hostP", "boxP", "hostS", "boxS", "c1", "nas")), tracker);

    LeaseTableTest() {
        table.registerHost("hostP", true);
        table.registerHost("hostS", true);
    }

    /** Advances time in 100 ms steps; S heartbeats every second, reporting how long it has not heard from P. */
    private HealthAssessment runUntil(long fromNanos, long toNanos, long pLastHeardBySNanos) {
        HealthAssessment last = null;
        for (long now = fromNanos; now <= toNanos; now += 100 * MS) {
            if (now % S == 0) {
                tracker.onHeartbeat("hostS", now, Map.of("hostP", now - pLastHeardBySNanos, "c1", 0L));
            }
            last = table.evaluate(now);
            last.transitions().forEach(table::apply);
            table.probesSent(last.probes(), now);
        }
        return last;
    }

    @Test
    void defaultTimersAreInOrderAndDisorderIsNamed() {
        assertThat(LeaseTimers.defaults().validate()).isEqualTo(LeaseTimers.defaults());
        LeaseTimers d = LeaseTimers.defaults();
        assertThatThrownBy(() -> new LeaseTimers(d.heartbeatIntervalNanos(), d.suspectAfterNanos(), 8 * S, 8 * S,
                d.recoveryStartNanos(), d.peerReportFreshNanos(), d.massFailureWindowNanos()).validate())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("agent fence deadline 8.000 s must be shorter than lease TTL 8.000 s");
        assertThatThrownBy(() -> new LeaseTimers(d.heartbeatIntervalNanos(), d.suspectAfterNanos(),
                d.fenceDeadlineNanos(), 10 * S, 10 * S, d.peerReportFreshNanos(), d.massFailureWindowNanos()).validate())
                .hasMessageContaining("lease TTL 10.000 s must be shorter than recovery start 10.000 s");
        assertThatThrownBy(() -> new LeaseTable(new LeaseTimers(S, 3 * S, 9 * S, 8 * S, 10 * S, 3 * S, 60 * S),
                new VoterPlacement(Map.of()), tracker))
                .hasMessageContaining("agent fence deadline 9.000 s must be shorter than lease TTL");
    }

    @Test
    void voterPlacementRefusesACoordinatorThatSharesABoxWithAHost() {
        assertThat(new VoterPlacement(Map.of("hostP", "boxP", "hostS", "boxS", "c1", "nas")).whyNotArmed()).isEmpty();
        assertThat(new VoterPlacement(Map.of("hostP", "boxP", "hostS", "boxS", "c1", "boxS")).whyNotArmed())
                .hasValueSatisfying(why -> assertThat(why)
                        .contains("box boxS runs voters [c1, hostS]: losing it leaves 1 of 3 voters, below the majority of 2"));
        assertThat(new VoterPlacement(Map.of("hostP", "boxP", "c1", "nas")).whyNotArmed())
                .hasValueSatisfying(why -> assertThat(why).contains("only 2 voter(s)"));
    }

    @Test
    void silentHostIsSuspectedAfterThreeSecondsAndProbedFromItsPeer() {
        tracker.onHeartbeat("hostP", 0, Map.of());
        HealthAssessment at3 = runUntil(0, 3 * S, 0);
        assertThat(table.state("hostP")).isEqualTo(HostState.UP);
        assertThat(at3.transitions()).isEmpty();
        HealthAssessment after = table.evaluate(3 * S + 100 * MS);
        assertThat(after.transitions()).singleElement().satisfies(t -> {
            assertThat(t.to()).isEqualTo(HostState.SUSPECTED);
            assertThat(t.hostId()).isEqualTo("hostP");
        });
        assertThat(after.probes()).containsExactly(new ProbeRequest("hostP", "hostS"));
    }

    @Test
    void silenceAloneNeverDeclaresLossWithoutTheSecondSignal() {
        tracker.onHeartbeat("hostP", 0, Map.of());
        runUntil(0, 30 * S, 0);
        assertThat(table.state("hostP")).isEqualTo(HostState.SUSPECTED);
    }

    @Test
    void probeThatReachesTheHostKeepsItSuspected() {
        tracker.onHeartbeat("hostP", 0, Map.of());
        runUntil(0, 4 * S, 0);
        table.onProbeResult("hostP", 4 * S, true, false);
        runUntil(4 * S, 20 * S, 0);
        assertThat(table.state("hostP")).isEqualTo(HostState.SUSPECTED);
    }

    @Test
    void lostOnlyPastTheTtlWithSecondSignalAndSilentMajorityThenRecoveryAtTenSeconds() {
        tracker.onHeartbeat("hostP", 0, Map.of());
        runUntil(0, 4 * S, 0);
        table.onProbeResult("hostP", 4 * S, false, false);
        runUntil(4 * S, 8 * S, 0);
        assertThat(table.state("hostP")).isEqualTo(HostState.SUSPECTED);
        HealthAssessment at9 = runUntil(8 * S + 100 * MS, 9 * S, 0);
        assertThat(table.state("hostP")).isEqualTo(HostState.LOST);
        assertThat(table.failoverArmed("hostP")).isTrue();
        assertThat(at9.recoveryDueHostIds()).isEmpty();
        HealthAssessment at10 = runUntil(9 * S + 100 * MS, 10 * S, 0);
        assertThat(at10.recoveryDueHostIds()).isEmpty();
        HealthAssessment at11 = runUntil(10 * S + 100 * MS, 11 * S, 0);
        assertThat(at11.recoveryDueHostIds()).containsExactly("hostP");
    }

    @Test
    void hostStillHeardByItsPeerIsNeverLostEvenIfTheCoordinatorIsCutOff() {
        tracker.onHeartbeat("hostP", 0, Map.of());
        // hostS keeps hearing hostP (it reports 200 ms of silence): hostP keeps its lease with hostS's vote.
        for (long now = 0; now <= 30 * S; now += 100 * MS) {
            if (now % S == 0) {
                tracker.onHeartbeat("hostS", now, Map.of("hostP", 200 * MS));
            }
            if (now == 5 * S) {
                table.onProbeResult("hostP", now, false, false);
            }
            HealthAssessment a = table.evaluate(now);
            a.transitions().forEach(table::apply);
            assertThat(a.recoveryDueHostIds()).isEmpty();
        }
        assertThat(table.state("hostP")).isEqualTo(HostState.SUSPECTED);
    }

    @Test
    void staleReportFromThePeerIsNoVote() {
        tracker.onHeartbeat("hostP", 0, Map.of());
        tracker.onHeartbeat("hostS", 9 * S, Map.of("hostP", 9 * S));
        table.onProbeResult("hostP", 4 * S, false, false);
        table.apply(table.evaluate(4 * S).transitions().get(0));
        assertThat(table.evaluate(9 * S).transitions()).extracting(HostTransition::to).containsExactly(HostState.LOST);
        // 3.1 s later hostS has said nothing new: hostS may have heard hostP since, so it is no vote.
        assertThat(table.evaluate(12 * S + 100 * MS).transitions())
                .noneMatch(t -> t.hostId().equals("hostP"));
    }

    @Test
    void hostThatCannotFenceItselfGetsManualFailoverOnlyUntilAnAdminConfirms() {
        table.registerHost("hostP", false);
        tracker.onHeartbeat("hostP", 0, Map.of());
        runUntil(0, 4 * S, 0);
        table.onProbeResult("hostP", 4 * S, false, false);
        HealthAssessment at20 = runUntil(4 * S, 20 * S, 0);
        assertThat(table.state("hostP")).isEqualTo(HostState.LOST);
        assertThat(table.failoverArmed("hostP")).isFalse();
        assertThat(table.notArmedReason("hostP")).contains("cannot fence itself: manual failover only");
        assertThat(at20.recoveryDueHostIds()).isEmpty();
        table.apply(table.confirmHostOff("hostP", "admin", 20 * S));
        assertThat(runUntil(20 * S + 100 * MS, 21 * S, 0).recoveryDueHostIds()).containsExactly("hostP");
    }

    @Test
    void badVoterPlacementDisarmsAutomaticFailoverAndSaysWhy() {
        HeartbeatTracker t = new HeartbeatTracker("c1", 0, 3 * S);
        LeaseTable onStandby = new LeaseTable(LeaseTimers.defaults(),
                new VoterPlacement(Map.of("hostP", "boxP", "hostS", "boxS", "c1", "boxS")), t);
        onStandby.registerHost("hostP", true);
        onStandby.registerHost("hostS", true);
        assertThat(onStandby.placementProblem()).isPresent();
        t.onHeartbeat("hostP", 0, Map.of());
        for (long now = 0; now <= 20 * S; now += 100 * MS) {
            if (now % S == 0) {
                t.onHeartbeat("hostS", now, Map.of("hostP", now));
            }
            if (now == 5 * S) {
                onStandby.onProbeResult("hostP", now, false, false);
            }
            HealthAssessment a = onStandby.evaluate(now);
            a.transitions().forEach(onStandby::apply);
            onStandby.probesSent(a.probes(), now);
            assertThat(a.recoveryDueHostIds()).isEmpty();
        }
        assertThat(onStandby.state("hostP")).isEqualTo(HostState.LOST);
        assertThat(onStandby.notArmedReason("hostP")).contains("automatic failover not armed: box boxS runs voters");
    }

    @Test
    void losingMoreThanHalfOfThreeHostsPausesAutomaticFailover() {
        HeartbeatTracker t = new HeartbeatTracker("c1", 0, 3 * S);
        LeaseTable site = new LeaseTable(LeaseTimers.defaults(), new VoterPlacement(Map.of(
                "hostA", "a", "hostB", "b", "hostC", "c", "c1", "n1", "c2", "n2", "c3", "n3")), t);
        for (String h : List.of("hostA", "hostB", "hostC")) {
            site.registerHost(h, true);
            t.onHeartbeat(h, 0, Map.of());
        }
        HealthAssessment last = null;
        for (long now = 0; now <= 20 * S; now += 100 * MS) {
            if (now % S == 0) {
                for (String observer : List.of("hostC", "c2", "c3")) {
                    t.onHeartbeat(observer, now, Map.of("hostA", now, "hostB", now));
                }
            }
            if (now == 5 * S) {
                site.onProbeResult("hostA", now, false, false);
                site.onProbeResult("hostB", now, false, false);
            }
            last = site.evaluate(now);
            last.transitions().forEach(site::apply);
            site.probesSent(last.probes(), now);
        }
        assertThat(site.state("hostA")).isEqualTo(HostState.LOST);
        assertThat(site.state("hostB")).isEqualTo(HostState.LOST);
        assertThat(site.notArmedReason("hostB")).contains("mass failure: 2 of 3 hosts lost");
        assertThat(last.recoveryDueHostIds()).isEmpty();
        site.apply(site.confirmHostOff("hostA", "admin", 20 * S));
        assertThat(site.evaluate(20 * S).recoveryDueHostIds()).containsExactly("hostA");
    }

    @Test
    void lostHostHeardAgainReturnsUp() {
        tracker.onHeartbeat("hostP", 0, Map.of());
        runUntil(0, 4 * S, 0);
        table.onProbeResult("hostP", 4 * S, false, false);
        runUntil(4 * S, 12 * S, 0);
        assertThat(table.state("hostP")).isEqualTo(HostState.LOST);
        tracker.onHeartbeat("hostP", 12 * S, Map.of());
        runUntil(12 * S + 100 * MS, 13 * S, 0);
        assertThat(table.state("hostP")).isEqualTo(HostState.UP);
    }

    @Test
    void aHostThatReportsItFencedItselfIsFencedUntilItHoldsALeaseAgain() {
        tracker.onHeartbeat("hostP", 0, Map.of());
        table.onFencedReport("hostP", true);
        table.evaluate(S).transitions().forEach(table::apply);
        assertThat(table.state("hostP")).isEqualTo(HostState.FENCED);
        // A partitioned host comes back still fenced: FENCED, not UP.
        runUntil(S, 4 * S, 0);
        assertThat(table.state("hostP")).isEqualTo(HostState.SUSPECTED);
        tracker.onHeartbeat("hostP", 4 * S + 50 * MS, Map.of());
        table.evaluate(4 * S + 100 * MS).transitions().forEach(table::apply);
        assertThat(table.state("hostP")).isEqualTo(HostState.FENCED);
        table.onFencedReport("hostP", false);
        table.evaluate(4 * S + 200 * MS).transitions().forEach(table::apply);
        assertThat(table.state("hostP")).isEqualTo(HostState.UP);
    }

    @Test
    void aHostReplayedAsSuspectedOrLostIsNotTakenForHeardAgainAfterARestartAndASuspectedOneIsProbed() {
        // A restarted coordinator: the journal says hostP was SUSPECTED; nothing arrived from it since the start.
        table.apply(new HostTransition("hostP", HostState.SUSPECTED, HostState.SUSPECTED, Long.MIN_VALUE, 0,
                List.of(), false, "replayed from the journal"));
        HealthAssessment first = table.evaluate(100 * MS);
        assertThat(first.transitions()).as("silence counts from the start, but hostP was not heard").isEmpty();
        assertThat(first.probes()).containsExactly(new ProbeRequest("hostP", "hostS"));

        table.apply(new HostTransition("hostP", HostState.LOST, HostState.LOST, Long.MIN_VALUE, 0, List.of(), true,
                "replayed from the journal"));
        assertThat(table.evaluate(200 * MS).transitions()).isEmpty();
        assertThat(table.failoverArmed("hostP")).as("an armed failover survives the restart").isTrue();

        tracker.onHeartbeat("hostP", 300 * MS, Map.of());
        assertThat(table.evaluate(400 * MS).transitions()).singleElement()
                .satisfies(t -> assertThat(t.to()).isEqualTo(HostState.UP));
    }
}
