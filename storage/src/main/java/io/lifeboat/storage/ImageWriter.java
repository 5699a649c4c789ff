package io.lifeboat.storage;

import io.lifeboat.storage.raw.RawImageWriter;
import io.lifeboat.storage.vmdk.VmdkSparseWriter;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Materialises a disk image (VMDK monolithicSparse or sparse raw) from guest-visible bytes written in ascending
 * offset order, skipping all-zero grains, under a temporary name that {@link #commit()} renames into place.
 *
 * <p>Nothing appears under the target name unless {@link #commit()} succeeds: {@link #close()} without a commit
 * discards the temporary file, so an exception anywhere inside {@code try (ImageWriter w = …) { …; w.commit(); }}
 * leaves the target untouched, and so does a crash. Instances are not thread-safe.
 */
public interface ImageWriter extends Closeable {

    /**
     * Starts writing an image of {@code capacity} bytes to {@code target}.
     *
     * @param format      {@link ImageFormat#VMDK} (monolithicSparse) or {@link ImageFormat#RAW}
     * @param adapterType VMDK {@code ddb.adapterType} ({@code ide}, {@code lsilogic}, {@code buslogic},
     *                    {@code legacyESX}, {@code lsisas1068}, {@code pvscsi}); null means {@code ide}; ignored for raw
     */
    static ImageWriter create(Path target, ImageFormat format, long capacity, String adapterType)
            throws IOException {
        switch (format) {
            case VMDK:
                return VmdkSparseWriter.create(target, capacity, adapterType == null ? "ide" : adapterType);
            case RAW:
                return RawImageWriter.create(target, capacity);
            default:
                throw new IllegalArgumentException("cannot write " + format + " images");
        }
    }

    /** The file the image will have once {@link #commit()} succeeds. */
    Path target();

    /** Guest-visible size in bytes (for VMDK rounded up to whole sectors). */
    long capacity();

    /** The grain size in bytes: all-zero grains of this size are not stored. */
    int grainSize();

    /**
     * Writes the bytes of {@code data} (position to limit) at guest offset {@code offset}; {@code data} is consumed.
     * Offsets must not go backwards: each write starts at or after the end of the previous one. Bytes never written
     * read as zeros.
     *
     * @throws IllegalArgumentException when the write goes backwards or past the capacity
     */
    void write(long offset, ByteBuffer data) throws IOException;

    /**
     * Finishes the metadata, fsyncs the file, renames it to {@link #target()} and fsyncs the directory. After a
     * failed write it refuses (throws) and discards the temporary file instead.
     */
    void commit() throws IOException;

    /**
     * Releases the writer. Unless {@link #commit()} succeeded, the temporary file is removed and the target is left
     * untouched.
     */
    @Override
    void close() throws IOException;
}
