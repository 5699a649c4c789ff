package io.lifeboat.storage.store;

/**
 * The outcome of scanning one disk image.
 *
 * @param chunks        the non-zero grains and their chunk ids
 * @param digests       the digests to keep for the next cycle, once the receiver has committed
 * @param bytesRead     bytes read from the image (allocated data only)
 * @param grainsHashed  grains whose SHA-256 was computed (changed, or all of them on a full compare)
 * @param fullCompare   whether the previous digests were ignored
 */
public record ScanResult(ChunkList chunks, GrainDigests digests, long bytesRead, long grainsHashed,
                         boolean fullCompare) {
}
