package io.lifeboat.agent.hypervisor.libvirt;

import io.lifeboat.storage.DiskImage;

import java.io.Closeable;
import java.io.IOException;

/**
 * Access to files on the hypervisor host (disk images, overlays, serial logs): the local file system when the
 * agent runs on the host, a remote channel when it reaches the host over the network. Calls block.
 */
public interface HostFiles extends Closeable {

    /** Opens the disk image at {@code path} on the host read-only (only allocated grains are read). */
    DiskImage openImage(String path) throws IOException;

    /** The last {@code maxBytes} of the file at {@code path}, or an empty array when it does not exist. */
    byte[] tail(String path, int maxBytes) throws IOException;

    /** Deletes the file at {@code path} if it exists. */
    void deleteIfExists(String path) throws IOException;

    /** Releases the channel to the host, if any; the driver that was given these files calls it when it closes. */
    @Override
    default void close() throws IOException {
    }
}
