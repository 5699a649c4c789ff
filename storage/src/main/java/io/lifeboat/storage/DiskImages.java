package io.lifeboat.storage;

import io.lifeboat.storage.raw.RawImage;
import io.lifeboat.storage.vmdk.VmdkImage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Opens disk images, detecting their format from their contents. */
public final class DiskImages {

    private static final byte[] SPARSE_MAGIC = {'K', 'D', 'M', 'V'};
    private static final byte[] COWD_MAGIC = {'C', 'O', 'W', 'D'};
    private static final byte[] QCOW_MAGIC = {'Q', 'F', 'I', (byte) 0xfb};
    private static final byte[] DESCRIPTOR_MAGIC = "# Disk DescriptorFile".getBytes(StandardCharsets.US_ASCII);

    private DiskImages() {
    }

    /**
     * Opens {@code file} read-only: a VMDK (sparse with embedded descriptor, or a text descriptor with its extents)
     * or, when no VMDK signature is found, a raw image.
     *
     * @throws ImageFormatException if the file claims a format and breaks its rules; the message names the file
     *                              and the field
     */
    public static DiskImage open(Path file) throws IOException {
        ImageFormat format = detect(file);
        switch (format) {
            case VMDK:
                return VmdkImage.open(file);
            case QCOW2:
                throw new ImageFormatException(file, "magic: qcow2 images are not supported");
            default:
                return RawImage.open(file);
        }
    }

    /** Tells the container format of {@code file} from its first bytes, without interpreting anything else. */
    public static ImageFormat detect(Path file) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(DESCRIPTOR_MAGIC.length);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
                // keep reading until full or end of file
            }
        }
        byte[] b = new byte[head.position()];
        head.flip().get(b);
        if (startsWith(b, SPARSE_MAGIC) || startsWith(b, COWD_MAGIC) || startsWith(b, DESCRIPTOR_MAGIC)) {
            return ImageFormat.VMDK;
        }
        if (startsWith(b, QCOW_MAGIC)) {
            return ImageFormat.QCOW2;
        }
        return ImageFormat.RAW;
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        if (b.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
