package io.lifeboat.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeboat.protocol.v1.Hello;
import io.lifeboat.protocol.v1.HelloRefused;
import io.lifeboat.protocol.v1.RefusalReason;
import io.lifeboat.protocol.v1.Role;
import org.junit.jupiter.api.Test;

class ProtocolVersionTest {

    private static Hello hello(int major, int minor) {
        return Hello.newBuilder().setRole(Role.ROLE_AGENT).setSenderId("hostA")
                .setProtocolMajor(major).setProtocolMinor(minor).setIncarnation(3).build();
    }

    @Test
    void theCurrentVersionIsOnePointSomething() {
        assertThat(ProtocolVersion.CURRENT.major()).isEqualTo(1);
        assertThat(ProtocolVersion.CURRENT).hasToString("1." + ProtocolVersion.CURRENT.minor());
    }

    @Test
    void aPeerWithTheSameMajorAndAnyMinorIsAccepted() {
        assertThat(ProtocolVersion.requireCompatible(hello(1, 0))).isEqualTo(new ProtocolVersion(1, 0));
        assertThat(ProtocolVersion.requireCompatible(hello(1, 9))).isEqualTo(new ProtocolVersion(1, 9));
        assertThat(new ProtocolVersion(1, 2).isCompatibleWith(new ProtocolVersion(1, 7))).isTrue();
    }

    @Test
    void aPeerWithAnotherMajorIsRefusedNamingBothVersionsAndThePeer() {
        assertThatThrownBy(() -> ProtocolVersion.requireCompatible(hello(2, 1)))
                .isInstanceOf(IncompatibleProtocolVersionException.class)
                .hasMessage("peer hostA speaks lifeboat protocol 2.1, this side speaks " + ProtocolVersion.CURRENT
                        + ": major versions differ, upgrade the older side");
        assertThatThrownBy(() -> new ProtocolVersion(1, 0).requireCompatible(new ProtocolVersion(0, 9), "c2"))
                .isInstanceOf(IncompatibleProtocolVersionException.class)
                .hasMessage("peer c2 speaks lifeboat protocol 0.9, this side speaks 1.0: major versions differ,"
                        + " upgrade the older side");
    }

    @Test
    void theRefusalCarriesTheReasonTheMessageAndOurVersion() {
        IncompatibleProtocolVersionException e = new IncompatibleProtocolVersionException("hostA",
                new ProtocolVersion(2, 0), new ProtocolVersion(1, 3));

        HelloRefused refusal = e.toHelloRefused("c1");

        assertThat(refusal.getReason()).isEqualTo(RefusalReason.REFUSAL_REASON_INCOMPATIBLE_VERSION);
        assertThat(refusal.getMessage()).isEqualTo(e.getMessage());
        assertThat(refusal.getProtocolMajor()).isEqualTo(1);
        assertThat(refusal.getProtocolMinor()).isEqualTo(3);
        assertThat(refusal.getResponderId()).isEqualTo("c1");
        assertThat(e.peerId()).isEqualTo("hostA");
        assertThat(e.peerVersion()).isEqualTo(new ProtocolVersion(2, 0));
    }

    @Test
    void versionsOrderByMajorThenMinorAndRejectNegatives() {
        assertThat(new ProtocolVersion(1, 10)).isGreaterThan(new ProtocolVersion(1, 9));
        assertThat(new ProtocolVersion(2, 0)).isGreaterThan(new ProtocolVersion(1, 99));
        assertThatThrownBy(() -> new ProtocolVersion(-1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
