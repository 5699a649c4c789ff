package io.lifeboat.storage.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/** Sparse raw test images: random data in runs scattered over a larger capacity. */
final class TestImages {

    private TestImages() {
    }

    /** Creates {@code file} of {@code capacity} bytes with {@code runs} runs of {@code runBytes} random bytes. */
    static void sparseRaw(Path file, long capacity, int runs, int runBytes, Random rnd) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] b = new byte[runBytes];
            long slot = capacity / runs / 65536 * 65536;
            for (int i = 0; i < runs; i++) {
                rnd.nextBytes(b);
                ch.write(ByteBuffer.wrap(b), i * slot);
            }
            ch.truncate(capacity);
            if (ch.size() < capacity) {
                ch.write(ByteBuffer.wrap(new byte[1]), capacity - 1);
            }
        }
    }

    /** Overwrites {@code count} random 64 KiB grains inside the first {@code limit} bytes' data runs. */
    static void rewrite(Path file, long offset, int bytes, Random rnd) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            byte[] b = new byte[bytes];
            rnd.nextBytes(b);
            ch.write(ByteBuffer.wrap(b), offset);
        }
    }
}
