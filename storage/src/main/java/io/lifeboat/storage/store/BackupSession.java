package io.lifeboat.storage.store;

import io.lifeboat.storage.store.internal.AtomicFiles;
import io.lifeboat.storage.store.internal.ManifestCodec;
import io.lifeboat.storage.store.internal.PackWriter;
import io.lifeboat.storage.store.internal.StoreLock;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One backup of one guest into a {@link ChunkStore}: register the chunk lists, learn which chunks are missing,
 * store them (each is hash-checked; packs are fsynced once each), then commit the restore point manifest last and
 * atomically. A session that is closed without commit keeps the chunks it sealed, so a retry resumes. Not
 * thread-safe.
 */
public final class BackupSession implements Closeable {

    /** Largest chunk a session accepts. */
    public static final int MAX_CHUNK = 1 << 20;

    private final ChunkStore store;
    private final String sessionId;
    private final String guestId;
    private final PackWriter writer;
    private final MessageDigest sha;
    private final byte[] digest = new byte[ChunkId.LENGTH];
    private Set<ChunkId> expected;
    private long chunksStored;
    private long bytesStored;
    private boolean committed;

    BackupSession(ChunkStore store, String sessionId, String guestId) {
        this.store = store;
        this.sessionId = sessionId;
        this.guestId = guestId;
        this.writer = new PackWriter(store.packDir(), MAX_CHUNK);
        try {
            this.sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String sessionId() {
        return sessionId;
    }

    public String guestId() {
        return guestId;
    }

    /**
     * Records the chunk lists of the point to be (so garbage collection keeps those chunks) and returns the ordinals
     * of the entries whose chunk the store lacks, counting entries across {@code lists} in order, one ordinal per
     * distinct missing chunk (its first occurrence), ascending.
     */
    @SuppressWarnings("try") // the lock is held for the block, never referenced
    public int[] register(List<ChunkList> lists) throws IOException {
        int total = 0;
        for (ChunkList l : lists) {
            total += l.size();
        }
        Set<ChunkId> unique = new HashSet<>(total * 2);
        ByteBuffer file = ByteBuffer.allocate(total * ChunkId.LENGTH);
        byte[] id = new byte[ChunkId.LENGTH];
        int[] missing = new int[total];
        int nMissing = 0;
        try (StoreLock.Held h = store.lock().shared()) {
            store.reloadIfChanged();
            int ordinal = 0;
            for (ChunkList l : lists) {
                for (int i = 0; i < l.size(); i++, ordinal++) {
                    l.copyId(i, id, 0);
                    ChunkId c = ChunkId.of(id, 0);
                    if (unique.add(c)) {
                        file.put(id);
                        if (!store.contains(c)) {
                            missing[nMissing++] = ordinal;
                        }
                    }
                }
            }
            file.flip();
            AtomicFiles.write(sessionFile(), file);
        }
        expected = unique;
        return java.util.Arrays.copyOf(missing, nMissing);
    }

    /**
     * Stores a chunk after checking that {@code src[off, off+len)} hashes to {@code id}.
     *
     * @throws ChunkMismatchException if it does not; nothing is stored
     */
    public void put(ChunkId id, byte[] src, int off, int len) throws IOException {
        if (len <= 0 || len > MAX_CHUNK) {
            throw new ChunkMismatchException("chunk " + id + ": length " + len + " outside 1.." + MAX_CHUNK);
        }
        if (expected != null && !expected.contains(id)) {
            throw new ChunkMismatchException("chunk " + id + " is not in session " + sessionId + "'s chunk list");
        }
        sha.update(src, off, len);
        try {
            sha.digest(digest, 0, digest.length);
        } catch (DigestException e) {
            throw new IllegalStateException(e);
        }
        if (!id.matches(digest, 0)) {
            throw new ChunkMismatchException("chunk " + id + ": received bytes hash to " + ChunkId.of(digest, 0)
                    + " (corrupted in transit or at the source)");
        }
        if (store.contains(id) || writer.pendingContains(id)) {
            return;
        }
        store.indexAll(writer.add(id, src, off, len));
        chunksStored++;
        bytesStored += len;
    }

    /** Stores a chunk whose id the caller computed from these very bytes (a local backup's scanner). */
    void putHashed(ChunkId id, byte[] src, int off, int len) throws IOException {
        if (store.contains(id) || writer.pendingContains(id)) {
            return;
        }
        store.indexAll(writer.add(id, src, off, len));
        chunksStored++;
        bytesStored += len;
    }

    /** Seals the pending pack (one fsync) so that the chunks received so far survive a crash. */
    public void flush() throws IOException {
        store.indexAll(writer.seal());
    }

    /** Chunks stored by this session. */
    public long chunksStored() {
        return chunksStored;
    }

    /** Raw bytes stored by this session. */
    public long bytesStored() {
        return bytesStored;
    }

    /**
     * Commits the restore point: seals the last pack, makes the packs durable, checks that every chunk is present,
     * then writes the manifest (temp file, fsync, rename, fsync directory). The point's time is {@code now}, or one
     * second after the guest's newest point if that is not older.
     *
     * @throws IOException naming the first missing chunk; nothing is committed
     */
    @SuppressWarnings("try") // the lock is held for the block, never referenced
    public RestorePoint commit(String sourceCycleId, List<DiskManifest> disks, Instant now) throws IOException {
        if (committed) {
            throw new IllegalStateException("session " + sessionId + " already committed");
        }
        flush();
        AtomicFiles.fsyncDirectory(store.packDir());
        try (StoreLock.Held h = store.lock().shared()) {
            store.reloadIfChanged();
            for (DiskManifest d : disks) {
                for (int i = 0; i < d.chunks().size(); i++) {
                    ChunkId c = d.chunks().id(i);
                    if (!store.contains(c)) {
                        throw new IOException(store.directory() + ": cannot commit " + guestId + " (session "
                                + sessionId + "): chunk " + c + " of disk " + d.name() + " grain "
                                + d.chunks().grain(i) + " is missing");
                    }
                }
            }
            Instant t = now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
            List<RestorePointId> existing = store.points(guestId);
            if (!existing.isEmpty() && !existing.get(existing.size() - 1).time().isBefore(t)) {
                t = existing.get(existing.size() - 1).time().plusSeconds(1);
            }
            String root = RestorePoint.rootDigest(disks);
            RestorePoint point = new RestorePoint(new RestorePointId(guestId, t), sourceCycleId, disks, root);
            // never replace a committed point: a concurrent commit for the same guest and second takes the next one
            while (!AtomicFiles.writeNew(store.pointFile(point.id(), ".point"), ManifestCodec.encode(point))) {
                t = t.plusSeconds(1);
                point = new RestorePoint(new RestorePointId(guestId, t), sourceCycleId, disks, root);
            }
            committed = true;
            Files.deleteIfExists(sessionFile());
            return point;
        }
    }

    /** Ends the session; without a commit, the chunks received so far are sealed so that a retry resumes. */
    @Override
    public void close() throws IOException {
        try {
            if (!committed) {
                flush();
            }
        } finally {
            writer.close();
        }
    }

    private Path sessionFile() {
        return store.sessionDir().resolve(sessionId + ".session");
    }
}
