package io.lifeboat.storage.store.internal;

import io.lifeboat.storage.store.ChunkId;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The pack file format. A pack holds 1-4 MiB of chunks back to back after an 8-byte header ({@code LBPK}, version),
 * followed by a table of contents (per chunk: id, codec, offset, stored length, raw length), the SHA-256 of that
 * table, its entry count, and the trailer {@code LBPX}. The table makes the index rebuildable from packs alone.
 */
public final class PackFiles {

    static final int MAGIC = 0x4c42504b; // LBPK
    static final int TRAILER = 0x4c425058; // LBPX
    static final int VERSION = 1;
    static final int HEADER = 8;
    static final int TOC_ENTRY = ChunkId.LENGTH + 1 + 4 + 4 + 4;
    static final int FOOTER = 32 + 4 + 4;

    private PackFiles() {
    }

    /** The file name of pack {@code id}. */
    public static String fileName(long id) {
        return HexFormat.of().toHexDigits(id) + ".pack";
    }

    /** The pack id of a file name, or -1 if it is not a pack. */
    public static long idOf(Path file) {
        String n = file.getFileName().toString();
        if (n.length() != 21 || !n.endsWith(".pack")) {
            return -1;
        }
        try {
            return Long.parseUnsignedLong(n.substring(0, 16), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Reads the table of contents of {@code file} into {@code sink}.
     *
     * @throws IOException naming the file when the trailer or table is damaged
     */
    public static int readToc(Path file, long packId, Map<ChunkId, PackEntry> sink) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER + FOOTER) {
                throw new IOException(file + ": pack too short (" + size + " bytes)");
            }
            ByteBuffer foot = ByteBuffer.allocate(FOOTER);
            readFully(ch, foot, size - FOOTER, file);
            foot.flip();
            byte[] tocDigest = new byte[32];
            foot.get(tocDigest);
            int count = foot.getInt();
            int trailer = foot.getInt();
            if (trailer != TRAILER) {
                throw new IOException(file + ": pack trailer missing (torn or foreign file)");
            }
            long tocLen = (long) count * TOC_ENTRY;
            if (count < 0 || tocLen > size - HEADER - FOOTER) {
                throw new IOException(file + ": pack table of " + count + " entries does not fit in " + size + " bytes");
            }
            ByteBuffer toc = ByteBuffer.allocate((int) tocLen);
            long tocStart = size - FOOTER - tocLen;
            readFully(ch, toc, tocStart, file);
            MessageDigest md = sha256();
            md.update(toc.array());
            if (!MessageDigest.isEqual(md.digest(), tocDigest)) {
                throw new IOException(file + ": pack table of contents fails its SHA-256");
            }
            toc.flip();
            byte[] id = new byte[ChunkId.LENGTH];
            for (int i = 0; i < count; i++) {
                toc.get(id);
                byte codec = toc.get();
                int off = toc.getInt();
                int stored = toc.getInt();
                int raw = toc.getInt();
                if (off < HEADER || (long) off + stored > tocStart || stored < 0 || raw < 0) {
                    throw new IOException(file + ": pack entry " + i + " offset " + off + " length " + stored
                            + " outside the data area");
                }
                sink.put(ChunkId.of(id, 0), new PackEntry(packId, off, stored, raw, codec));
            }
            return count;
        }
    }

    /** Lists the pack files in {@code dir}. */
    public static List<Path> list(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (var s = Files.newDirectoryStream(dir, "*.pack")) {
            for (Path p : s) {
                if (idOf(p) != -1) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException(file + ": unexpected end of pack at offset " + pos);
            }
            pos += n;
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
