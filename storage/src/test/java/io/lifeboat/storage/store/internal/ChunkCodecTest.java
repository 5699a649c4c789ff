package io.lifeboat.storage.store.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * A stored chunk whose compressed bytes were damaged on disk fails with one exception type that readers (scrub,
 * restore, materialise) turn into "corrupt chunk", whatever zstd makes of the damage.
 */
class ChunkCodecTest {

    private static final byte[] RAW = "lifeboat keeps the parish office running\n".repeat(1600)
            .getBytes(StandardCharsets.UTF_8);

    private static byte[] compressed() {
        byte[] dst = new byte[ChunkCodec.bound(RAW.length)];
        int n = ChunkCodec.compress(RAW, 0, RAW.length, dst, 0);
        assertThat(n).as("the sample is compressible").isPositive().isLessThan(RAW.length / 4);
        return Arrays.copyOf(dst, n);
    }

    @Property(tries = 200)
    void damagedCompressedBytesNeverEscapeAsAnythingButIllegalState(@ForAll @IntRange(min = 0, max = 10_000) int at,
                                                                  @ForAll @IntRange(min = 1, max = 255) int flip) {
        byte[] stored = compressed();
        stored[at % stored.length] ^= (byte) flip;
        byte[] out = new byte[RAW.length];
        try {
            ChunkCodec.decompress(stored, 0, stored.length, out, 0, RAW.length);
        } catch (IllegalStateException e) {
            assertThat(e).hasMessageContaining("zstd chunk");
        }
    }

    @Test
    void aDestroyedFrameHeaderIsAnIllegalStateNamingZstd() {
        byte[] stored = compressed();
        Arrays.fill(stored, 0, Math.min(8, stored.length), (byte) 0xFF);
        assertThatThrownBy(() -> ChunkCodec.decompress(stored, 0, stored.length, new byte[RAW.length], 0,
                RAW.length)).isInstanceOf(IllegalStateException.class).hasMessageContaining("zstd chunk");
    }
}
