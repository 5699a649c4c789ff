package io.lifeboat.storage.store;

import io.lifeboat.storage.ImageFormat;
import io.lifeboat.storage.ImageRange;
import io.lifeboat.storage.ImageWriter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** Materialises one disk of a restore point as an image file (VMDK monolithicSparse or sparse raw). */
public final class RestorePointWriter {

    private RestorePointWriter() {
    }

    /**
     * Writes {@code disk} of a point in {@code store} to {@code out} through an {@link ImageWriter}: only non-zero
     * grains are written, the file appears under its name only when complete. Returns the data bytes written.
     */
    public static long write(ChunkStore store, DiskManifest disk, Path out, ImageFormat format) throws IOException {
        long written = 0;
        try (RestorePointImage img = new RestorePointImage(store, disk);
             ImageWriter w = ImageWriter.create(out, format, disk.capacity(), disk.adapterType())) {
            byte[] buf = new byte[1 << 20];
            for (ImageRange r : img.map()) {
                if (!r.data()) {
                    continue;
                }
                for (long pos = r.start(); pos < r.end(); ) {
                    int n = (int) Math.min(buf.length, r.end() - pos);
                    img.read(pos, ByteBuffer.wrap(buf, 0, n));
                    w.write(pos, ByteBuffer.wrap(buf, 0, n));
                    pos += n;
                    written += n;
                }
            }
            w.commit();
        }
        return written;
    }
}
