package io.lifeboat.storage.raw;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Lists the data extents of a file with {@code lseek(SEEK_DATA/SEEK_HOLE)} on a libc file descriptor. */
public final class HoleFinder {

    private static final int O_RDONLY = 0;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final int ENXIO = 6;

    /** The libc calls used here. */
    interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        long lseek(int fd, long offset, int whence) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private static final LibC LIBC = loadLibc();

    private HoleFinder() {
    }

    private static LibC loadLibc() {
        if (!Platform.isLinux()) {
            return null;
        }
        try {
            return Native.load("c", LibC.class);
        } catch (UnsatisfiedLinkError e) {
            return null;
        }
    }

    /**
     * Returns the data extents of {@code file} below {@code size} as pairs {start, end}, ascending. When the file
     * system cannot tell holes from data, the whole file is one extent.
     */
    public static List<long[]> dataExtents(Path file, long size) throws IOException {
        return dataExtents(file, 0, size);
    }

    /**
     * Returns the data extents of {@code file} inside [{@code from}, {@code size}) as pairs {start, end}, ascending
     * and clipped to that window. When the file system cannot tell holes from data, the whole window is data.
     */
    public static List<long[]> dataExtents(Path file, long from, long size) throws IOException {
        List<long[]> out = new ArrayList<>();
        if (size <= from) {
            return out;
        }
        if (LIBC == null) {
            out.add(new long[] {from, size});
            return out;
        }
        int fd;
        try {
            fd = LIBC.open(file.toString(), O_RDONLY);
        } catch (LastErrorException e) {
            throw new IOException(file + ": open for SEEK_DATA failed (errno " + e.getErrorCode() + ")", e);
        }
        try {
            long pos = from;
            while (pos < size) {
                long data;
                try {
                    data = LIBC.lseek(fd, pos, SEEK_DATA);
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == ENXIO) {
                        break;
                    }
                    out.clear();
                    out.add(new long[] {from, size});
                    return out;
                }
                if (data >= size) {
                    break;
                }
                long hole;
                try {
                    hole = LIBC.lseek(fd, data, SEEK_HOLE);
                } catch (LastErrorException e) {
                    hole = size;
                }
                hole = Math.min(hole, size);
                if (hole <= data) {
                    // The file changed under us; treat the rest as data rather than loop.
                    hole = size;
                }
                out.add(new long[] {data, hole});
                pos = hole;
            }
            return out;
        } finally {
            try {
                LIBC.close(fd);
            } catch (LastErrorException ignored) {
                // Closing a read-only descriptor cannot lose data.
            }
        }
    }
}
