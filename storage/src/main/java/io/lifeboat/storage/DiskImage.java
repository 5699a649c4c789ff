package io.lifeboat.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * A disk image opened read-only: its virtual capacity, where its data is allocated, and random-access reads of
 * its guest-visible bytes. Every method blocks on file I/O: call it from a worker thread, never from an event loop.
 *
 * <p>Implementations exist per format (VMDK sparse, flat and streamOptimized; raw). They never read bytes that the
 * format says are unallocated, so a backup touches only the grains a guest has written. Instances are not
 * thread-safe; open one per reader.
 */
public interface DiskImage extends Closeable {

    /** The file the image was opened from (for a multi-file VMDK, its descriptor). */
    Path path();

    /** The format facts: format, VMDK create type, adapter type, grain size. */
    ImageInfo info();

    /** Guest-visible size in bytes. */
    long capacity();

    /**
     * The unit of allocation in bytes, a power of two: the VMDK grain size (64 KiB by default), or 64 KiB for raw.
     * Every range returned by {@link #map()} starts and ends on a multiple of it, except possibly the last one,
     * which ends at {@link #capacity()}.
     */
    int grainSize();

    /**
     * The image's extents in ascending order, covering [0, capacity) without gaps or overlap, with adjacent ranges
     * of equal flags merged. The meaning of {@code data} and {@code zero} is that of {@code qemu-img map
     * --output=json}: data ranges hold bytes to read; zero ranges read as zeros (unallocated or explicitly zeroed).
     * A range can be both (a hole inside a flat VMDK extent, "present but zero"): readers need read only ranges
     * that are {@code data && !zero}.
     */
    List<ImageRange> map() throws IOException;

    /**
     * Fills {@code dst} from its position to its limit with the guest-visible bytes starting at {@code offset}.
     * Unallocated and zeroed regions read as zeros.
     *
     * @throws java.io.EOFException if the read would go past {@link #capacity()}
     */
    void read(long offset, ByteBuffer dst) throws IOException;
}
