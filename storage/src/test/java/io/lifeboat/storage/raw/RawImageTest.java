package io.lifeboat.storage.raw;

import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.DiskImages;
import io.lifeboat.storage.ImageFormat;
import io.lifeboat.storage.ImageRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RawImageTest {

    private static final int MIB = 1024 * 1024;

    @TempDir
    Path dir;

    private static void writeAt(FileChannel ch, long offset, int len, byte value) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len);
        while (b.hasRemaining()) {
            b.put(value);
        }
        b.flip();
        while (b.hasRemaining()) {
            ch.write(b, offset + b.position());
        }
    }

    @Test
    void mapFindsDataBetweenHolesRoundedToTheGrain() throws IOException {
        Path f = dir.resolve("disk.raw");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeAt(ch, 3 * MIB + 100, 10, (byte) 7);
            writeAt(ch, 8 * MIB, MIB, (byte) 9);
            ch.truncate(16L * MIB);
            writeAt(ch, 16L * MIB - 1, 1, (byte) 0);
        }
        try (DiskImage img = DiskImages.open(f)) {
            assertThat(img.info().format()).isEqualTo(ImageFormat.RAW);
            assertThat(img.capacity()).isEqualTo(16L * MIB + 0);
            List<ImageRange> map = img.map();
            assertThat(map.get(0).start()).isZero();
            assertThat(map.get(map.size() - 1).end()).isEqualTo(img.capacity());
            for (int i = 1; i < map.size(); i++) {
                assertThat(map.get(i).start()).isEqualTo(map.get(i - 1).end());
                assertThat(map.get(i).data()).isNotEqualTo(map.get(i - 1).data());
            }
            for (ImageRange r : map) {
                assertThat(r.start() % RawImage.GRAIN_SIZE).isZero();
            }
            // The written regions are data; a region far from any write is a hole (on file systems with holes).
            assertThat(covered(map, 3 * MIB + 100)).isTrue();
            assertThat(covered(map, 8 * MIB)).isTrue();
            assertThat(covered(map, 9 * MIB - 1)).isTrue();
            long dataBytes = map.stream().filter(ImageRange::data).mapToLong(ImageRange::length).sum();
            if (dataBytes < img.capacity()) {
                assertThat(covered(map, 12 * MIB)).isFalse();
            }
            ByteBuffer buf = ByteBuffer.allocate(16);
            img.read(3 * MIB + 96, buf);
            assertThat(buf.array()).containsExactly(0, 0, 0, 0, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 0, 0);
        }
    }

    @Test
    void readPastCapacityIsRefused() throws IOException {
        Path f = dir.resolve("small.raw");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeAt(ch, 0, 4096, (byte) 1);
        }
        try (DiskImage img = DiskImages.open(f)) {
            assertThatThrownBy(() -> img.read(4000, ByteBuffer.allocate(200)))
                    .isInstanceOf(EOFException.class).hasMessageContaining("small.raw");
            assertThat(img.map()).containsExactly(new ImageRange(0, 4096, true, false));
        }
    }

    @Test
    void emptyFileHasAnEmptyMap() throws IOException {
        Path f = dir.resolve("empty.raw");
        FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        try (DiskImage img = DiskImages.open(f)) {
            assertThat(img.map()).isEmpty();
        }
    }

    private static boolean covered(List<ImageRange> map, long offset) {
        return map.stream().anyMatch(r -> r.data() && r.start() <= offset && offset < r.end());
    }
}
