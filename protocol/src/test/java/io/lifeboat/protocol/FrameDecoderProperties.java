package io.lifeboat.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeboat.protocol.v1.Envelope;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class FrameDecoderProperties {

    private static final List<Envelope> SAMPLES = MessageSamples.payloadFields().stream()
            .map(MessageSamples::envelopeWith)
            .toList();

    @Property(tries = 600)
    void arbitraryBytesRaiseNothingButFrameExceptionAndStayWithinTheMaximum(
            @ForAll("streams") byte[] stream,
            @ForAll @IntRange(min = 1, max = 4096) int maxFrameBytes,
            @ForAll @Size(min = 1, max = 8) List<@IntRange(min = 1, max = 700) Integer> chunkSizes) {
        List<Envelope> out = new ArrayList<>();
        FrameDecoder decoder = new FrameDecoder(maxFrameBytes, "fuzz", out::add);

        try {
            feed(decoder, stream, chunkSizes);
            decoder.end();
        } catch (FrameException expected) {
            assertThat(expected.getMessage()).startsWith("fuzz: ");
            assertThat(decoder.isFailed()).isTrue();
        }

        assertThat(decoder.largestAllocationBytes()).isLessThanOrEqualTo(maxFrameBytes);
        assertThat(out).hasSize((int) decoder.framesDecoded());
    }

    @Property(tries = 300)
    void validStreamsSplitAnywhereReassemble(
            @ForAll @Size(max = 6) List<@IntRange(min = 0, max = 35) Integer> picks,
            @ForAll @Size(min = 1, max = 8) List<@IntRange(min = 1, max = 300) Integer> chunkSizes) {
        List<Envelope> sent = picks.stream().map(SAMPLES::get).toList();
        FrameEncoder encoder = new FrameEncoder();
        Buffer all = Buffer.buffer();
        sent.forEach(e -> all.appendBuffer(encoder.encode(e)));
        List<Envelope> out = new ArrayList<>();
        FrameDecoder decoder = new FrameDecoder(out::add);

        feed(decoder, all.getBytes(), chunkSizes);
        decoder.end();

        assertThat(out).isEqualTo(sent);
    }

    private static void feed(FrameDecoder decoder, byte[] stream, List<Integer> chunkSizes) {
        int pos = 0;
        int i = 0;
        while (pos < stream.length) {
            int n = Math.min(chunkSizes.get(i++ % chunkSizes.size()), stream.length - pos);
            decoder.handle(Buffer.buffer().appendBytes(stream, pos, n));
            pos += n;
        }
    }

    /** Streams of valid, mutated, truncated, randomly sized and random frames, mixed. */
    @Provide
    Arbitrary<byte[]> streams() {
        Arbitrary<byte[]> valid = Arbitraries.of(SAMPLES).map(e -> new FrameEncoder().encode(e).getBytes());
        Arbitrary<byte[]> mutated = Arbitraries.of(SAMPLES)
                .flatMap(e -> {
                    byte[] frame = new FrameEncoder().encode(e).getBytes();
                    return Arbitraries.integers().between(0, frame.length - 1).list().ofMaxSize(4)
                            .flatMap(positions -> Arbitraries.bytes().list().ofSize(positions.size())
                                    .map(values -> {
                                        byte[] copy = frame.clone();
                                        for (int k = 0; k < positions.size(); k++) {
                                            copy[positions.get(k)] = values.get(k);
                                        }
                                        return copy;
                                    }));
                });
        Arbitrary<byte[]> truncated = valid.flatMap(frame -> Arbitraries.integers().between(0, frame.length)
                .map(n -> java.util.Arrays.copyOf(frame, n)));
        Arbitrary<byte[]> smallRandomFrame = Arbitraries.bytes().array(byte[].class).ofMaxSize(64)
                .map(body -> Buffer.buffer().appendInt(body.length).appendBytes(body).getBytes());
        Arbitrary<byte[]> lyingLength = Arbitraries.integers().between(Integer.MIN_VALUE, Integer.MAX_VALUE)
                .map(n -> Buffer.buffer().appendInt(n).appendBytes(new byte[] {8, 1}).getBytes());
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(256);
        return Arbitraries.oneOf(valid, mutated, truncated, smallRandomFrame, lyingLength, random)
                .list().ofMaxSize(6)
                .map(parts -> {
                    Buffer all = Buffer.buffer();
                    parts.forEach(all::appendBytes);
                    return all.getBytes();
                });
    }
}
