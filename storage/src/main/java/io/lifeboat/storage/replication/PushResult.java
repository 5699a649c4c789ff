package io.lifeboat.storage.replication;

/**
 * What a push did.
 *
 * @param pointId         the restore point the receiver committed
 * @param rootDigest      its root digest
 * @param bytesRead       allocated bytes read from the images (scan plus re-reading the grains sent)
 * @param grainsHashed    grains whose SHA-256 the source computed (changed ones, or all on a full compare)
 * @param fullCompare     whether any disk had no usable digests from the previous cycle
 * @param chunks          non-zero grains in the point
 * @param chunksSent      chunks the receiver lacked and the source sent
 * @param chunkBytesSent  raw bytes of those chunks
 * @param wireBytesSent   every byte the source wrote to the link (frames, chunk list, chunks)
 * @param chunkListBytes  bytes of the chunk list on the wire
 * @param scanSeconds     time spent scanning the images
 * @param seconds         wall time of the whole push
 */
public record PushResult(String pointId, String rootDigest, long bytesRead, long grainsHashed, boolean fullCompare,
                         long chunks, long chunksSent, long chunkBytesSent, long wireBytesSent, long chunkListBytes,
                         double scanSeconds, double seconds) {
}
