package io.lifeboat.coordinator.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class LoginThrottleTest {

    private final Instant t0 = Instant.parse("2026-11-30T12:00:00Z");

    @Test
    void theFifthFailureLocksTheUserAndTheAddressForThirtySeconds() {
        LoginThrottle throttle = LoginThrottle.defaults();
        for (int i = 0; i < 4; i++) {
            throttle.failed("bob", "10.0.0.9", t0);
            assertThat(throttle.retryAfter("bob", "10.0.0.9", t0)).isEmpty();
        }
        throttle.failed("bob", "10.0.0.9", t0);
        assertThat(throttle.retryAfter("bob", "10.0.0.1", t0.plusSeconds(10))).hasValue(Duration.ofSeconds(20));
        assertThat(throttle.retryAfter("alice", "10.0.0.9", t0.plusSeconds(10))).hasValue(Duration.ofSeconds(20));
        assertThat(throttle.retryAfter("alice", "10.0.0.1", t0.plusSeconds(10))).isEmpty();
        assertThat(throttle.retryAfter("bob", "10.0.0.9", t0.plusSeconds(30))).isEmpty();
    }

    @Test
    void aSuccessClearsTheCount() {
        LoginThrottle throttle = LoginThrottle.defaults();
        for (int i = 0; i < 4; i++) {
            throttle.failed("bob", "10.0.0.9", t0);
        }
        throttle.succeeded("bob", "10.0.0.9");
        throttle.failed("bob", "10.0.0.9", t0);
        assertThat(throttle.retryAfter("bob", "10.0.0.9", t0)).isEmpty();
    }
}
