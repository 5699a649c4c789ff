package io.lifeboat.storage.store;

import io.lifeboat.storage.store.internal.PackEntry;
import io.lifeboat.storage.store.internal.PackReader;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.NoSuchFileException;

/** Reads stored chunks by id. Not thread-safe: one per reader thread. */
public final class ChunkReader implements Closeable {

    private final ChunkStore store;
    private final PackReader packs;

    ChunkReader(ChunkStore store) {
        this.store = store;
        this.packs = new PackReader(store.packDir());
    }

    /** Reads chunk {@code id} into {@code dst} at {@code off}; returns its length. */
    public int read(ChunkId id, byte[] dst, int off) throws IOException {
        PackEntry e = store.entry(id);
        if (e == null) {
            throw new NoSuchFileException(store.directory() + ": chunk " + id + " is not in the store");
        }
        return packs.read(e, dst, off);
    }

    @Override
    public void close() throws IOException {
        packs.close();
    }
}
