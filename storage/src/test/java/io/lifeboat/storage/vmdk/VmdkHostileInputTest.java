package io.lifeboat.storage.vmdk;

import io.lifeboat.storage.ImageFormatException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Crafted and damaged images each get a clear {@link ImageFormatException} naming file and field, and no writes. */
class VmdkHostileInputTest {

    @TempDir
    Path dir;

    private Path sparse;
    private VmdkSparseHeader header;

    @BeforeEach
    void makeImage() throws IOException {
        sparse = dir.resolve("disk.vmdk");
        QemuImg.ok("qemu-img", "create", "-q", "-f", "vmdk", sparse.toString(), "64M");
        QemuImg.ok("qemu-io", "-f", "vmdk", "-c", "write -P 0x11 0 192k", "-c", "write -P 0x22 40M 64k",
                sparse.toString());
        header = readHeader(sparse);
    }

    static VmdkSparseHeader readHeader(Path f) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(512);
        try (var ch = java.nio.channels.FileChannel.open(f)) {
            ch.read(b, 0);
        }
        return VmdkSparseHeader.parse(f, b.flip());
    }

    private static void poke(Path f, long offset, long value, int width) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(width).order(ByteOrder.LITTLE_ENDIAN);
        if (width == 8) {
            b.putLong(value);
        } else {
            b.putInt((int) value);
        }
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(offset);
            raf.write(b.array());
        }
    }

    private static TreeMap<String, String> snapshot(Path dir) throws IOException {
        TreeMap<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                MessageDigest md;
                try {
                    md = MessageDigest.getInstance("SHA-256");
                } catch (NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
                m.put(dir.relativize(p).toString() + "@" + Files.getLastModifiedTime(p).toMillis(),
                        HexFormat.of().formatHex(md.digest(Files.readAllBytes(p))));
            }
        }
        return m;
    }

    /** Asserts that opening and reading {@code f} fails with a message naming the file and {@code field}. */
    private void refused(Path f, String... words) throws IOException {
        TreeMap<String, String> before = snapshot(dir);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
                assertThatThrownBy(() -> HostileImages.openMapAndReadAll(f))
                        .isInstanceOf(ImageFormatException.class)
                        .hasMessageStartingWith(f.getFileName() + ": ")
                        .hasMessageContainingAll(words));
        assertThat(snapshot(dir)).as("nothing written").isEqualTo(before);
    }

    @Test
    void theUntouchedImageReads() throws IOException {
        HostileImages.openMapAndReadAll(sparse);
    }

    @Test
    void truncatedInTheGrainTables() throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(sparse.toFile(), "rw")) {
            raf.setLength(header.gdOffset() * 512 + 1024);
        }
        refused(sparse, "grain table", "beyond end of file");
    }

    @Test
    void truncatedInTheGrains() throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(sparse.toFile(), "rw")) {
            raf.setLength(raf.length() - 4096);
        }
        refused(sparse, "grain offset", "beyond end of file");
    }

    @Test
    void truncatedHeader() throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(sparse.toFile(), "rw")) {
            raf.setLength(100);
        }
        refused(sparse, "sparse header truncated");
    }

    @Test
    void grainDirectoryOffsetPastEof() throws IOException {
        poke(sparse, 56, 0x7fffffffffffffffL / 512, 8);
        refused(sparse, "grain directory offset", "beyond end of file");
    }

    @Test
    void grainTableOffsetPastEof() throws IOException {
        poke(sparse, header.gdOffset() * 512, 0x7ffffff0, 4);
        refused(sparse, "grain directory entry 0", "beyond end of file");
    }

    @Test
    void capacityOfTwoToTheSixtyThree() throws IOException {
        poke(sparse, 12, Long.MIN_VALUE, 8);
        refused(sparse, "capacity", "9223372036854775808");
        poke(sparse, 12, (1L << 63) / 512 - 1, 8);
        refused(sparse, "capacity", "TiB limit");
    }

    @Test
    void grainSizeNotAPowerOfTwoOrAbsurd() throws IOException {
        poke(sparse, 20, 100, 8);
        refused(sparse, "grainSize", "100", "power of two");
        poke(sparse, 20, 1L << 40, 8);
        refused(sparse, "grainSize", "1099511627776");
        poke(sparse, 20, 0, 8);
        refused(sparse, "grainSize 0");
    }

    @Test
    void numGTEsPerGTAbsurd() throws IOException {
        poke(sparse, 44, 0x7fffffff, 4);
        refused(sparse, "numGTEsPerGT", "2147483647");
        poke(sparse, 44, 0, 4);
        refused(sparse, "numGTEsPerGT 0");
    }

    @Test
    void badMagicVersionAndNewlineBytes() throws IOException {
        poke(sparse, 4, 77, 4);
        refused(sparse, "version 77");
        poke(sparse, 4, 1, 4);
        poke(sparse, 72, 0x0a0d0a0d_0a200a00L, 8);
        refused(sparse, "newline-detection");
    }

    @Test
    void twoDirectoryEntriesSharingOneGrainTable() throws IOException {
        long gd = header.gdOffset() * 512;
        ByteBuffer e = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        try (RandomAccessFile raf = new RandomAccessFile(sparse.toFile(), "rw")) {
            raf.seek(gd);
            raf.readFully(e.array());
        }
        poke(sparse, gd + 4, Integer.toUnsignedLong(e.getInt(0)), 4);
        poke(sparse, header.rgdOffset() * 512 + 4, Integer.toUnsignedLong(e.getInt(0)), 4);
        refused(sparse, "grain table of grain directory entry", "overlaps");
    }

    @Test
    void grainTablePointingAtTheGrainDirectoryItself() throws IOException {
        poke(sparse, header.gdOffset() * 512, header.gdOffset(), 4);
        refused(sparse, "overlaps");
    }

    @Test
    void grainPointingIntoAGrainTable() throws IOException {
        long gd = header.gdOffset() * 512;
        ByteBuffer e = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        try (RandomAccessFile raf = new RandomAccessFile(sparse.toFile(), "rw")) {
            raf.seek(gd);
            raf.readFully(e.array());
        }
        long gt = Integer.toUnsignedLong(e.getInt(0));
        // Grain 0 of the primary table now points at the table itself; the redundant copy is patched alike.
        poke(sparse, gt * 512, gt, 4);
        poke(sparse, header.rgdOffset() * 512, 0, 4);
        refused(sparse, "grain directory entry 0");
    }

    @Test
    void grainPointingIntoAGrainTableWithMatchingRedundantCopy() throws IOException {
        long gt = readGdEntry(header.gdOffset(), 0);
        long rgt = readGdEntry(header.rgdOffset(), 0);
        poke(sparse, gt * 512, gt, 4);
        poke(sparse, rgt * 512, gt, 4);
        refused(sparse, "grain table 0 entry 0", "overlaps");
    }

    private long readGdEntry(long gdSector, int index) throws IOException {
        ByteBuffer e = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        try (RandomAccessFile raf = new RandomAccessFile(sparse.toFile(), "rw")) {
            raf.seek(gdSector * 512 + index * 4L);
            raf.readFully(e.array());
        }
        return Integer.toUnsignedLong(e.getInt(0));
    }

    @Test
    void redundantGrainTableDisagrees() throws IOException {
        long rgt = readGdEntry(header.rgdOffset(), 0);
        poke(sparse, rgt * 512 + 8, 0, 4);
        refused(sparse, "grain table 0 entry 2", "redundant copy");
    }

    @Test
    void embeddedDescriptorLargerThanAllowed() throws IOException {
        poke(sparse, 36, 1L << 20, 8);
        refused(sparse, "descriptorSize");
    }

    private Path descriptorFile(String extentLine) throws IOException {
        Path d = dir.resolve("desc.vmdk");
        Files.writeString(d, "# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\n"
                + "createType=\"monolithicFlat\"\n\n# Extent description\n" + extentLine + "\n\n#DDB\n"
                + "ddb.adapterType = \"ide\"\n", StandardCharsets.UTF_8);
        return d;
    }

    @Test
    void extentNamesWithDotDotOrAbsolutePathsAreRefused() throws IOException {
        Files.writeString(dir.getParent().resolve("outside-flat.vmdk"), "x");
        try {
            refused(descriptorFile("RW 2048 FLAT \"../outside-flat.vmdk\" 0"), "..", "descriptor's directory");
            refused(descriptorFile("RW 2048 FLAT \"sub/../../outside-flat.vmdk\" 0"), "..");
            refused(descriptorFile("RW 2048 FLAT \"/etc/passwd\" 0"), "absolute");
            refused(descriptorFile("RW 2048 FLAT \"C:\\\\x.vmdk\" 0"), "absolute");
            refused(descriptorFile("RW 2048 FLAT \"missing-flat.vmdk\" 0"), "missing-flat.vmdk", "not found");
            Files.createDirectory(dir.resolve("adir"));
            refused(descriptorFile("RW 2048 FLAT \"adir\" 0"), "not a regular file");
        } finally {
            Files.delete(dir.getParent().resolve("outside-flat.vmdk"));
        }
    }

    @Test
    void descriptorLinesMegabytesLongAreRefusedQuickly() throws IOException {
        Path d = dir.resolve("long.vmdk");
        Files.writeString(d, "# Disk DescriptorFile\ncreateType=\"" + "a".repeat(3 << 20) + "\"\n");
        refused(d, "exceeds", String.valueOf(VmdkDescriptor.MAX_BYTES));
        Files.writeString(d, "# Disk DescriptorFile\ncreateType=\"" + "a".repeat(100_000) + "\"\n");
        refused(d, "descriptor line 2", "longer than");
    }

    @Test
    void descriptorErrorsNameTheLineAndField() throws IOException {
        refused(descriptorFile("RW lots FLAT \"x-flat.vmdk\" 0"), "line 8", "size \"lots\"");
        refused(descriptorFile("RW 2048 WEIRD \"x-flat.vmdk\" 0"), "type \"WEIRD\"");
        refused(descriptorFile("RW 2048 FLAT x-flat.vmdk 0"), "quoted");
        refused(descriptorFile("RW -5 FLAT \"x-flat.vmdk\" 0"), "size -5");
        Path d = dir.resolve("cid.vmdk");
        Files.writeString(d, "# Disk DescriptorFile\nCID=xyz\ncreateType=\"monolithicFlat\"\nRW 1 ZERO\n");
        refused(d, "CID \"xyz\"");
    }

    @Test
    void unknownKeysAreKeptNotInterpreted() throws IOException {
        Path flat = dir.resolve("x-flat.vmdk");
        try (RandomAccessFile raf = new RandomAccessFile(flat.toFile(), "rw")) {
            raf.setLength(2048 * 512);
        }
        Path d = descriptorFile("RW 2048 FLAT \"x-flat.vmdk\" 0");
        Files.writeString(d, Files.readString(d) + "isNativeSnapshot=\"no\"\nddb.uuid = \"60 00 C2\"\n");
        try (VmdkImage img = VmdkImage.open(d)) {
            assertThat(img.descriptor().otherKeys()).containsEntry("isNativeSnapshot", "no");
            assertThat(img.descriptor().ddb()).containsEntry("ddb.uuid", "60 00 C2");
            assertThat(img.capacity()).isEqualTo(2048 * 512);
        }
    }

    private Path child(String name, String backing) {
        Path child = dir.resolve(name);
        QemuImg.ok("qemu-img", "create", "-q", "-f", "vmdk", "-b", backing, "-F", "vmdk", child.toString());
        return child;
    }

    @Test
    void aDeltaDiskReadsThroughItsParent() throws IOException {
        Path child = child("child.vmdk", "disk.vmdk");
        try (VmdkImage img = VmdkImage.open(child)) {
            assertThat(img.parent()).isNotNull();
            ByteBuffer b = ByteBuffer.allocate(512);
            img.read(40L << 20, b);
            assertThat(b.array()).containsOnly(0x22);
        }
    }

    @Test
    void parentMissing() throws IOException {
        Path child = child("child.vmdk", "disk.vmdk");
        Files.delete(sparse);
        refused(child, "parentFileNameHint", "disk.vmdk", "not found");
    }

    @Test
    void parentChangedAfterTheSnapshot() throws IOException {
        Path child = child("child.vmdk", "disk.vmdk");
        QemuImg.ok("qemu-io", "-f", "vmdk", "-c", "write -P 0x33 8M 64k", sparse.toString());
        refused(child, "parentCID", "does not match CID", "parent changed");
    }

    @Test
    void parentOutsideTheDirectoryOrALoop() throws IOException {
        Files.createDirectory(dir.resolve("sub"));
        Path child = child("sub/child.vmdk", "../disk.vmdk");
        refused(child, "parentFileNameHint", "..");
        // A delta whose parent hint names itself ("disk.vmdk" -> "loop.vmdk", same length).
        Path loop = child("loop.vmdk", "disk.vmdk");
        byte[] b = Files.readAllBytes(loop);
        String text = new String(b, StandardCharsets.ISO_8859_1)
                .replace("parentFileNameHint=\"disk.vmdk\"", "parentFileNameHint=\"loop.vmdk\"");
        Files.write(loop, text.getBytes(StandardCharsets.ISO_8859_1));
        refused(loop, "parent chain loops");
    }

    @Test
    void streamOptimizedDamage() throws IOException {
        Path raw = dir.resolve("src.raw");
        byte[] data = new byte[256 * 1024];
        new java.util.Random(1).nextBytes(data);
        Files.write(raw, data);
        Path so = dir.resolve("so.vmdk");
        QemuImg.ok("qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized",
                raw.toString(), so.toString());
        Files.delete(raw);
        HostileImages.openMapAndReadAll(so);
        long size = Files.size(so);
        // A corrupted compressed grain: flip bytes in the middle of the first grain's deflate data.
        Path bad = dir.resolve("so-bad.vmdk");
        Files.copy(so, bad);
        VmdkSparseHeader h = readHeader(so);
        poke(bad, h.overHead() * 512 + 40, 0xdeadbeefL, 4);
        refused(bad, "compressed grain");
        Files.delete(bad);
        // Truncated inside the last compressed grain.
        Files.copy(so, bad);
        try (RandomAccessFile raf = new RandomAccessFile(bad.toFile(), "rw")) {
            raf.setLength(size - 1024);
        }
        refused(bad, "beyond end of file");
        Files.delete(bad);
        // The layout VMware's streaming writers use: gdOffset in the header says "see the footer".
        Path footer = dir.resolve("so-footer.vmdk");
        Files.copy(so, footer);
        try (RandomAccessFile raf = new RandomAccessFile(footer.toFile(), "rw")) {
            long end = (raf.length() + 511) / 512 * 512;
            ByteBuffer tail = ByteBuffer.allocate(1536).order(ByteOrder.LITTLE_ENDIAN);
            tail.putLong(0, 1).putInt(12, 3);
            ByteBuffer hb = h.toBytes();
            tail.position(512);
            tail.put(hb);
            raf.seek(end);
            raf.write(tail.array());
            raf.seek(56);
            raf.write(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1});
        }
        HostileImages.openMapAndReadAll(footer);
        try (VmdkImage a = VmdkImage.open(so); VmdkImage b = VmdkImage.open(footer)) {
            assertThat(b.detailedMap()).isEqualTo(a.detailedMap());
            VmdkQemuCompatProperties.compareRange(a, b, 0, a.capacity());
        }
        poke(footer, Files.size(footer) - 1536 + 12, 7, 4);
        refused(footer, "footer marker type 7");
        Files.delete(footer);
        // A grain marker claiming a huge compressed size.
        Files.copy(so, bad);
        poke(bad, h.overHead() * 512 + 8, 0x7fffffff, 4);
        refused(bad, "grain marker", "size 2147483647");
    }
}
