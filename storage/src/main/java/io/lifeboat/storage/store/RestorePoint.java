package io.lifeboat.storage.store;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

/**
 * A committed restore point: its id, when it was committed, the source cycle that produced it, its disks and the
 * root digest over all chunk lists.
 *
 * @param id            the point id
 * @param sourceCycleId the id of the backup cycle at the source (free text, for correlation)
 * @param disks         the disks in guest order
 * @param rootDigest    hex SHA-256 over every disk's name, capacity, grain size and chunk list
 */
public record RestorePoint(RestorePointId id, String sourceCycleId, List<DiskManifest> disks, String rootDigest) {

    public RestorePoint {
        disks = List.copyOf(disks);
    }

    /** Computes the root digest of {@code disks}. */
    public static String rootDigest(List<DiskManifest> disks) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (DiskManifest d : disks) {
            md.update(d.name().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update((d.capacity() + ":" + d.grainSize()).getBytes(StandardCharsets.US_ASCII));
            md.update((byte) 0);
            d.chunks().digestInto(md);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Bytes of non-zero data across all disks. */
    public long dataBytes() {
        return disks.stream().mapToLong(DiskManifest::dataBytes).sum();
    }

    /** Bytes of capacity across all disks. */
    public long capacity() {
        return disks.stream().mapToLong(DiskManifest::capacity).sum();
    }
}
