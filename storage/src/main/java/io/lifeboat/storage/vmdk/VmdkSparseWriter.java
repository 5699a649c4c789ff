package io.lifeboat.storage.vmdk;

import io.lifeboat.storage.ImageWriter;
import io.lifeboat.storage.raw.PendingImageFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a VMDK monolithicSparse image laid out as qemu-img lays it out: header, embedded descriptor, redundant
 * grain directory and tables, grain directory and tables, then the non-zero grains in ascending guest order.
 */
public final class VmdkSparseWriter implements ImageWriter {

    /** Grain size written, in sectors (64 KiB, VMware's and qemu's default). */
    public static final int GRAIN_SECTORS = 128;
    private static final int GRAIN_BYTES = GRAIN_SECTORS * 512;
    private static final int GTES = 512;
    private static final int GT_SECTORS = GTES * 4 / 512;
    private static final long DESC_OFFSET = 1;
    private static final long DESC_SECTORS = 20;
    /** Adapter types accepted for {@code ddb.adapterType}. */
    public static final Set<String> ADAPTER_TYPES = Set.of("ide", "buslogic", "lsilogic", "legacyESX",
            "lsisas1068", "pvscsi");
    private static final ByteBuffer ZERO_GRAIN = ByteBuffer.allocateDirect(GRAIN_BYTES).asReadOnlyBuffer();

    private final Path target;
    private final PendingImageFile file;
    private final FileChannel channel;
    private final long capacitySectors;
    private final String adapterType;
    private final long numGrains;
    private final int gtCount;
    private final long gdSectors;
    private final long rgdOffset;
    private final long gdOffset;
    private final long overHead;
    private final int[][] tables;
    private final ByteBuffer pending = ByteBuffer.allocate(GRAIN_BYTES);
    private long pendingGrain = -1;
    private long nextSector;
    private long nextOffset;

    private VmdkSparseWriter(Path target, PendingImageFile file, long capacitySectors, String adapterType) {
        this.target = target;
        this.file = file;
        this.channel = file.channel();
        this.capacitySectors = capacitySectors;
        this.adapterType = adapterType;
        this.numGrains = VmdkSparseHeader.ceilDiv(capacitySectors, GRAIN_SECTORS);
        this.gtCount = (int) VmdkSparseHeader.ceilDiv(numGrains, GTES);
        this.gdSectors = VmdkSparseHeader.ceilDiv(gtCount * 4L, 512);
        this.rgdOffset = DESC_OFFSET + DESC_SECTORS;
        this.gdOffset = rgdOffset + gdSectors + (long) gtCount * GT_SECTORS;
        long end = gdOffset + gdSectors + (long) gtCount * GT_SECTORS;
        this.overHead = VmdkSparseHeader.ceilDiv(end, GRAIN_SECTORS) * GRAIN_SECTORS;
        this.tables = new int[gtCount][];
        this.nextSector = overHead;
    }

    /**
     * Starts a monolithicSparse image of {@code capacity} bytes (rounded up to sectors) that will be renamed to
     * {@code target} on close.
     */
    public static VmdkSparseWriter create(Path target, long capacity, String adapterType) throws IOException {
        String name = String.valueOf(target.getFileName());
        if (!ADAPTER_TYPES.contains(adapterType)) {
            throw new IllegalArgumentException(name + ": adapter type \"" + adapterType + "\" not one of "
                    + ADAPTER_TYPES);
        }
        if (name.chars().anyMatch(c -> c == '"' || c < 0x20)) {
            throw new IllegalArgumentException(name + ": file name cannot appear in a VMDK descriptor");
        }
        // Grain offsets are 32-bit sector numbers: the whole file must stay below 2 TiB.
        if (capacity <= 0 || capacity > (1L << 41) - (1L << 30)) {
            throw new IllegalArgumentException(name + ": capacity " + capacity
                    + " bytes outside 1 byte .. 2 TiB - 1 GiB for a monolithicSparse VMDK");
        }
        return new VmdkSparseWriter(target, PendingImageFile.create(target, 0),
                VmdkSparseHeader.ceilDiv(capacity, 512), adapterType);
    }

    @Override
    public Path target() {
        return target;
    }

    @Override
    public long capacity() {
        return capacitySectors * 512;
    }

    @Override
    public int grainSize() {
        return GRAIN_BYTES;
    }

    @Override
    public void write(long offset, ByteBuffer data) throws IOException {
        file.requireOpen();
        int n = data.remaining();
        if (offset < nextOffset || offset > capacity() - n) {
            file.markFailed();
            throw new IllegalArgumentException(target.getFileName() + ": write of " + n + " bytes at offset "
                    + offset + " goes backwards (next offset " + nextOffset + ") or past capacity (" + capacity()
                    + " bytes)");
        }
        try {
            long pos = offset;
            int limit = data.limit();
            while (data.hasRemaining()) {
                long grain = pos / GRAIN_BYTES;
                int within = (int) (pos % GRAIN_BYTES);
                int k = Math.min(data.remaining(), GRAIN_BYTES - within);
                if (grain != pendingGrain) {
                    flushPending();
                }
                if (within == 0 && k == GRAIN_BYTES) {
                    // A whole grain straight from the caller's buffer.
                    data.limit(data.position() + k);
                    if (data.mismatch(ZERO_GRAIN.duplicate()) >= 0) {
                        writeGrain(grain, data);
                    }
                    data.position(data.limit());
                    data.limit(limit);
                } else {
                    if (pendingGrain != grain) {
                        pending.clear();
                        zero(pending);
                        pendingGrain = grain;
                    }
                    data.limit(data.position() + k);
                    pending.position(within);
                    pending.put(data);
                    data.limit(limit);
                }
                pos += k;
            }
            nextOffset = offset + n;
        } catch (IOException | RuntimeException e) {
            file.markFailed();
            throw e;
        }
    }

