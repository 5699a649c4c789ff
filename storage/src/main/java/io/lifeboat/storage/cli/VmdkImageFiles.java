package io.lifeboat.storage.cli;

import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.DiskImages;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Opens the image a {@code vmdk} command names, turning file-system errors into one-line messages. */
final class VmdkImageFiles {

    private VmdkImageFiles() {
    }

    static DiskImage open(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a directory, not a disk image");
        }
        try {
            return DiskImages.open(file);
        } catch (NoSuchFileException e) {
            throw new IOException(e.getFile() + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new IOException(e.getFile() + ": permission denied", e);
        }
    }
}
