package io.lifeboat.storage.vmdk;

import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.ImageFormat;
import io.lifeboat.storage.ImageFormatException;
import io.lifeboat.storage.ImageInfo;
import io.lifeboat.storage.ImageRange;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A VMDK image opened read-only (a sparse file with embedded descriptor, or a text descriptor with its extents),
 * read through its parent chain when it is a delta disk.
 */
public final class VmdkImage implements DiskImage {

    private static final byte[] DESCRIPTOR_MAGIC = "# Disk DescriptorFile".getBytes(StandardCharsets.US_ASCII);
    private static final int COWD_MAGIC = 0x44574f43;

    private final Path path;
    private final VmdkDescriptor descriptor;
    private final List<VmdkExtent> extents;
    private final long[] starts;
    private final long capacity;
    private final int grainSize;
    private VmdkImage parent;
    /** Longest parent chain followed. */
    public static final int MAX_CHAIN = 16;

    private VmdkImage(Path path, VmdkDescriptor descriptor, List<VmdkExtent> extents) {
        this.path = path;
        this.descriptor = descriptor;
        this.extents = List.copyOf(extents);
        this.starts = new long[extents.size()];
        long pos = 0;
        int grain = VmdkFlatExtent.GRAIN_SIZE;
        boolean sparseSeen = false;
        for (int i = 0; i < extents.size(); i++) {
            starts[i] = pos;
            pos += extents.get(i).size();
            if (extents.get(i) instanceof VmdkSparseExtent) {
                grain = sparseSeen ? Math.max(grain, extents.get(i).grainSize()) : extents.get(i).grainSize();
                sparseSeen = true;
            }
        }
        this.capacity = pos;
        this.grainSize = grain;
    }

    /**
     * Opens a VMDK sparse file or descriptor file read-only, with its parent chain if it is a delta disk.
     *
     * @throws ImageFormatException naming the file and the field when the image breaks the format, when its parent
     *                              is missing, changed (CID mismatch) or forms a loop, or when it names an extent
     *                              or parent file outside its directory
     */
    public static VmdkImage open(Path file) throws IOException {
        return openChain(file, new ArrayList<>());
    }

    private static VmdkImage openChain(Path file, List<Path> children) throws IOException {
        Path real = file.toRealPath();
        if (children.contains(real)) {
            throw new ImageFormatException(file, "parentFileNameHint: parent chain loops back to this file");
        }
        if (children.size() >= MAX_CHAIN) {
            throw new ImageFormatException(file, "parent chain longer than " + MAX_CHAIN + " disks");
        }
        children.add(real);
        VmdkImage img = openLayer(file);
        if (!img.descriptor.hasParent()) {
            return img;
        }
        boolean ok = false;
        try {
            String hint = img.descriptor.parentFileNameHint();
            if (hint == null || hint.isEmpty()) {
                throw new ImageFormatException(file, "parentCID " + img.descriptor.parentCid()
                        + " names a parent but parentFileNameHint is missing");
            }
            Path parentPath = resolveInside(file, hint, "parentFileNameHint");
            VmdkImage parent;
            try {
                parent = openChain(parentPath, children);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new ImageFormatException(file, "parentFileNameHint \"" + VmdkDescriptor.shorten(hint)
                        + "\": parent disk not found", e);
            }
            if (!parent.descriptor.cid().equalsIgnoreCase(img.descriptor.parentCid())) {
                String cid = parent.descriptor.cid();
                parent.close();
                throw new ImageFormatException(file, "parentCID " + img.descriptor.parentCid() + " does not match CID "
                        + cid + " of parent \"" + VmdkDescriptor.shorten(hint)
                        + "\": the parent changed after this delta was created");
            }
            img.attachParent(parent);
            ok = true;
            return img;
        } finally {
            if (!ok) {
                img.close();
            }
        }
    }

    private void attachParent(VmdkImage p) {
        this.parent = p;
        for (int i = 0; i < extents.size(); i++) {
            if (extents.get(i) instanceof VmdkSparseExtent) {
                ((VmdkSparseExtent) extents.get(i)).setBacking(p, starts[i]);
            }
        }
    }

    /** The parent disk of a delta disk, or null for a base disk. */
    public VmdkImage parent() {
        return parent;
    }

