package io.lifeboat.storage.vmdk;

import io.lifeboat.storage.ImageFormatException;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A hosted sparse or streamOptimized VMDK extent: its header, grain directory and grain tables (all loaded and
 * checked at open), and reads of its grains.
 */
public final class VmdkSparseExtent implements VmdkExtent {

    private static final int MARKER_EOS = 0;
    private static final int MARKER_FOOTER = 3;
    private static final int GRAIN_MARKER_BYTES = 12;
    private static final byte[] ZEROS = new byte[64 * 1024];
    /** Most grain table entries loaded for one extent (512 MiB of tables, an 8 TiB disk at 64 KiB grains). */
    static final long MAX_TABLE_ENTRIES = 1L << 27;
    private static final long HEADER = -1;
    private static final long FOOTER = -2;
    private static final long DESCRIPTOR = -3;
    private static final long GD = -4;
    private static final long RGD = -5;
    private static final long REDUNDANT = 1L << 40;

    private final Path file;
    private final FileChannel channel;
    private final VmdkSparseHeader header;
    private final VmdkExtentLine line;
    private final long size;
    private final long fileSize;
    private final int grainBytes;
    private final long grainSectors;
    private final int gtes;
    private final long numGrains;
    private final int[][] tables;
    private final boolean zeroedEntries;
    private final boolean compressed;
    private final String fileName;

    private byte[] compressedBuf;
    private ByteBuffer compressedView;
    private byte[] grainBuf;
    private long cachedGrain = -1;
    private Inflater inflater;
    private VmdkImage backing;
    private long backingBase;
    private final ByteBuffer markerBuf = ByteBuffer.allocate(GRAIN_MARKER_BYTES).order(ByteOrder.LITTLE_ENDIAN);

    private VmdkSparseExtent(Path file, FileChannel channel, VmdkSparseHeader header, VmdkExtentLine line, long size,
                             long fileSize, int[][] tables) {
        this.file = file;
        this.channel = channel;
        this.header = header;
        this.line = line != null ? line
                : new VmdkExtentLine("RW", size / 512, "SPARSE", String.valueOf(file.getFileName()), 0);
        this.size = size;
        this.fileSize = fileSize;
        this.grainBytes = header.grainBytes();
        this.grainSectors = header.grainSectors();
        this.gtes = header.numGTEsPerGT();
        this.numGrains = VmdkSparseHeader.ceilDiv(size, grainBytes);
        this.tables = tables;
        this.zeroedEntries = header.zeroedGrainEntries();
        this.compressed = header.compressed();
        this.fileName = String.valueOf(file.getFileName());
    }

    /**
     * Opens the sparse extent in {@code channel} (which this extent then owns), whose first 512 bytes parse as
     * {@code header}; {@code line} is its descriptor line, or null when the file is read on its own.
     */
    static VmdkSparseExtent open(Path file, FileChannel channel, VmdkSparseHeader header, VmdkExtentLine line)
            throws IOException {
        long fileSize = channel.size();
        VmdkSparseHeader h = header;
        List<long[]> meta = new ArrayList<>();
        meta.add(new long[] {0, VmdkSparseHeader.SIZE, HEADER});
        if (h.gdOffset() == VmdkSparseHeader.GD_AT_END) {
            h = readFooter(file, channel, fileSize, header);
            meta.add(new long[] {fileSize - 1536, fileSize, FOOTER});
        }
        long sizeSectors = line != null ? line.sectors() : h.capacitySectors();
        if (sizeSectors > h.capacitySectors()) {
            throw new ImageFormatException(file, "extent size " + sizeSectors + " sectors in the descriptor exceeds"
                    + " the sparse header capacity " + h.capacitySectors() + " sectors");
        }
        if (h.descriptorOffset() != 0) {
            long ds = h.descriptorOffset() * 512;
            long de = ds + h.descriptorSize() * 512;
            if (h.descriptorOffset() > fileSize / 512 || de > fileSize) {
                throw new ImageFormatException(file, "descriptor offset " + h.descriptorOffset() + " sectors + size "
                        + h.descriptorSize() + " sectors beyond end of file (" + fileSize + " bytes)");
            }
            meta.add(new long[] {ds, de, DESCRIPTOR});
        }
        long gdEntries = h.gdEntries();
        long gdBytes = gdEntries * 4;
        if (gdEntries > MAX_TABLE_ENTRIES / h.numGTEsPerGT() + 1) {
            throw new ImageFormatException(file, "grain directory of " + gdEntries + " entries (capacity "
                    + h.capacitySectors() + " sectors, grainSize " + h.grainSectors() + " sectors, numGTEsPerGT "
                    + h.numGTEsPerGT() + ") too large");
        }
        if (gdBytes > fileSize) {
            throw new ImageFormatException(file, "grain directory of " + gdEntries + " entries (capacity "
                    + h.capacitySectors() + " sectors) larger than the file (" + fileSize + " bytes)");
        }
        int[] gd = readTable(file, channel, fileSize, h.gdOffset(), (int) gdEntries, "grain directory offset");
        meta.add(new long[] {h.gdOffset() * 512, h.gdOffset() * 512 + gdBytes, GD});
        int[] rgd = null;
        if (h.redundantGd()) {
            rgd = readTable(file, channel, fileSize, h.rgdOffset(), (int) gdEntries,
                    "redundant grain directory offset");
            meta.add(new long[] {h.rgdOffset() * 512, h.rgdOffset() * 512 + gdBytes, RGD});
        }
        addTableIntervals(file, fileSize, h, gd, meta, "grain directory", 0);
        if (rgd != null) {
            addTableIntervals(file, fileSize, h, rgd, meta, "redundant grain directory", REDUNDANT);
        }
        // Tables are checked to lie inside the file without overlapping before any is read, so the memory they
        // take is bounded by the file size and by MAX_TABLE_ENTRIES.
        checkNoOverlap(file, meta);
        int[][] tables = readGrainTables(file, channel, h, gd, null);
        if (rgd != null) {
            readGrainTables(file, channel, h, rgd, tables);
        }
        VmdkSparseExtent extent = new VmdkSparseExtent(file, channel, h, line, sizeSectors * 512, fileSize, tables);
        extent.checkGrains(meta);
        return extent;
    }

