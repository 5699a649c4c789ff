package io.lifeboat.storage.store.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A reader-writer lock on a store directory that holds across threads and processes: backups take it shared while
 * they register a session and while they commit, garbage collection and retention take it exclusive.
 */
public final class StoreLock {

    private static final ConcurrentHashMap<Path, StoreLock> LOCKS = new ConcurrentHashMap<>();

    private final Path file;
    private final ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
    private FileChannel channel;
    private FileLock fileLock;
    private int readers;

    private StoreLock(Path file) {
        this.file = file;
    }

    /** The lock of the store at {@code dir}. */
    public static StoreLock of(Path dir) throws IOException {
        return LOCKS.computeIfAbsent(dir.toRealPath().resolve("lock"), StoreLock::new);
    }

    /** Holds the lock until closed. */
    public interface Held extends AutoCloseable {
        @Override
        void close() throws IOException;
    }

    /** Takes the lock shared (blocking). */
    public Held shared() throws IOException {
        rw.readLock().lock();
        try {
            synchronized (this) {
                if (readers == 0) {
                    fileLock = channel().lock(0, Long.MAX_VALUE, true);
                }
                readers++;
            }
        } catch (IOException | RuntimeException e) {
            rw.readLock().unlock();
            throw e;
        }
        return () -> {
            try {
                synchronized (this) {
                    if (--readers == 0) {
                        fileLock.release();
                        fileLock = null;
                    }
                }
            } finally {
                rw.readLock().unlock();
            }
        };
    }

    /** Takes the lock exclusive (blocking). */
    public Held exclusive() throws IOException {
        rw.writeLock().lock();
        try {
            synchronized (this) {
                fileLock = channel().lock(0, Long.MAX_VALUE, false);
            }
        } catch (IOException | RuntimeException e) {
            rw.writeLock().unlock();
            throw e;
        }
        return () -> {
            try {
                synchronized (this) {
                    fileLock.release();
                    fileLock = null;
                }
            } finally {
                rw.writeLock().unlock();
            }
        };
    }

    private synchronized FileChannel channel() throws IOException {
        if (channel == null || !channel.isOpen()) {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        return channel;
    }
}
