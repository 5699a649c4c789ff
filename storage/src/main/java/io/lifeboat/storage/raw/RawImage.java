package io.lifeboat.storage.raw;

import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.ImageFormat;
import io.lifeboat.storage.ImageInfo;
import io.lifeboat.storage.ImageRange;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** A raw disk image: the file's bytes are the guest's bytes; its holes read as zeros and are never read. */
public final class RawImage implements DiskImage {

    /** The allocation unit reported for raw images. */
    public static final int GRAIN_SIZE = 64 * 1024;

    private final Path path;
    private final FileChannel channel;
    private final long capacity;

    private RawImage(Path path, FileChannel channel, long capacity) {
        this.path = path;
        this.channel = channel;
        this.capacity = capacity;
    }

    /** Opens {@code file} read-only as a raw image whose capacity is the file size. */
    public static RawImage open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new RawImage(file, ch, ch.size());
        } catch (RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public ImageInfo info() {
        return new ImageInfo(ImageFormat.RAW, null, null, capacity, GRAIN_SIZE, null, null, false,
                List.of(String.valueOf(path.getFileName())));
    }

    @Override
    public long capacity() {
        return capacity;
    }

    @Override
    public int grainSize() {
        return GRAIN_SIZE;
    }

    @Override
    public List<ImageRange> map() throws IOException {
        List<long[]> extents = HoleFinder.dataExtents(path, capacity);
        List<ImageRange> out = new ArrayList<>();
        long pos = 0;
        long g = GRAIN_SIZE;
        for (long[] e : extents) {
            long start = Math.max(pos, e[0] / g * g);
            long end = Math.min(capacity, (e[1] + g - 1) / g * g);
            if (end <= pos) {
                continue;
            }
            if (start > pos) {
                out.add(new ImageRange(pos, start - pos, false, true));
                pos = start;
            }
            if (!out.isEmpty() && out.get(out.size() - 1).data() && out.get(out.size() - 1).end() == start) {
                ImageRange last = out.remove(out.size() - 1);
                out.add(new ImageRange(last.start(), end - last.start(), true, false));
            } else {
                out.add(new ImageRange(start, end - start, true, false));
            }
            pos = end;
        }
        if (pos < capacity) {
            out.add(new ImageRange(pos, capacity - pos, false, true));
        }
        return out;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int want = dst.remaining();
        if (offset < 0 || offset > capacity - want) {
            throw new EOFException(path.getFileName() + ": read of " + want + " bytes at offset " + offset
                    + " beyond capacity (" + capacity + " bytes)");
        }
        long pos = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                // The file shrank since it was opened: what is gone reads as zeros.
                while (dst.hasRemaining()) {
                    dst.put((byte) 0);
                }
                break;
            }
            pos += n;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