    private static VmdkSparseHeader readFooter(Path file, FileChannel ch, long fileSize, VmdkSparseHeader header)
            throws IOException {
        if (fileSize < 1536 + VmdkSparseHeader.SIZE) {
            throw new ImageFormatException(file, "gdOffset points to a footer but the file (" + fileSize
                    + " bytes) is too short to hold one");
        }
        ByteBuffer tail = ByteBuffer.allocate(1536).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, tail, fileSize - 1536);
        int footerType = tail.getInt(12);
        int eosType = tail.getInt(1024 + 12);
        long eosVal = tail.getLong(1024);
        if (footerType != MARKER_FOOTER) {
            throw new ImageFormatException(file, "footer marker type " + footerType + " at offset " + (fileSize - 1536)
                    + " is not FOOTER (3)");
        }
        if (eosType != MARKER_EOS || eosVal != 0) {
            throw new ImageFormatException(file, "end-of-stream marker at offset " + (fileSize - 512)
                    + " missing (type " + eosType + ")");
        }
        VmdkSparseHeader footer = VmdkSparseHeader.parse(file, tail.position(512).limit(1024).slice());
        if (footer.gdOffset() == VmdkSparseHeader.GD_AT_END) {
            throw new ImageFormatException(file, "footer gdOffset points to the footer again");
        }
        if (footer.grainSectors() != header.grainSectors() || footer.capacitySectors() != header.capacitySectors()
                || footer.numGTEsPerGT() != header.numGTEsPerGT()) {
            throw new ImageFormatException(file, "footer capacity/grainSize/numGTEsPerGT disagree with the header");
        }
        return footer;
    }

    private static int[] readTable(Path file, FileChannel ch, long fileSize, long sector, int entries, String field)
            throws IOException {
        long bytes = (long) entries * 4;
        if (sector <= 0 || sector > fileSize / 512 || sector * 512 + bytes > fileSize) {
            throw new ImageFormatException(file, field + " " + Long.toUnsignedString(sector) + " sectors + "
                    + bytes + " bytes beyond end of file (" + fileSize + " bytes)");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, buf, sector * 512);
        int[] out = new int[entries];
        buf.flip();
        buf.asIntBuffer().get(out);
        return out;
    }

    private static void addTableIntervals(Path file, long fileSize, VmdkSparseHeader h, int[] gd,
                                          List<long[]> meta, String which, long kindBase)
            throws ImageFormatException {
        long bytes = h.numGTEsPerGT() * 4L;
        long present = 0;
        for (int i = 0; i < gd.length; i++) {
            if (gd[i] == 0) {
                continue;
            }
            long s = Integer.toUnsignedLong(gd[i]) * 512;
            if (s + bytes > fileSize) {
                throw new ImageFormatException(file, which + " entry " + i + ": grain table offset "
                        + Integer.toUnsignedString(gd[i]) + " sectors beyond end of file (" + fileSize + " bytes)");
            }
            present++;
            if (present * h.numGTEsPerGT() > MAX_TABLE_ENTRIES) {
                throw new ImageFormatException(file, which + ": more than " + MAX_TABLE_ENTRIES
                        + " grain table entries");
            }
            meta.add(new long[] {s, s + bytes, kindBase + i});
        }
    }

    private static int[][] readGrainTables(Path file, FileChannel ch, VmdkSparseHeader h, int[] gd,
                                           int[][] compareTo) throws IOException {
        int gtes = h.numGTEsPerGT();
        long fileSize = ch.size();
        int[][] tables = new int[gd.length][];
        String which = compareTo == null ? "grain directory" : "redundant grain directory";
        // Read contiguous runs of grain tables with one call each: qemu and VMware lay them out back to back.
        int i = 0;
        while (i < gd.length) {
            if (gd[i] == 0) {
                if (compareTo != null && compareTo[i] != null) {
                    throw new ImageFormatException(file, "grain directory entry " + i
                            + " has a grain table but the redundant grain directory entry is 0");
                }
                i++;
                continue;
            }
            int j = i + 1;
            while (j < gd.length && j - i < 1024 && gd[j] != 0 && (gtes * 4) % 512 == 0
                    && Integer.toUnsignedLong(gd[j]) == Integer.toUnsignedLong(gd[j - 1]) + gtes * 4L / 512) {
                j++;
            }
            long start = Integer.toUnsignedLong(gd[i]);
            int[] all = readTable(file, ch, fileSize, start, (j - i) * gtes, which + " entry " + i + ": grain table");
            IntBuffer ib = IntBuffer.wrap(all);
            for (int k = i; k < j; k++) {
                int[] gt = new int[gtes];
                ib.get(gt);
                if (compareTo == null) {
                    tables[k] = gt;
                } else if (compareTo[k] == null) {
                    throw new ImageFormatException(file, "redundant grain directory entry " + k
                            + " has a grain table but the grain directory entry is 0");
                } else if (!Arrays.equals(gt, compareTo[k])) {
                    int m = Arrays.mismatch(gt, compareTo[k]);
                    throw new ImageFormatException(file, "grain table " + k + " entry " + m + " ("
                            + Integer.toUnsignedString(compareTo[k][m]) + ") differs from its redundant copy ("
                            + Integer.toUnsignedString(gt[m]) + ")");
                }
            }
            i = j;
        }
        return tables;
    }

    private static void checkNoOverlap(Path file, List<long[]> meta) throws ImageFormatException {
        meta.sort((a, b) -> Long.compare(a[0], b[0]));
        for (int i = 1; i < meta.size(); i++) {
            long[] prev = meta.get(i - 1);
            long[] cur = meta.get(i);
            if (cur[0] < prev[1]) {
                throw new ImageFormatException(file, describe(cur) + " at offset " + cur[0] + " overlaps "
                        + describe(prev) + " at offset " + prev[0]);
            }
        }
    }

    private static String describe(long[] interval) {
        long k = interval[2];
        if (k == HEADER) {
            return "the sparse header";
        } else if (k == FOOTER) {
            return "the footer";
        } else if (k == DESCRIPTOR) {
            return "the embedded descriptor";
        } else if (k == GD) {
            return "the grain directory";
        } else if (k == RGD) {
            return "the redundant grain directory";
        } else if (k >= REDUNDANT) {
            return "grain table of redundant grain directory entry " + (k - REDUNDANT);
        }
        return "grain table of grain directory entry " + k;
    }

    private void checkGrains(List<long[]> meta) throws ImageFormatException {
        long[] starts = new long[meta.size()];
        long[] ends = new long[meta.size()];
        for (int i = 0; i < starts.length; i++) {
            starts[i] = meta.get(i)[0];
            ends[i] = meta.get(i)[1];
        }
        for (int t = 0; t < tables.length; t++) {
            int[] gt = tables[t];
            if (gt == null) {
                continue;
            }
            for (int e = 0; e < gtes; e++) {
                long grain = (long) t * gtes + e;
                if (grain >= numGrains) {
                    break;
                }
                long sector = Integer.toUnsignedLong(gt[e]);
                if (sector == 0 || (sector == 1 && zeroedEntries)) {
                    continue;
                }
                long pos = sector * 512;
                long need = compressed ? GRAIN_MARKER_BYTES : Math.min(grainBytes, size - grain * grainBytes);
                if (pos + need > fileSize) {
                    throw new ImageFormatException(file, "grain table " + t + " entry " + e + ": grain offset "
                            + sector + " sectors beyond end of file (" + fileSize + " bytes)");
                }
                int k = Arrays.binarySearch(starts, pos);
                int idx = k >= 0 ? k : -k - 2;
                boolean overlaps = (idx >= 0 && pos < ends[idx]) || (idx + 1 < starts.length
                        && pos + need > starts[idx + 1]);
                if (overlaps) {
                    throw new ImageFormatException(file, "grain table " + t + " entry " + e + ": grain offset "
                            + sector + " sectors overlaps the header, descriptor or a grain table/directory");
                }
            }
        }
    }

    private static void readFully(Path file, FileChannel ch, ByteBuffer dst, long pos) throws IOException {
        long p = pos;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, p);
            if (n < 0) {
                throw new ImageFormatException(file, "unexpected end of file at offset " + p);
            }
            p += n;
        }
    }

    /** Makes unallocated grains read from {@code parent}, where this extent starts at guest offset {@code base}. */
    void setBacking(VmdkImage parent, long base) {
        this.backing = parent;
        this.backingBase = base;
    }

    private void readBacking(long pos, ByteBuffer dst, int n) throws IOException {
        long guest = backingBase + pos;
        long avail = Math.max(0, backing.capacity() - guest);
        int k = (int) Math.min(n, avail);
        if (k > 0) {
            int limit = dst.limit();
            dst.limit(dst.position() + k);
            try {
                backing.read(guest, dst);
            } finally {
                dst.limit(limit);
            }
        }
        putZeros(dst, n - k);
    }

    /** The parsed sparse header (from the footer for streamOptimized files whose header defers to it). */
    public VmdkSparseHeader header() {
        return header;
    }

    /** The extent file. */
    public Path file() {
        return file;
    }

    @Override
    public VmdkExtentLine line() {
        return line;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int grainSize() {
        return grainBytes;
    }

    private long entry(long grain) {
        int[] gt = tables[(int) (grain / gtes)];
        return gt == null ? 0 : Integer.toUnsignedLong(gt[(int) (grain % gtes)]);
    }

    /**
     * The byte offset in this extent's file of the guest byte at {@code offset} (relative to the extent), or -1 when
     * its grain is unallocated, zeroed or compressed. Lets a benchmark rewrite allocated grains in place.
     */
    public long grainFileOffset(long offset) {
        if (offset < 0 || offset >= size || compressed) {
            return -1;
        }
        long e = entry(offset / grainBytes);
        if (e == 0 || (e == 1 && zeroedEntries)) {
            return -1;
        }
        return e * 512 + offset % grainBytes;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        long pos = offset;
        while (dst.hasRemaining()) {
            long grain = pos / grainBytes;
            int within = (int) (pos % grainBytes);
            int n = Math.min(dst.remaining(), grainBytes - within);
            long e = entry(grain);
            if (e == 0 && backing != null) {
                readBacking(pos, dst, n);
            } else if (e == 0 || (e == 1 && zeroedEntries)) {
                putZeros(dst, n);
            } else if (compressed) {
                inflateGrain(grain, e);
                dst.put(grainBuf, within, n);
            } else {
                // Extend the read over following grains stored right after this one.
                long next = grain + 1;
                long expect = e + grainSectors;
                long total = n;
                while (total < dst.remaining() && next < numGrains && entry(next) == expect) {
                    total = Math.min(dst.remaining(), total + grainBytes);
                    next++;
                    expect += grainSectors;
                }
                readInto(dst, e * 512 + within, (int) total);
                n = (int) total;
            }
            pos += n;
        }
    }

    private void readInto(ByteBuffer dst, long filePos, int n) throws IOException {
        int limit = dst.limit();
        dst.limit(dst.position() + n);
        try {
            long p = filePos;
            while (dst.hasRemaining()) {
                int r = channel.read(dst, p);
                if (r < 0) {
                    throw new EOFException(fileName + ": grain data at offset " + p + " beyond end of file");
                }
                p += r;
            }
        } finally {
            dst.limit(limit);
        }
    }

    static void putZeros(ByteBuffer dst, int n) {
        int left = n;
        while (left > 0) {
            int k = Math.min(left, ZEROS.length);
            dst.put(ZEROS, 0, k);
            left -= k;
        }
    }

    private void inflateGrain(long grain, long sector) throws IOException {
        if (cachedGrain == grain) {
            return;
        }
        if (grainBuf == null) {
            grainBuf = new byte[grainBytes];
            compressedBuf = new byte[2 * grainBytes + 1024];
            compressedView = ByteBuffer.wrap(compressedBuf);
            inflater = new Inflater();
        }
        cachedGrain = -1;
        long pos = sector * 512;
        int len;
        long dataPos;
        if (header.markers()) {
            ByteBuffer m = markerBuf.clear();
            readFully(file, channel, m, pos);
            long lba = m.getLong(0);
            long size = Integer.toUnsignedLong(m.getInt(8));
            if (lba != grain * grainSectors) {
                throw new ImageFormatException(file, "grain marker at offset " + pos + ": lba " + lba
                        + " does not match grain sector " + grain * grainSectors);
            }
            if (size == 0 || size > compressedBuf.length) {
                throw new ImageFormatException(file, "grain marker at offset " + pos + ": size " + size
                        + " bytes outside 1.." + compressedBuf.length);
            }
            len = (int) size;
            dataPos = pos + GRAIN_MARKER_BYTES;
            if (dataPos + len > fileSize) {
                throw new ImageFormatException(file, "grain marker at offset " + pos + ": size " + size
                        + " bytes beyond end of file (" + fileSize + " bytes)");
            }
        } else {
            dataPos = pos;
            len = (int) Math.min(compressedBuf.length, fileSize - pos);
        }
        compressedView.clear().limit(len);
        readFully(file, channel, compressedView, dataPos);
        inflater.reset();
        inflater.setInput(compressedBuf, 0, len);
        int out = 0;
        try {
            while (out < grainBytes && !inflater.finished()) {
                int r = inflater.inflate(grainBuf, out, grainBytes - out);
                if (r == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                out += r;
            }
        } catch (DataFormatException ex) {
            throw new ImageFormatException(file, "compressed grain at offset " + pos + ": " + ex.getMessage(), ex);
        }
        if (!inflater.finished()) {
            throw new ImageFormatException(file, "compressed grain at offset " + pos
                    + ": deflate stream truncated or longer than the grain (" + grainBytes + " bytes)");
        }
        Arrays.fill(grainBuf, out, grainBytes, (byte) 0);
        cachedGrain = grain;
    }

    @Override
    public void map(long base, List<VmdkMapEntry> out) {
        for (long grain = 0; grain < numGrains; ) {
            int t = (int) (grain / gtes);
            if (tables[t] == null) {
                long end = Math.min(numGrains, (long) (t + 1) * gtes);
                add(out, base, grain, end, false, false, true, -1);
                grain = end;
                continue;
            }
            long e = entry(grain);
            if (e == 0) {
                add(out, base, grain, grain + 1, false, false, true, -1);
            } else if (e == 1 && zeroedEntries) {
                add(out, base, grain, grain + 1, true, false, true, -1);
            } else {
                add(out, base, grain, grain + 1, true, true, false, compressed ? -1 : e * 512);
            }
            grain++;
        }
    }

    private void add(List<VmdkMapEntry> out, long base, long fromGrain, long toGrain, boolean present, boolean data,
                     boolean zero, long offset) {
        long start = fromGrain * grainBytes;
        long end = Math.min(size, toGrain * grainBytes);
        VmdkMapEntry entry = new VmdkMapEntry(base + start, end - start, 0, present, data, zero, offset,
                offset >= 0 ? fileName : null);
        if (!out.isEmpty() && out.get(out.size() - 1).mergeableWith(entry)) {
            out.set(out.size() - 1, out.get(out.size() - 1).mergedWith(entry));
        } else {
            out.add(entry);
        }
    }

    @Override
    public long allocatedBytes() {
        long total = 0;
        for (long grain = 0; grain < numGrains; grain++) {
            int t = (int) (grain / gtes);
            if (tables[t] == null) {
                grain = (long) (t + 1) * gtes - 1;
                continue;
            }
            long e = entry(grain);
            if (e > 1 || (e == 1 && !zeroedEntries)) {
                total += Math.min(grainBytes, size - grain * grainBytes);
            }
        }
        return total;
    }

    @Override
    public void close() throws IOException {
        if (inflater != null) {
            inflater.end();
        }
        channel.close();
    }
}
