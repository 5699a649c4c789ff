package io.lifeboat.storage.replication;

import io.lifeboat.storage.store.ImageOpener;

import java.nio.file.Path;
import java.util.List;

/**
 * What to push: a guest's disk images, where the source keeps its per-grain digests between cycles, and how to
 * report progress.
 *
 * @param guestId   the guest's stable id
 * @param images    its disk images, in guest order
 * @param digestDir where the previous cycle's digests live (committed only after the receiver commits)
 * @param opener    how to open the images
 * @param progress  progress callback (called on a worker thread)
 */
public record PushRequest(String guestId, List<Path> images, Path digestDir, ImageOpener opener,
                          ReplicationProgress progress) {

    public PushRequest {
        images = List.copyOf(images);
    }

    /** A request with the production image opener and no progress reporting. */
    public static PushRequest of(String guestId, List<Path> images, Path digestDir) {
        return new PushRequest(guestId, images, digestDir, ImageOpener.DEFAULT, ReplicationProgress.NONE);
    }
}
