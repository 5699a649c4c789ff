package io.lifeboat.agent.fence;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeboat.protocol.v1.FenceReason;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelfFenceTest {
  final FakeClock clock = new FakeClock(0);
  final LeaseKeeper lease = new LeaseKeeper("P", List.of("P", "S", "C"), Duration.ofSeconds(6), clock);

  void second(String... reachable) {
    long n = lease.beginRenewal();
    for (String v : reachable) {
      lease.onGrant(v, n, Duration.ofSeconds(8));
    }
    clock.advance(Duration.ofSeconds(1));
  }

  @Test
  void isolationFencesOnceBeforeTheTtlAndReportsOnReconnect(@TempDir Path dir) {
    SelfFence fence = new SelfFence("P", lease, dir.resolve("fenced"));
    second("S", "C");
    int fencedAtSecond = -1;
    for (int s = 1; s <= 10 && fencedAtSecond < 0; s++) {
      second(); // isolated from S and C
      if (fence.check().isPresent()) {
        fencedAtSecond = s;
      }
    }
    // Last renewal granted was sent at t=0; the fence is due at t=6 s, before a voter's 8 s TTL ends.
    assertThat(fencedAtSecond).isEqualTo(5); // checked at t=6 s, after five isolated seconds
    assertThat(fence.isFenced()).isTrue();
    assertThat(fence.check()).as("fence only once per loss").isEmpty();
    fence.fenced(List.of("g1", "g2"), FenceReason.FENCE_REASON_LEASE_EXPIRED, "P");
    assertThat(fence.isFenced()).isTrue();
    assertThat(fence.pendingReport()).get().satisfies(r -> {
      assertThat(r.getHostId()).isEqualTo("P");
      assertThat(r.getStoppedGuestIdsList()).containsExactly("g1", "g2");
      assertThat(r.getReason()).isEqualTo(FenceReason.FENCE_REASON_LEASE_EXPIRED);
    });
    // The agent restarts before it could report: the report survives.
    SelfFence restarted = new SelfFence("P", lease, dir.resolve("fenced"));
    assertThat(restarted.pendingReport()).isEqualTo(fence.pendingReport());
    // Reconnection: the lease is regained, commands run again, the report is sent and forgotten.
    second("S");
    assertThat(restarted.isFenced()).isFalse();
    restarted.reported();
    assertThat(new SelfFence("P", lease, dir.resolve("fenced")).pendingReport()).isEmpty();
  }

  @Test
  void coordinatorOutageNeverFences() {
    SelfFence fence = new SelfFence("P", lease, null);
    for (int s = 0; s < 60; s++) {
      second("S");
      assertThat(fence.check()).isEmpty();
    }
    assertThat(fence.isFenced()).isFalse();
  }

  @Test
  void aFailedFenceIsRetried() {
    SelfFence fence = new SelfFence("P", lease, null);
    clock.advance(Duration.ofSeconds(7));
    assertThat(fence.check()).isPresent();
    fence.fenceFailed();
    assertThat(fence.check()).isPresent();
  }
}
