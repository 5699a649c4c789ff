package io.lifeboat.agent.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeaseKeeperTest {
  static final Duration SECOND = Duration.ofSeconds(1);
  static final Duration TTL = Duration.ofSeconds(8);
  final FakeClock clock = new FakeClock(Long.MAX_VALUE - 3_000_000_000L); // crosses the long overflow on purpose
  final LeaseKeeper p = new LeaseKeeper("P", List.of("P", "S", "C"), LeaseKeeper.DEFAULT_FENCE_DEADLINE, clock);

  /** One heartbeat second: renew, and collect grants from the voters that can be reached. */
  void second(String... reachable) {
    long n = p.beginRenewal();
    for (String v : reachable) {
      p.onGrant(v, n, TTL);
    }
    clock.advance(SECOND);
  }

  @Test
  void majorityOfThreeIsTwoAndSelfCounts() {
    assertThat(p.majority()).isEqualTo(2);
    assertThat(p.otherVoters()).containsExactly("S", "C");
    assertThat(p.holdsLease()).isFalse();
    second("S");
    assertThat(p.holdsLease()).isTrue();
  }

  @Test
  void coordinatorOutageAloneNeverFencesWhileThePeerIsHeard() {
    second("S", "C");
    for (int i = 0; i < 120; i++) {
      second("S");
      assertThat(p.fenceDue()).as("second %d of the coordinator outage", i).isFalse();
      assertThat(p.holdsLease()).isTrue();
    }
  }

  @Test
  void peerOutageAloneNeverFencesWhileTheCoordinatorIsHeard() {
    second("S", "C");
    for (int i = 0; i < 120; i++) {
      second("C");
      assertThat(p.fenceDue()).isFalse();
    }
  }

  @Test
  void isolationFromBothFencesAtTheDeadlineCountedFromTheLastRenewalSent() {
    second("S", "C"); // renewal sent at t0, granted; clock now t0 + 1 s
    clock.advance(Duration.ofMillis(4_999));
    assertThat(p.fenceDue()).isFalse(); // t0 + 5.999 s
    assertThat(p.untilFence()).isEqualTo(Duration.ofMillis(1));
    clock.advance(Duration.ofMillis(1));
    assertThat(p.fenceDue()).isTrue(); // t0 + 6 s, before any voter's TTL of 8 s from receipt
    assertThat(p.holdsLease()).isFalse();
  }

  @Test
  void lateGrantsCountFromWhenTheRenewalWasSentNotReceived() {
    long n = p.beginRenewal();
    clock.advance(Duration.ofSeconds(5)); // the grant is slow to arrive
    p.onGrant("S", n, TTL);
    assertThat(p.remaining()).isEqualTo(SECOND);
    clock.advance(SECOND);
    assertThat(p.holdsLease()).isFalse();
  }

  @Test
  void aShorterVoterTtlShortensTheLease() {
    long n = p.beginRenewal();
    p.onGrant("S", n, Duration.ofSeconds(2));
    assertThat(p.remaining()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void grantsThatProveNothingAreIgnored() {
    long n = p.beginRenewal();
    assertThat(p.onGrant("P", n, TTL)).as("self").isFalse();
    assertThat(p.onGrant("X", n, TTL)).as("unknown voter").isFalse();
    assertThat(p.onGrant("S", n + 7, TTL)).as("never-sent renewal").isFalse();
    assertThat(p.holdsLease()).isFalse();
    clock.advance(Duration.ofSeconds(7));
    p.beginRenewal(); // prunes renewal n, older than the deadline
    assertThat(p.onGrant("S", n, TTL)).as("forgotten renewal").isFalse();
  }

  @Test
  void guestsRunningAtStartGetOneDeadlineOfGrace() {
    clock.advance(Duration.ofMillis(5_999));
    assertThat(p.fenceDue()).isFalse();
    clock.advance(Duration.ofMillis(1));
    assertThat(p.fenceDue()).isTrue();
  }

  @Test
  void fiveVotersNeedTwoOthers() {
    LeaseKeeper five = new LeaseKeeper("A", List.of("A", "B", "C1", "C2", "C3"), Duration.ofSeconds(6), clock);
    long n = five.beginRenewal();
    five.onGrant("B", n, TTL);
    assertThat(five.holdsLease()).isFalse();
    five.onGrant("C3", n, TTL);
    assertThat(five.holdsLease()).isTrue();
  }

  @Test
  void votersMustIncludeSelf() {
    assertThatThrownBy(() -> new LeaseKeeper("P", List.of("S", "C"), Duration.ofSeconds(6), clock))
        .hasMessage("voters [S, C] do not include this host P");
  }
}
