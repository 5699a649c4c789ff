package io.lifeboat.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.FieldDescriptor;
import io.lifeboat.protocol.v1.Envelope;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class EnvelopeRoundTripTest {

    @TestFactory
    Stream<DynamicTest> everyPayloadTypeSurvivesSerializationWithEveryFieldSet() {
        return MessageSamples.payloadFields().stream().map(field -> DynamicTest.dynamicTest(field.getName(), () -> {
            Envelope sent = MessageSamples.envelopeWith(field);
            assertThat(MessageSamples.defaultFields(sent)).as("fields left at their default").isEmpty();

            Envelope received = Envelope.parseFrom(sent.toByteArray());

            assertThat(received).isEqualTo(sent);
            assertThat(received.getPayloadCase().getNumber()).isEqualTo(field.getNumber());
            assertThat(MessageSamples.defaultFields(received)).as("fields lost in transit").isEmpty();
            assertThat(received.getUnknownFields().asMap()).isEmpty();
        }));
    }

    @Test
    void payloadCoversLinkEventsAndCommands() {
        List<String> names = MessageSamples.payloadFields().stream().map(FieldDescriptor::getName).toList();

        assertThat(names).contains("hello", "hello_ack", "hello_refused", "lease_renew", "lease_grant",
                "command_ack", "command_result", "heartbeat", "inventory", "replication_started",
                "replication_progress", "replication_committed", "replication_failed", "host_suspected", "host_lost",
                "failover_step_started", "failover_step_completed", "failover_step_failed", "failback_step",
                "drill_started", "drill_step", "drill_report", "fenced", "audit", "backup_guest",
                "materialise_restore_point", "register_guest", "start_guest", "stop_guest", "unregister_guest",
                "fence", "probe_peer_host", "reverse_replicate", "drill_boot", "drill_teardown", "cancel");
        assertThat(names).doesNotHaveDuplicates();
    }

    @Test
    void anEnvelopeFromANewerMinorWithAnUnknownPayloadParsesWithNoPayload() throws Exception {
        Envelope known = Envelope.newBuilder().setMessageId("m-1").setSender("hostA").setSequence(4).build();
        byte[] unknownPayload = {(byte) 0xFA, 0x07, 0x02, 0x08, 0x01}; // field 127, length-delimited, 2 bytes
        byte[] wire = concat(known.toByteArray(), unknownPayload);

        Envelope parsed = Envelope.parseFrom(wire);

        assertThat(parsed.getPayloadCase()).isEqualTo(Envelope.PayloadCase.PAYLOAD_NOT_SET);
        assertThat(parsed.getSender()).isEqualTo("hostA");
        assertThat(parsed.getUnknownFields().hasField(127)).isTrue();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
