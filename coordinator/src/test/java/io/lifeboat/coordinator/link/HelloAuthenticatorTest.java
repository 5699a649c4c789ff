package io.lifeboat.coordinator.link;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.lifeboat.protocol.HelloCredentials;
import io.lifeboat.protocol.v1.Hello;
import io.lifeboat.protocol.v1.HelloRefused;
import io.lifeboat.protocol.v1.RefusalReason;
import io.lifeboat.protocol.v1.Role;

class HelloAuthenticatorTest {

    private static final byte[] SITE = "site secret of sixteen+ bytes".getBytes(StandardCharsets.UTF_8);
    private static final byte[] B_ONLY = "hostB's own secret, 16+ bytes".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NONCE = "0123456789abcdef".getBytes(StandardCharsets.UTF_8);

    private final HelloAuthenticator authenticator = new HelloAuthenticator("c1",
            Map.of("site", SITE, "b", B_ONLY), Map.of("hostA", Optional.empty(), "hostB", Optional.of("b")));

    static Hello hello(String sender, String keyId, byte[] secret, int major, byte[] nonce) {
        return Hello.newBuilder().setRole(Role.ROLE_AGENT).setSenderId(sender).setProtocolMajor(major)
                .setProtocolMinor(0).setIncarnation(3)
                .setCredentials(new HelloCredentials(keyId, secret).sign(Role.ROLE_AGENT, sender, 3, nonce))
                .build();
    }

    private Optional<RefusalReason> reason(Hello hello) {
        return authenticator.check(hello).map(HelloRefused::getReason);
    }

    @Test
    void honestAgentsAreAccepted() {
        assertThat(authenticator.check(hello("hostA", "site", SITE, 1, NONCE))).isEmpty();
        assertThat(authenticator.check(hello("hostB", "b", B_ONLY, 1, NONCE))).isEmpty();
    }

    @Test
    void everyWayOfGettingItWrongIsRefusedWithItsReason() {
        assertThat(reason(hello("hostA", "site", "wrong secret, sixteen bytes".getBytes(StandardCharsets.UTF_8), 1,
                NONCE))).contains(RefusalReason.REFUSAL_REASON_BAD_CREDENTIALS);
        assertThat(reason(hello("hostB", "site", SITE, 1, NONCE)))
                .as("hostB must use its own key").contains(RefusalReason.REFUSAL_REASON_BAD_CREDENTIALS);
        assertThat(reason(hello("hostA", "site", SITE, 1, new byte[8])))
                .contains(RefusalReason.REFUSAL_REASON_BAD_CREDENTIALS);
        assertThat(reason(hello("hostZ", "site", SITE, 1, NONCE))).contains(RefusalReason.REFUSAL_REASON_UNKNOWN_SENDER);
        assertThat(reason(hello("host.A", "site", SITE, 1, NONCE))).contains(RefusalReason.REFUSAL_REASON_MALFORMED);
        assertThat(reason(hello("hostA", "site", SITE, 1, NONCE).toBuilder().setRole(Role.ROLE_COORDINATOR).build()))
                .contains(RefusalReason.REFUSAL_REASON_MALFORMED);
        Hello tampered = hello("hostA", "site", SITE, 1, NONCE).toBuilder().setIncarnation(4).build();
        assertThat(reason(tampered)).contains(RefusalReason.REFUSAL_REASON_BAD_CREDENTIALS);
    }

    @Test
    void anotherMajorVersionIsRefusedNamingBothSides() {
        assertThat(authenticator.check(hello("hostA", "site", SITE, 2, NONCE))).hasValueSatisfying(r -> {
            assertThat(r.getReason()).isEqualTo(RefusalReason.REFUSAL_REASON_INCOMPATIBLE_VERSION);
            assertThat(r.getMessage()).isEqualTo("peer hostA speaks lifeboat protocol 2.0, coordinator c1 speaks 1.0:"
                    + " major versions differ");
        });
    }
}
