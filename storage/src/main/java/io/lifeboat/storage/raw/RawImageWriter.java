package io.lifeboat.storage.raw;

import io.lifeboat.storage.ImageWriter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** Writes a sparse raw image: non-zero grains are written, everything else stays a hole. */
public final class RawImageWriter implements ImageWriter {

    private static final ByteBuffer ZERO_GRAIN = ByteBuffer.allocateDirect(RawImage.GRAIN_SIZE).asReadOnlyBuffer();

    private final Path target;
    private final long capacity;
    private final PendingImageFile file;
    private final FileChannel channel;
    private long next;

    private RawImageWriter(Path target, long capacity, PendingImageFile file) {
        this.target = target;
        this.capacity = capacity;
        this.file = file;
        this.channel = file.channel();
    }

    /** Starts a raw image of {@code capacity} bytes that will be renamed to {@code target} on close. */
    public static RawImageWriter create(Path target, long capacity) throws IOException {
        if (capacity < 0) {
            throw new IllegalArgumentException(target.getFileName() + ": capacity " + capacity + " is negative");
        }
        return new RawImageWriter(target, capacity, PendingImageFile.create(target, capacity));
    }

    @Override
    public Path target() {
        return target;
    }

    @Override
    public long capacity() {
        return capacity;
    }

    @Override
    public int grainSize() {
        return RawImage.GRAIN_SIZE;
    }

    @Override
    public void write(long offset, ByteBuffer data) throws IOException {
        file.requireOpen();
        int n = data.remaining();
        if (offset < next || offset > capacity - n) {
            file.markFailed();
            throw new IllegalArgumentException(target.getFileName() + ": write of " + n + " bytes at offset " + offset
                    + " goes backwards (next offset " + next + ") or past capacity (" + capacity + " bytes)");
        }
        try {
            long pos = offset;
            int limit = data.limit();
            while (data.hasRemaining()) {
                // Cut at grain boundaries of the guest disk; skip slices that are all zeros.
                int k = (int) Math.min(data.remaining(), RawImage.GRAIN_SIZE - pos % RawImage.GRAIN_SIZE);
                data.limit(data.position() + k);
                if (data.mismatch(ZERO_GRAIN.duplicate().limit(k)) < 0) {
                    data.position(data.limit());
                } else {
                    long p = pos;
                    while (data.hasRemaining()) {
                        p += channel.write(data, p);
                    }
                }
                data.limit(limit);
                pos += k;
            }
            next = offset + n;
        } catch (IOException | RuntimeException e) {
            file.markFailed();
            throw e;
        }
    }

    @Override
    public void commit() throws IOException {
        file.commit(() -> { });
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
