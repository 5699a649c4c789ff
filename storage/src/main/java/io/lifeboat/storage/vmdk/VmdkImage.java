package io.lifeboat.storage.vmdk;

import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.ImageFormatException;

import java.io.IOException;
import java.nio.file.Path;

/** A VMDK image opened read-only: its descriptor and its extents in guest order. */
public final class VmdkImage {

    private VmdkImage() {
    }

    /** Opens a VMDK sparse file or descriptor file read-only. */
    public static DiskImage open(Path file) throws IOException {
        throw new ImageFormatException(file, "VMDK reading is not implemented yet");
    }
}
