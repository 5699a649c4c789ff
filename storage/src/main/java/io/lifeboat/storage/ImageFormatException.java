package io.lifeboat.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An image file that breaks the rules of its format. The message always names the file and the field, for example
 * {@code disk.vmdk: grain directory offset 9223372036854775807 beyond end of file (4194304 bytes)}.
 */
public class ImageFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    public ImageFormatException(Path file, String problem) {
        super(file.getFileName() + ": " + problem);
    }

    public ImageFormatException(Path file, String problem, Throwable cause) {
        super(file.getFileName() + ": " + problem, cause);
    }
}
