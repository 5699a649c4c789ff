package io.lifeboat.storage.store;

import java.io.IOException;

/** Bytes offered for a chunk whose SHA-256 is not the chunk's id; the chunk is refused. */
public class ChunkMismatchException extends IOException {

    private static final long serialVersionUID = 1L;

    public ChunkMismatchException(String message) {
        super(message);
    }
}
