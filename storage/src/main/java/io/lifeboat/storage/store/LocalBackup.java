package io.lifeboat.storage.store;

import io.lifeboat.storage.DiskImage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * A backup of a guest's disk images into a store on the same machine: scan each image (reusing the previous
 * cycle's digests), store the new chunks, commit the point, and only then keep the new digests.
 */
public final class LocalBackup {

    /**
     * What a local backup did.
     *
     * @param point        the committed point
     * @param bytesRead    allocated bytes read from the images
     * @param grainsHashed grains whose SHA-256 was computed
     * @param bytesStored  new chunk bytes stored
     * @param fullCompare  whether any disk was compared in full (no usable digests)
     */
    public record Result(RestorePoint point, long bytesRead, long grainsHashed, long bytesStored, boolean fullCompare) {
    }

    private LocalBackup() {
    }

    /** Backs up {@code images} as one new point of {@code guestId}; digests live under {@code digestDir}. */
    public static Result run(ChunkStore store, String guestId, List<Path> images, Path digestDir, Instant now)
            throws IOException {
        return run(store, guestId, images, digestDir, now, ImageOpener.DEFAULT);
    }

    /** As {@link #run(ChunkStore, String, List, Path, Instant)}, opening images with {@code opener}. */
    public static Result run(ChunkStore store, String guestId, List<Path> images, Path digestDir, Instant now,
                             ImageOpener opener) throws IOException {
        ImageScanner scanner = new ImageScanner();
        List<DiskManifest> disks = new ArrayList<>();
        List<ChunkList> lists = new ArrayList<>();
        List<GrainDigests> next = new ArrayList<>();
        List<Path> digestFiles = new ArrayList<>();
        List<Path> opened = new ArrayList<>();
        long read = 0;
        long hashed = 0;
        boolean full = false;
        String cycle = UUID.randomUUID().toString();
        try (BackupSession session = store.beginSession(cycle, guestId)) {
            for (Path image : images) {
                try (DiskImage img = opener.open(image)) {
                    String identity = identity(img);
                    Path df = digestFile(digestDir, guestId, identity);
                    ScanResult r = scanner.scan(img, identity, GrainDigests.readOrNull(df), (grain, id, data, off, len) ->
                            session.putHashed(ChunkId.of(id, 0), data, off, len));
                    read += r.bytesRead();
                    hashed += r.grainsHashed();
                    full |= r.fullCompare();
                    var info = img.info();
                    disks.add(new DiskManifest(image.getFileName().toString(), img.capacity(), img.grainSize(),
                            info.format().name(), info.createType(), info.adapterType(), r.chunks()));
                    lists.add(r.chunks());
                    next.add(r.digests());
                    digestFiles.add(df);
                    opened.add(image);
                }
            }
            int[] missing = session.register(lists);
            fetchMissing(session, disks, opened, missing, opener);
            RestorePoint point = session.commit(cycle, disks, now);
            for (int i = 0; i < next.size(); i++) {
                next.get(i).committedAs(point.id().toString()).write(digestFiles.get(i));
            }
            return new Result(point, read, hashed, session.bytesStored(), full);
        }
    }

    /** Reads and stores the grains behind {@code missing} (ordinals across disks) from the images. */
    static void fetchMissing(BackupSession session, List<DiskManifest> disks, List<Path> images, int[] missing,
                             ImageOpener opener) throws IOException {
        if (missing.length == 0) {
            return;
        }
        byte[] buf = new byte[BackupSession.MAX_CHUNK];
        int m = 0;
        int base = 0;
        for (int d = 0; d < disks.size() && m < missing.length; d++) {
            DiskManifest disk = disks.get(d);
            int size = disk.chunks().size();
            if (missing[m] < base + size) {
                try (DiskImage img = opener.open(images.get(d))) {
                    while (m < missing.length && missing[m] < base + size) {
                        int i = missing[m++] - base;
                        long grain = disk.chunks().grain(i);
                        int len = disk.grainLength(grain);
                        img.read(grain * disk.grainSize(), ByteBuffer.wrap(buf, 0, len));
                        session.put(disk.chunks().id(i), buf, 0, len);
                    }
                }
            }
            base += size;
        }
    }

    /** What identifies an image across cycles: its absolute path and its format facts. */
    public static String identity(DiskImage img) {
        var i = img.info();
        return img.path().toAbsolutePath().normalize() + "|" + i.format() + "|" + i.createType() + "|"
                + i.parentCid() + "|" + img.capacity() + "|" + img.grainSize();
    }

    /** Where the digests of the image with {@code identity} for {@code guestId} live. */
    public static Path digestFile(Path digestDir, String guestId, String identity) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
            return digestDir.resolve(RestorePointId.checkGuest(guestId))
                    .resolve(HexFormat.of().formatHex(h, 0, 12) + ".digests");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