    private static VmdkImage openLayer(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        boolean handedOver = false;
        try {
            ByteBuffer head = ByteBuffer.allocate(VmdkSparseHeader.SIZE).order(ByteOrder.LITTLE_ENDIAN);
            while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
                // fill
            }
            head.flip();
            if (head.remaining() >= 4 && head.getInt(0) == VmdkSparseHeader.MAGIC) {
                VmdkImage img = openSparse(file, ch, head);
                handedOver = true;
                return img;
            }
            if (head.remaining() >= 4 && head.getInt(0) == COWD_MAGIC) {
                throw new ImageFormatException(file, "magic COWD: ESX sparse (VMFSSPARSE) extents are not supported");
            }
            if (!startsWith(head, DESCRIPTOR_MAGIC)) {
                throw new ImageFormatException(file, "magic: neither a KDMV sparse header nor a text descriptor");
            }
            long size = ch.size();
            if (size > VmdkDescriptor.MAX_BYTES) {
                throw new ImageFormatException(file, "descriptor file of " + size + " bytes exceeds "
                        + VmdkDescriptor.MAX_BYTES + " bytes");
            }
            ByteBuffer text = ByteBuffer.allocate((int) size);
            while (text.hasRemaining() && ch.read(text, text.position()) > 0) {
                // fill
            }
            VmdkDescriptor d = VmdkDescriptor.parse(file, text.array(), text.position());
            return openDescriptor(file, d);
        } finally {
            if (!handedOver) {
                ch.close();
            }
        }
    }

    private static boolean startsWith(ByteBuffer b, byte[] prefix) {
        if (b.remaining() < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b.get(i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static VmdkImage openSparse(Path file, FileChannel ch, ByteBuffer head) throws IOException {
        VmdkSparseHeader h = VmdkSparseHeader.parse(file, head);
        VmdkDescriptor d = null;
        if (h.descriptorOffset() != 0) {
            long fileSize = ch.size();
            long start = h.descriptorOffset() * 512;
            long len = h.descriptorSize() * 512;
            if (h.descriptorOffset() > fileSize / 512 || start + len > fileSize) {
                throw new ImageFormatException(file, "descriptor offset " + h.descriptorOffset() + " sectors + size "
                        + h.descriptorSize() + " sectors beyond end of file (" + fileSize + " bytes)");
            }
            ByteBuffer text = ByteBuffer.allocate((int) len);
            while (text.hasRemaining()) {
                if (ch.read(text, start + text.position()) < 0) {
                    throw new ImageFormatException(file, "descriptor truncated at offset " + (start + text.position()));
                }
            }
            d = VmdkDescriptor.parse(file, text.array(), text.position());
        }
        VmdkSparseExtent extent = VmdkSparseExtent.open(file, ch, h, null);
        if (d == null) {
            d = new VmdkDescriptor(1, VmdkDescriptor.NO_PARENT, VmdkDescriptor.NO_PARENT, "monolithicSparse", null,
                    List.of(new VmdkExtentLine("RW", h.capacitySectors(), "SPARSE",
                            String.valueOf(file.getFileName()), 0)),
                    java.util.Map.of(), java.util.Map.of());
        }
        return new VmdkImage(file, d, List.of(extent));
    }

    private static VmdkImage openDescriptor(Path file, VmdkDescriptor d) throws IOException {
        List<VmdkExtent> opened = new ArrayList<>();
        boolean ok = false;
        try {
            long total = 0;
            for (VmdkExtentLine line : d.extents()) {
                total += line.sectors() * 512;
                if (total > VmdkSparseHeader.MAX_CAPACITY_BYTES) {
                    throw new ImageFormatException(file, "extents add up to more than "
                            + (VmdkSparseHeader.MAX_CAPACITY_BYTES >> 40) + " TiB");
                }
                if ("NOACCESS".equals(line.access())) {
                    throw new ImageFormatException(file, "extent \"" + line.fileName() + "\": access NOACCESS");
                }
                opened.add(openExtent(file, line));
            }
            ok = true;
            return new VmdkImage(file, d, opened);
        } finally {
            if (!ok) {
                for (VmdkExtent e : opened) {
                    e.close();
                }
            }
        }
    }

    private static VmdkExtent openExtent(Path descriptorFile, VmdkExtentLine line) throws IOException {
        try {
            return openExtentFile(descriptorFile, line);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ImageFormatException(descriptorFile, "extent file \"" + VmdkDescriptor.shorten(line.fileName())
                    + "\" not found", e);
        } catch (java.nio.file.FileSystemException e) {
            throw new ImageFormatException(descriptorFile, "extent file \"" + VmdkDescriptor.shorten(line.fileName())
                    + "\" cannot be opened: " + e.getReason(), e);
        }
    }

    private static VmdkExtent openExtentFile(Path descriptorFile, VmdkExtentLine line) throws IOException {
        switch (line.type()) {
            case "ZERO":
                return new VmdkZeroExtent(line);
            case "FLAT":
            case "VMFS": {
                Path p = resolveExtent(descriptorFile, line.fileName());
                return new VmdkFlatExtent(p, FileChannel.open(p, StandardOpenOption.READ), line);
            }
            case "SPARSE": {
                Path p = resolveExtent(descriptorFile, line.fileName());
                FileChannel ch = FileChannel.open(p, StandardOpenOption.READ);
                try {
                    ByteBuffer head = ByteBuffer.allocate(VmdkSparseHeader.SIZE);
                    while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
                        // fill
                    }
                    head.flip();
                    VmdkSparseHeader h = VmdkSparseHeader.parse(p, head);
                    return VmdkSparseExtent.open(p, ch, h, line);
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    throw e;
                }
            }
            default:
                throw new ImageFormatException(descriptorFile, "extent \"" + line.fileName() + "\": type "
                        + line.type() + " not supported");
        }
    }

    /**
     * Resolves an extent file name against the descriptor's directory, refusing absolute names, {@code ..} and
     * anything else that would leave that directory.
     */
    static Path resolveExtent(Path descriptorFile, String name) throws ImageFormatException {
        return resolveInside(descriptorFile, name, "extent file name");
    }

    /** Resolves {@code name} (the value of {@code field}) inside the directory of {@code descriptorFile}. */
    static Path resolveInside(Path descriptorFile, String name, String field) throws ImageFormatException {
        String shown = VmdkDescriptor.shorten(name);
        if (name.indexOf('\0') >= 0) {
            throw new ImageFormatException(descriptorFile, field + " \"" + shown + "\" contains NUL");
        }
        if (name.startsWith("/") || name.startsWith("\\") || name.matches("^[A-Za-z]:.*")) {
            throw new ImageFormatException(descriptorFile, field + " \"" + shown
                    + "\" is absolute; it must lie in the descriptor's directory");
        }
        for (String part : name.split("[/\\\\]")) {
            if (part.equals("..")) {
                throw new ImageFormatException(descriptorFile, field + " \"" + shown
                        + "\" contains \"..\"; it must lie in the descriptor's directory");
            }
        }
        Path dir = descriptorFile.toAbsolutePath().normalize().getParent();
        Path p;
        try {
            p = dir.resolve(name).normalize();
        } catch (InvalidPathException e) {
            throw new ImageFormatException(descriptorFile, field + " \"" + shown + "\" is not a valid path");
        }
        if (!p.startsWith(dir) || p.equals(dir)) {
            throw new ImageFormatException(descriptorFile, field + " \"" + shown
                    + "\" resolves outside the descriptor's directory");
        }
        if (java.nio.file.Files.exists(p) && !java.nio.file.Files.isRegularFile(p)) {
            // Devices, FIFOs and directories are refused before open: a FIFO would block the open itself.
            throw new ImageFormatException(descriptorFile, field + " \"" + shown + "\" is not a regular file");
        }
        return p;
    }

    @Override
    public Path path() {
        return path;
    }

    /** The descriptor (synthesised for a sparse file without an embedded one). */
    public VmdkDescriptor descriptor() {
        return descriptor;
    }

    /** The extents in guest order. */
    public List<VmdkExtent> extents() {
        return extents;
    }

    /** Guest offset at which extent {@code i} starts. */
    public long extentStart(int i) {
        return starts[i];
    }

    @Override
    public ImageInfo info() {
        List<String> names = new ArrayList<>();
        boolean unclean = false;
        for (VmdkExtent e : extents) {
            if (e instanceof VmdkSparseExtent) {
                VmdkSparseExtent s = (VmdkSparseExtent) e;
                names.add(String.valueOf(s.file().getFileName()));
                unclean |= s.header().uncleanShutdown();
            } else if (e instanceof VmdkFlatExtent) {
                names.add(String.valueOf(((VmdkFlatExtent) e).file().getFileName()));
            }
        }
        return new ImageInfo(ImageFormat.VMDK, descriptor.createType(), descriptor.adapterType(), capacity,
                grainSize, descriptor.cid(), descriptor.parentCid(), unclean, names);
    }

    @Override
    public long capacity() {
        return capacity;
    }

    @Override
    public int grainSize() {
        return grainSize;
    }

    /** Bytes stored in the extents: allocated grains of sparse extents, data regions of flat files. */
    public long allocatedBytes() throws IOException {
        long total = 0;
        for (VmdkExtent e : extents) {
            total += e.allocatedBytes();
        }
        return total;
    }

    /**
     * The sparse extent holding guest offset {@code offset}, or null when that extent is not sparse. With
     * {@link VmdkSparseExtent#grainFileOffset(long)} (given {@code offset - extentStart(i)}) it locates a grain in
     * its file.
     */
    public VmdkSparseExtent sparseExtentAt(long offset) {
        int i = extentIndex(offset);
        return extents.get(i) instanceof VmdkSparseExtent ? (VmdkSparseExtent) extents.get(i) : null;
    }

    /**
     * The byte offset, in its extent file, of the guest byte at {@code offset}, or -1 when it is not stored
     * uncompressed in a sparse extent. Lets a benchmark rewrite allocated grains in place.
     */
    public long grainFileOffset(long offset) {
        if (offset < 0 || offset >= capacity) {
            return -1;
        }
        int i = extentIndex(offset);
        VmdkExtent e = extents.get(i);
        return e instanceof VmdkSparseExtent ? ((VmdkSparseExtent) e).grainFileOffset(offset - starts[i]) : -1;
    }

    private int extentIndex(long offset) {
        int i = Arrays.binarySearch(starts, offset);
        if (i < 0) {
            i = -i - 2;
        }
        // Skip zero-length extents (they cannot exist: descriptor sizes are positive).
        return i;
    }

    /** The detailed map, entry by entry as {@code qemu-img map --output=json} reports it (merged by its rule). */
    public List<VmdkMapEntry> detailedMap() throws IOException {
        List<VmdkMapEntry> top = new ArrayList<>();
        for (int i = 0; i < extents.size(); i++) {
            extents.get(i).map(starts[i], top);
        }
        if (parent == null) {
            return top;
        }
        // What this layer does not define comes from the parent, one level deeper.
        List<VmdkMapEntry> below = parent.detailedMap();
        List<VmdkMapEntry> out = new ArrayList<>();
        int j = 0;
        for (VmdkMapEntry e : top) {
            if (e.present()) {
                append(out, e);
                continue;
            }
            long pos = e.start();
            while (pos < e.end()) {
                while (j < below.size() && below.get(j).end() <= pos) {
                    j++;
                }
                if (j >= below.size()) {
                    append(out, new VmdkMapEntry(pos, e.end() - pos, 1, false, false, true, -1, null));
                    break;
                }
                VmdkMapEntry b = below.get(j);
                long end = Math.min(e.end(), b.end());
                long off = b.hasOffset() ? b.offset() + (pos - b.start()) : -1;
                append(out, new VmdkMapEntry(pos, end - pos, b.depth() + 1, b.present(), b.data(), b.zero(), off,
                        b.file()));
                pos = end;
            }
        }
        return out;
    }

    private static void append(List<VmdkMapEntry> out, VmdkMapEntry e) {
        if (!out.isEmpty() && out.get(out.size() - 1).mergeableWith(e)) {
            out.set(out.size() - 1, out.get(out.size() - 1).mergedWith(e));
        } else {
            out.add(e);
        }
    }

    @Override
    public List<ImageRange> map() throws IOException {
        return ImageMaps.roundToGrains(detailedMap(), grainSize, capacity);
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int want = dst.remaining();
        if (offset < 0 || offset > capacity - want) {
            throw new EOFException(path.getFileName() + ": read of " + want + " bytes at offset " + offset
                    + " beyond capacity (" + capacity + " bytes)");
        }
        long pos = offset;
        int limit = dst.limit();
        try {
            while (dst.position() < limit) {
                int i = extentIndex(pos);
                long inExtent = pos - starts[i];
                int n = (int) Math.min(limit - dst.position(), extents.get(i).size() - inExtent);
                dst.limit(dst.position() + n);
                extents.get(i).read(inExtent, dst);
                pos += n;
            }
        } finally {
            dst.limit(limit);
        }
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        if (parent != null) {
            try {
                parent.close();
            } catch (IOException ex) {
                first = ex;
            }
        }
        for (VmdkExtent e : extents) {
            try {
                e.close();
            } catch (IOException ex) {
                if (first == null) {
                    first = ex;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
