package io.lifeboat.storage.store.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Reads chunks out of pack files, keeping the last pack open. Not thread-safe. */
public final class PackReader implements AutoCloseable {

    private final Path packDir;
    private long openId;
    private FileChannel open;
    private byte[] stored = new byte[0];

    public PackReader(Path packDir) {
        this.packDir = packDir;
    }

    /** Reads the chunk at {@code e} into {@code dst} at {@code off}; returns its raw length. */
    public int read(PackEntry e, byte[] dst, int off) throws IOException {
        Path file = packDir.resolve(PackFiles.fileName(e.pack()));
        if (open == null || openId != e.pack()) {
            close();
            open = FileChannel.open(file, StandardOpenOption.READ);
            openId = e.pack();
        }
        if (e.codec() == ChunkCodec.RAW) {
            PackFiles.readFully(open, ByteBuffer.wrap(dst, off, e.stored()), e.offset(), file);
            return e.stored();
        }
        if (stored.length < e.stored()) {
            stored = new byte[e.stored()];
        }
        PackFiles.readFully(open, ByteBuffer.wrap(stored, 0, e.stored()), e.offset(), file);
        try {
            ChunkCodec.decompress(stored, 0, e.stored(), dst, off, e.raw());
        } catch (IllegalStateException ex) {
            throw new IOException(file + " offset " + e.offset() + ": " + ex.getMessage(), ex);
        }
        return e.raw();
    }

    @Override
    public void close() throws IOException {
        if (open != null) {
            open.close();
            open = null;
        }
    }
}
