package io.lifeboat.storage.vmdk;

import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.DiskImages;
import io.lifeboat.storage.ImageRange;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** Helpers for hostile-input tests: open an image and read everything it claims to hold. */
final class HostileImages {

    private HostileImages() {
    }

    /** Opens {@code file}, maps it and reads every data range, as a backup would. */
    static void openMapAndReadAll(Path file) throws IOException {
        try (DiskImage img = DiskImages.open(file)) {
            img.info();
            if (img instanceof VmdkImage) {
                ((VmdkImage) img).detailedMap();
                ((VmdkImage) img).allocatedBytes();
            }
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            for (ImageRange r : img.map()) {
                if (!r.data() || r.zero()) {
                    continue;
                }
                for (long pos = r.start(); pos < r.end(); pos += buf.capacity()) {
                    buf.clear().limit((int) Math.min(buf.capacity(), r.end() - pos));
                    img.read(pos, buf);
                }
            }
        }
    }
}
