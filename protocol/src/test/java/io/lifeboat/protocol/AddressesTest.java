package io.lifeboat.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressesTest {

    @Test
    void buildersProduceDottedAddresses() {
        assertThat(Addresses.hostCommands("hostA")).isEqualTo("lifeboat.host.hostA.cmd");
        assertThat(Addresses.hostEvents("host-b_2")).isEqualTo("lifeboat.host.host-b_2.events");
        assertThat(Addresses.guestEvents(MessageSamples.GUEST_ID))
                .isEqualTo("lifeboat.guest." + MessageSamples.GUEST_ID + ".events");
        assertThat(Addresses.coordinator("c1")).isEqualTo("lifeboat.coordinator.c1");
        assertThat(Addresses.EVENTS).isEqualTo("lifeboat.events");
        assertThat(Addresses.AGENT_INBOUND).startsWith(Addresses.PREFIX);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a.b", "a b", "tab\there", "new\nline", "nbsp\u00A0x", "ctl\u0007"})
    void idsThatWouldBreakAnAddressAreRefused(String id) {
        assertThatThrownBy(() -> Addresses.hostCommands(id))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("host id '");
        assertThat(Addresses.isValidSegment(id)).isFalse();
    }

    @Test
    void emptyMissingAndOverlongIdsAreRefused() {
        assertThatThrownBy(() -> Addresses.guestEvents("")).hasMessage("guest id is empty: an address needs a"
                + " non-empty id");
        assertThatThrownBy(() -> Addresses.guestEvents(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Addresses.coordinator("x".repeat(129)))
                .hasMessageContaining("has 129 characters, more than the 128 allowed");
    }

    @Test
    void theDotIsNamedWithItsPosition() {
        assertThatThrownBy(() -> Addresses.hostCommands("hostA.evil"))
                .hasMessage("host id 'hostA.evil' contains a dot at index 5: ids are single address segments");
    }
}
