package io.lifeboat.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.Heartbeat;
import io.vertx.core.buffer.Buffer;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {

    private final List<Envelope> received = new ArrayList<>();

    private static List<Envelope> sampleEnvelopes() {
        List<Envelope> envelopes = new ArrayList<>();
        envelopes.add(MessageSamples.envelopeWith(MessageSamples.payloadFields().get(0)));
        envelopes.add(Envelope.getDefaultInstance()); // a zero-length frame
        envelopes.add(MessageSamples.envelopeWith(
                Envelope.getDescriptor().findFieldByName("inventory")));
        envelopes.add(Envelope.newBuilder().setSender("hostA").setSequence(3)
                .setHeartbeat(Heartbeat.newBuilder().setHostId("hostA")).build());
        return envelopes;
    }

    private static Buffer stream(List<Envelope> envelopes) {
        FrameEncoder encoder = new FrameEncoder();
        Buffer all = Buffer.buffer();
        envelopes.forEach(e -> all.appendBuffer(encoder.encode(e)));
        return all;
    }

    @Test
    void framesSplitAtEveryByteBoundaryReassemble() {
        List<Envelope> sent = sampleEnvelopes();
        Buffer bytes = stream(sent);

        for (int split = 0; split <= bytes.length(); split++) {
            List<Envelope> out = new ArrayList<>();
            FrameDecoder decoder = new FrameDecoder(out::add);
            decoder.handle(bytes.getBuffer(0, split));
            decoder.handle(bytes.getBuffer(split, bytes.length()));
            decoder.end();
            assertThat(out).as("split at byte %d of %d", split, bytes.length()).isEqualTo(sent);
        }
    }

    @Test
    void framesFedOneByteAtATimeReassemble() {
        List<Envelope> sent = sampleEnvelopes();
        Buffer bytes = stream(sent);
        FrameDecoder decoder = new FrameDecoder(received::add);

        for (int i = 0; i < bytes.length(); i++) {
            decoder.handle(bytes.getBuffer(i, i + 1));
        }
        decoder.end();

        assertThat(received).isEqualTo(sent);
        assertThat(decoder.framesDecoded()).isEqualTo(sent.size());
    }

    @Test
    void anOversizedLengthIsRefusedBeforeAnyAllocationAndTheDecoderStops() {
        FrameDecoder decoder = new FrameDecoder(FrameFormat.DEFAULT_MAX_FRAME_BYTES, "10.0.0.2:4711", received::add);

        assertThatThrownBy(() -> decoder.handle(Buffer.buffer(new byte[] {-1, -1, -1, -1, 1, 2, 3})))
                .isInstanceOf(FrameException.class)
                .hasMessage("10.0.0.2:4711: frame 1 at byte offset 0: frame of 4294967295 bytes exceeds the maximum"
                        + " of 1048576 bytes");
        assertThat(decoder.largestAllocationBytes()).isZero();
        assertThatThrownBy(() -> decoder.handle(stream(sampleEnvelopes())))
                .isInstanceOf(FrameException.class)
                .hasMessageStartingWith("10.0.0.2:4711: decoder refuses further input after an earlier error");
        assertThat(received).isEmpty();
    }

    @Test
    void anOversizedLengthAllocatesNoMoreThanTheMaximumOnTheHeap() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Buffer header = Buffer.buffer().appendInt(60 << 20);
        refuse(new FrameDecoder(1024, null, received::add), header); // warm up: class loading, string concat

        FrameDecoder decoder = new FrameDecoder(1024, null, received::add);
        long before = threads.getCurrentThreadAllocatedBytes();
        FrameException refusal = refuse(decoder, header);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertThat(refusal).hasMessageContaining("frame of 62914560 bytes exceeds the maximum of 1024 bytes");
        assertThat(allocated).as("bytes allocated while refusing a 60 MiB frame").isLessThan(64 * 1024);
    }

    private static FrameException refuse(FrameDecoder decoder, Buffer input) {
        try {
            decoder.handle(input);
        } catch (FrameException e) {
            return e;
        }
        throw new AssertionError("decoder accepted " + input.length() + " bytes");
    }

    @Test
    void aFrameAtExactlyTheMaximumIsAcceptedAndOneByteMoreIsNot() {
        Envelope envelope = Envelope.newBuilder().setSender("x".repeat(100)).build();
        int size = envelope.getSerializedSize();

        new FrameDecoder(size, null, received::add).handle(new FrameEncoder(size).encode(envelope));
        assertThat(received).containsExactly(envelope);

        assertThatThrownBy(() -> new FrameDecoder(size - 1, null, received::add)
                .handle(new FrameEncoder(size).encode(envelope)))
                .isInstanceOf(FrameException.class)
                .hasMessageContaining("frame of " + size + " bytes exceeds the maximum of " + (size - 1) + " bytes");
        assertThatThrownBy(() -> new FrameEncoder(size - 1).encode(envelope))
                .isInstanceOf(FrameException.class)
                .hasMessage("envelope payload_not_set of " + size + " bytes exceeds the maximum frame size of "
                        + (size - 1) + " bytes");
    }

    @Test
    void bytesThatAreNotAnEnvelopeAreRefused() {
        FrameDecoder decoder = new FrameDecoder(1024, "hostA", received::add);
        Buffer garbage = Buffer.buffer().appendInt(5).appendBytes(new byte[] {-1, -1, -1, -1, -1});

        assertThatThrownBy(() -> decoder.handle(garbage))
                .isInstanceOf(FrameException.class)
                .hasMessageStartingWith("hostA: frame 1 at byte offset 0: 5 bytes do not parse as a"
                        + " lifeboat.v1.Envelope");
        assertThat(decoder.isFailed()).isTrue();
        assertThat(received).isEmpty();
    }

    @Test
    void framesBeforeGarbageAreDeliveredAndNothingAfter() {
        List<Envelope> sent = sampleEnvelopes();
        Buffer bytes = stream(sent.subList(0, 1))
                .appendInt(3).appendBytes(new byte[] {0x0A, 0x7F, 0x00})
                .appendBuffer(stream(sent));
        FrameDecoder decoder = new FrameDecoder(received::add);

        assertThatThrownBy(() -> decoder.handle(bytes)).isInstanceOf(FrameException.class)
                .hasMessageContaining("frame 2 at byte offset " + (4 + sent.get(0).getSerializedSize()));
        assertThat(received).containsExactly(sent.get(0));
    }

    @Test
    void aStreamEndingInsideAFrameIsATruncationError() {
        Buffer frame = stream(sampleEnvelopes().subList(0, 1));
        FrameDecoder decoder = new FrameDecoder(FrameFormat.DEFAULT_MAX_FRAME_BYTES, "hostB", received::add);
        decoder.handle(frame.getBuffer(0, 10));

        assertThatThrownBy(decoder::end)
                .isInstanceOf(FrameException.class)
                .hasMessage("hostB: stream ended inside frame 1 at byte offset 0: 6 of " + (frame.length() - 4)
                        + " bytes received");
        assertThat(received).isEmpty();
    }

    @Test
    void aStreamEndingInsideALengthPrefixIsATruncationError() {
        FrameDecoder decoder = new FrameDecoder(received::add);
        decoder.handle(Buffer.buffer(new byte[] {0, 0}));

        assertThatThrownBy(decoder::end)
                .isInstanceOf(FrameException.class)
                .hasMessage("stream ended inside the length prefix of frame 1 at byte offset 0: 2 of 4 bytes"
                        + " received");
    }

    @Test
    void aStreamEndingBetweenFramesIsClean() {
        FrameDecoder decoder = new FrameDecoder(received::add);
        decoder.handle(stream(sampleEnvelopes()));
        decoder.end();

        assertThat(decoder.isFailed()).isFalse();
        assertThatThrownBy(() -> decoder.handle(Buffer.buffer(new byte[] {0})))
                .isInstanceOf(FrameException.class)
                .hasMessage("received 1 bytes after the end of the stream");
    }

    @Test
    void maximumFrameSizesOutsideTheLimitsAreRejected() {
        assertThatThrownBy(() -> new FrameDecoder(0, null, received::add))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maximum frame size 0 bytes is outside 1..67108864 bytes");
        assertThatThrownBy(() -> new FrameEncoder(FrameFormat.LIMIT_MAX_FRAME_BYTES + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
