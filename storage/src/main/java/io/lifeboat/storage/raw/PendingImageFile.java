package io.lifeboat.storage.raw;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An image file being written under a hidden temporary name next to its target: {@link #commit} makes it durable
 * and renames it over the target atomically; {@link #close} before that, or a failed write, leaves nothing behind.
 * Both image writers share this lifecycle, so a half-written image can never appear under the target's name.
 */
public final class PendingImageFile implements AutoCloseable {

    /** The writer's last writes before the file is made durable (e.g. metadata at the start of the file). */
    @FunctionalInterface
    public interface Finish {
        /** Writes what remains; runs once, just before fsync and rename. */
        void run() throws IOException;
    }

    private final Path target;
    private final Path tmp;
    private final RandomAccessFile file;
    private boolean failed;
    private boolean done;

    private PendingImageFile(Path target, Path tmp, RandomAccessFile file) {
        this.target = target;
        this.tmp = tmp;
        this.file = file;
    }

    /**
     * Creates the temporary file, sparse, of {@code length} bytes.
     *
     * @param target the image's final path
     * @param length initial length in bytes (a hole), 0 for an empty file
     * @return the pending file
     * @throws IOException if the temporary file cannot be created
     */
    public static PendingImageFile create(Path target, long length) throws IOException {
        Path tmp = ImageFiles.temporaryFor(target);
        Files.createFile(tmp);
        RandomAccessFile f = null;
        try {
            f = new RandomAccessFile(tmp.toFile(), "rw");
            if (length > 0) {
                f.setLength(length);
            }
            return new PendingImageFile(target, tmp, f);
        } catch (IOException | RuntimeException e) {
            if (f != null) {
                f.close();
            }
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /** @return the channel to write the image through */
    public FileChannel channel() {
        return file.getChannel();
    }

    /** Fails if the file was already committed or discarded. */
    public void requireOpen() {
        if (done) {
            throw new IllegalStateException(target.getFileName() + ": writer already closed");
        }
    }

    /** Records that a write failed: {@link #commit} will then discard the file instead of publishing it. */
    public void markFailed() {
        failed = true;
    }

    /**
     * Runs the writer's last writes, fsyncs, closes and renames the file over the target, then fsyncs the directory.
     * On any failure the temporary file is deleted and the target is left as it was.
     *
     * @param finish the writer's last writes
     * @throws IOException if a write failed earlier or now, or the rename fails
     */
    public void commit(Finish finish) throws IOException {
        if (done) {
            throw new IllegalStateException(target.getFileName() + ": already committed or discarded");
        }
        if (failed) {
            close();
            throw new IOException(target.getFileName() + ": a write failed; image discarded");
        }
        done = true;
        try {
            finish.run();
            file.getChannel().force(true);
            file.close();
            ImageFiles.commit(tmp, target);
        } catch (IOException | RuntimeException e) {
            file.close();
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /** Discards the file unless it was committed. */
    @Override
    public void close() throws IOException {
        if (done) {
            return;
        }
        done = true;
        file.close();
        Files.deleteIfExists(tmp);
    }
}