    private static void zero(ByteBuffer b) {
        b.clear();
        b.put(ZERO_GRAIN.duplicate());
        b.clear();
    }

    private void flushPending() throws IOException {
        if (pendingGrain < 0) {
            return;
        }
        pending.clear();
        if (pending.mismatch(ZERO_GRAIN.duplicate()) >= 0) {
            writeGrain(pendingGrain, pending);
        }
        pendingGrain = -1;
    }

    private void writeGrain(long grain, ByteBuffer data) throws IOException {
        if (nextSector + GRAIN_SECTORS > 0xFFFFFFFFL) {
            throw new IOException(target.getFileName() + ": grain offset beyond the 2 TiB limit of 32-bit sectors");
        }
        long p = nextSector * 512;
        ByteBuffer d = data.duplicate();
        while (d.hasRemaining()) {
            p += channel.write(d, p);
        }
        int t = (int) (grain / GTES);
        if (tables[t] == null) {
            tables[t] = new int[GTES];
        }
        tables[t][(int) (grain % GTES)] = (int) nextSector;
        nextSector += GRAIN_SECTORS;
    }

    private void writeMetadata() throws IOException {
        // Grain directories and tables, twice: the redundant copy first, as qemu and VMware lay them out.
        for (long gd : new long[] {rgdOffset, gdOffset}) {
            ByteBuffer dir = ByteBuffer.allocate((int) (gdSectors * 512)).order(ByteOrder.LITTLE_ENDIAN);
            long firstGt = gd + gdSectors;
            for (int i = 0; i < gtCount; i++) {
                dir.putInt(i * 4, (int) (firstGt + (long) i * GT_SECTORS));
            }
            writeAt(dir, gd * 512);
            ByteBuffer gts = ByteBuffer.allocate(GT_SECTORS * 512 * Math.min(gtCount, 1024))
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < gtCount; i += 1024) {
                int count = Math.min(1024, gtCount - i);
                gts.clear();
                for (int j = 0; j < count; j++) {
                    int[] gt = tables[i + j];
                    for (int e = 0; e < GTES; e++) {
                        gts.putInt(gt == null ? 0 : gt[e]);
                    }
                }
                gts.flip();
                writeAt(gts, (firstGt + (long) i * GT_SECTORS) * 512);
            }
        }
        byte[] desc = descriptor().toText().getBytes(StandardCharsets.UTF_8);
        if (desc.length > DESC_SECTORS * 512) {
            throw new IOException(target.getFileName() + ": descriptor of " + desc.length + " bytes does not fit in "
                    + DESC_SECTORS + " sectors");
        }
        ByteBuffer d = ByteBuffer.allocate((int) (DESC_SECTORS * 512));
        d.put(desc).clear();
        writeAt(d, DESC_OFFSET * 512);
        VmdkSparseHeader h = new VmdkSparseHeader(1, VmdkSparseHeader.FLAG_NL_DETECT | VmdkSparseHeader.FLAG_RGD,
                capacitySectors, GRAIN_SECTORS, DESC_OFFSET, DESC_SECTORS, GTES, rgdOffset, gdOffset, overHead,
                false, true, 0);
        writeAt(h.toBytes(), 0);
        if (channel.size() < overHead * 512) {
            writeAt(ByteBuffer.allocate(1), overHead * 512 - 1);
        }
    }

    private VmdkDescriptor descriptor() {
        int cid;
        do {
            cid = ThreadLocalRandom.current().nextInt();
        } while (cid == -1 || cid == -2);
        int heads = "ide".equals(adapterType) ? 16 : 255;
        long cylinders = Math.min(capacitySectors / (heads * 63L), 16383);
        Map<String, String> ddb = new LinkedHashMap<>();
        ddb.put("ddb.virtualHWVersion", "4");
        ddb.put("ddb.geometry.cylinders", Long.toString(cylinders));
        ddb.put("ddb.geometry.heads", Integer.toString(heads));
        ddb.put("ddb.geometry.sectors", "63");
        ddb.put("ddb.adapterType", adapterType);
        return new VmdkDescriptor(1, String.format("%08x", cid), VmdkDescriptor.NO_PARENT, "monolithicSparse", null,
                List.of(new VmdkExtentLine("RW", capacitySectors, "SPARSE", String.valueOf(target.getFileName()), 0)),
                ddb, Map.of());
    }

    private void writeAt(ByteBuffer b, long pos) throws IOException {
        long p = pos;
        while (b.hasRemaining()) {
            p += channel.write(b, p);
        }
    }

    @Override
    public void commit() throws IOException {
        file.commit(() -> {
            flushPending();
            writeMetadata();
        });
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
