package io.lifeboat.agent.hypervisor;

import io.lifeboat.protocol.v1.DiskSpec;

import java.util.Objects;

/**
 * One disk of a backup snapshot: the disk as the guest has it, the frozen base that may be read, and the overlay
 * that takes the guest's writes until the snapshot is released.
 *
 * @param disk        the disk as it was before the snapshot (path, format, target)
 * @param basePath    path on the hypervisor host of the frozen image to read; equal to {@code disk.getPath()}
 * @param overlayPath path of the overlay taking new writes, or empty when the guest was not running (no overlay)
 */
public record FrozenDisk(DiskSpec disk, String basePath, String overlayPath) {

    public FrozenDisk {
        Objects.requireNonNull(disk, "disk");
        Objects.requireNonNull(basePath, "basePath");
        overlayPath = Objects.requireNonNullElse(overlayPath, "");
    }

    /** Whether writes of the running guest currently go to an overlay. */
    public boolean hasOverlay() {
        return !overlayPath.isEmpty();
    }
}
