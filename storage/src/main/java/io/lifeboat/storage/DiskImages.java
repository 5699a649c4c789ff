package io.lifeboat.storage;

import java.io.IOException;
import java.nio.file.Path;

/** Opens disk images, detecting their format from their contents. */
public final class DiskImages {

    private DiskImages() {
    }

    /**
     * Opens {@code file} read-only: a VMDK (sparse with embedded descriptor, or a text descriptor with its extents)
     * or, when no VMDK signature is found, a raw image.
     *
     * @throws ImageFormatException if the file claims a format and breaks its rules; the message names the file
     *                              and the field
     */
    public static DiskImage open(Path file) throws IOException {
        throw new UnsupportedOperationException("image formats arrive with the storage image engine");
    }
}
