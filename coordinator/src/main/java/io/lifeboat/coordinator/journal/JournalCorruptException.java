package io.lifeboat.coordinator.journal;

import java.io.IOException;
import java.nio.file.Path;

/** Thrown when a journal or snapshot file holds damaged data before its end, naming the file and the offset. */
public final class JournalCorruptException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;

    /** Creates the exception for damage found in {@code file} at byte {@code offset}. */
    public JournalCorruptException(Path file, long offset, String problem) {
        super(file + ": offset " + offset + ": " + problem);
        this.file = file;
        this.offset = offset;
    }

    /** The damaged file. */
    public Path file() {
        return file;
    }

    /** Byte offset of the damaged frame in the file. */
    public long offset() {
        return offset;
    }
}
