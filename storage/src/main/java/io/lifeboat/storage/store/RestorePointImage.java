package io.lifeboat.storage.store;

import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.ImageFormat;
import io.lifeboat.storage.ImageInfo;
import io.lifeboat.storage.ImageRange;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One disk of a restore point seen as a read-only {@link DiskImage}, so writers and drills read points like images. */
public final class RestorePointImage implements DiskImage {

    private final ChunkStore store;
    private final DiskManifest disk;
    private final ChunkReader reader;
    private final byte[] chunk;
    private long cachedGrain = -1;

    /** A view of {@code disk} whose chunks come from {@code store}. */
    public RestorePointImage(ChunkStore store, DiskManifest disk) {
        this.store = store;
        this.disk = disk;
        this.reader = store.reader();
        this.chunk = new byte[disk.grainSize()];
    }

    @Override
    public Path path() {
        return store.directory().resolve(disk.name());
    }

    @Override
    public ImageInfo info() {
        ImageFormat f;
        try {
            f = ImageFormat.valueOf(disk.format());
        } catch (RuntimeException e) {
            f = ImageFormat.RAW;
        }
        return new ImageInfo(f, disk.createType(), disk.adapterType(), disk.capacity(), disk.grainSize(), null, null,
                false, List.of());
    }

    @Override
    public long capacity() {
        return disk.capacity();
    }

    @Override
    public int grainSize() {
        return disk.grainSize();
    }

    @Override
    public List<ImageRange> map() {
        List<ImageRange> out = new ArrayList<>();
        ChunkList l = disk.chunks();
        long gs = disk.grainSize();
        long pos = 0;
        int i = 0;
        while (i < l.size()) {
            long first = l.grain(i);
            int j = i;
            while (j + 1 < l.size() && l.grain(j + 1) == l.grain(j) + 1) {
                j++;
            }
            long start = first * gs;
            long end = Math.min(disk.capacity(), (l.grain(j) + 1) * gs);
            if (start > pos) {
                out.add(new ImageRange(pos, start - pos, false, true));
            }
            out.add(new ImageRange(start, end - start, true, false));
            pos = end;
            i = j + 1;
        }
        if (pos < disk.capacity()) {
            out.add(new ImageRange(pos, disk.capacity() - pos, false, true));
        }
        return out;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        if (offset < 0 || offset + dst.remaining() > disk.capacity()) {
            throw new EOFException(path() + ": read of " + dst.remaining() + " bytes at " + offset
                    + " beyond capacity " + disk.capacity());
        }
        int gs = disk.grainSize();
        while (dst.hasRemaining()) {
            long grain = offset / gs;
            int within = (int) (offset % gs);
            int n = Math.min(dst.remaining(), disk.grainLength(grain) - within);
            int idx = disk.chunks().indexOf(grain);
            if (idx < 0) {
                for (int k = 0; k < n; k++) {
                    dst.put((byte) 0);
                }
            } else {
                if (cachedGrain != grain) {
                    reader.read(disk.chunks().id(idx), chunk, 0);
                    cachedGrain = grain;
                }
                dst.put(chunk, within, n);
            }
            offset += n;
        }
    }

    /** The disk this image shows. */
    public DiskManifest disk() {
        return disk;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
