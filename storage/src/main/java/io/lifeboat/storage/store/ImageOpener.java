package io.lifeboat.storage.store;

import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.DiskImages;

import java.io.IOException;
import java.nio.file.Path;

/** Opens a disk image for reading; {@link DiskImages#open} in production, fakes in tests. */
@FunctionalInterface
public interface ImageOpener {

    /** The production opener. */
    ImageOpener DEFAULT = DiskImages::open;

    DiskImage open(Path file) throws IOException;
}
