package io.lifeboat.storage.vmdk;

import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.DiskImages;
import io.lifeboat.storage.ImageFormat;
import io.lifeboat.storage.ImageRange;
import io.lifeboat.storage.ImageWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class VmdkExtentTypesTest {

    @TempDir
    Path dir;

    @Test
    void vmfsFlatZeroAndOffsetFlatExtentsReadInGuestOrder() throws IOException {
        // An ESX-style descriptor: a VMFS extent, a ZERO extent, then a FLAT extent starting 8 sectors into its file.
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("a-flat.vmdk").toFile(), "rw")) {
            f.setLength(1 << 20);
            f.seek(1000);
            f.write(new byte[] {1, 2, 3});
        }
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("b-flat.vmdk").toFile(), "rw")) {
            f.setLength(4096 + (1 << 20));
            f.seek(4096);
            f.write(new byte[] {9, 8, 7});
        }
        Path d = dir.resolve("esx.vmdk");
        Files.writeString(d, "# Disk DescriptorFile\nversion=1\nencoding=\"UTF-8\"\nCID=fffffffe\n"
                + "parentCID=ffffffff\nisNativeSnapshot=\"no\"\ncreateType=\"vmfs\"\n\n# Extent description\n"
                + "RW 2048 VMFS \"a-flat.vmdk\"\nRW 2048 ZERO\nRW 2048 FLAT \"b-flat.vmdk\" 8\n\n"
                + "# The Disk Data Base\n#DDB\n\nddb.adapterType = \"lsilogic\"\nddb.virtualHWVersion = \"7\"\n");
        try (DiskImage img = DiskImages.open(d)) {
            assertThat(img.capacity()).isEqualTo(3L << 20);
            assertThat(img.info().createType()).isEqualTo("vmfs");
            assertThat(img.info().extents()).containsExactly("a-flat.vmdk", "b-flat.vmdk");
            ByteBuffer b = ByteBuffer.allocate(3 << 20);
            img.read(0, b);
            byte[] expect = new byte[3 << 20];
            expect[1000] = 1;
            expect[1001] = 2;
            expect[1002] = 3;
            expect[(2 << 20)] = 9;
            expect[(2 << 20) + 1] = 8;
            expect[(2 << 20) + 2] = 7;
            assertThat(Arrays.mismatch(b.array(), expect)).isEqualTo(-1);
            // Data is found where it was written; the ZERO extent is present, not data, zero.
            assertThat(img.map()).anyMatch(r -> r.start() == 0 && r.data() && !r.zero());
            assertThat(((VmdkImage) img).detailedMap()).anyMatch(e -> e.start() == 1 << 20 && e.present()
                    && !e.data() && e.zero() && e.length() == 1 << 20);
        }
        // qemu skips ZERO extents (VMware reads them as zeros), so compare with qemu without one.
        Path q = dir.resolve("esx2.vmdk");
        Files.writeString(q, Files.readString(d).replace("RW 2048 ZERO\n", ""));
        try (DiskImage img = DiskImages.open(q)) {
            ByteBuffer b = ByteBuffer.allocate(2 << 20);
            img.read(0, b);
            assertThat(Arrays.mismatch(b.array(), qemuReads(q))).isEqualTo(-1);
            assertThat(QemuImg.withoutFiles(((VmdkImage) img).detailedMap())).isEqualTo(QemuImg.map(q));
        }
    }

    private byte[] qemuReads(Path vmdk) throws IOException {
        Path out = dir.resolve("qemu.raw");
        QemuImg.ok("qemu-img", "convert", "-O", "raw", vmdk.toString(), out.toString());
        byte[] b = Files.readAllBytes(out);
        Files.delete(out);
        return b;
    }

    @Test
    void grainFileOffsetLocatesAGrainForRewritingInPlace() throws IOException {
        Path f = dir.resolve("bench.vmdk");
        byte[] grain = new byte[65536];
        Arrays.fill(grain, (byte) 5);
        try (ImageWriter w = ImageWriter.create(f, ImageFormat.VMDK, 64L << 20, "lsilogic")) {
            w.write(3L << 20, ByteBuffer.wrap(grain));
            w.write(40L << 20, ByteBuffer.wrap(grain));
            w.commit();
        }
        long at;
        try (VmdkImage img = VmdkImage.open(f)) {
            assertThat(img.grainFileOffset(0)).isEqualTo(-1);
            at = img.grainFileOffset(40L << 20);
            assertThat(at).isPositive();
            assertThat(img.grainFileOffset((40L << 20) + 100)).isEqualTo(at + 100);
            assertThat(img.sparseExtentAt(40L << 20).grainFileOffset(40L << 20)).isEqualTo(at);
        }
        Arrays.fill(grain, (byte) 6);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(at);
            raf.write(grain);
        }
        try (VmdkImage img = VmdkImage.open(f)) {
            ByteBuffer b = ByteBuffer.allocate(65536);
            img.read(40L << 20, b);
            assertThat(b.array()).containsOnly(6);
            b.clear();
            img.read(3L << 20, b);
            assertThat(b.array()).containsOnly(5);
            assertThat(img.map()).containsExactly(
                    new ImageRange(0, 3L << 20, false, true),
                    new ImageRange(3L << 20, 65536, true, false),
                    new ImageRange((3L << 20) + 65536, (37L << 20) - 65536, false, true),
                    new ImageRange(40L << 20, 65536, true, false),
                    new ImageRange((40L << 20) + 65536, (24L << 20) - 65536, false, true));
        }
        assertThat(QemuImg.ok("qemu-img", "check", f.toString())).contains("No errors");
    }
}
