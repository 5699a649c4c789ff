package io.lifeboat.coordinator.journal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * An append-only journal of opaque records in one directory: CRC32C-framed, fsynced per append batch, replayed at
 * open with a torn tail cut off, and bounded by snapshots that replace the records they contain.
 *
 * <p>File {@code journal.log}: a 20-byte header (magic {@code LBJRNL01}, the index of its first record, CRC32C of
 * both) followed by one frame per append batch, {@code u32 length, u32 CRC32C(length), u32 CRC32C(payload), payload}
 * (big-endian), whose payload is the batch's records, each as {@code u32 length, bytes}. A batch is therefore
 * replayed whole or not at all.
 * File {@code snapshot.bin}: magic {@code LBSNAP01}, the last included record index, the state length, a CRC32C of
 * those and the state, then the state. Both files are replaced only by an fsynced write to a temporary file and an
 * atomic rename. Not thread-safe: one owner appends.
 */
public final class Journal implements Closeable {

    /** Largest append batch accepted, so that a damaged length can never make replay allocate gigabytes. */
    public static final int MAX_BATCH_BYTES = 16 * 1024 * 1024;

    static final String LOG_NAME = "journal.log";
    static final String SNAPSHOT_NAME = "snapshot.bin";
    private static final byte[] LOG_MAGIC = "LBJRNL01".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SNAPSHOT_MAGIC = "LBSNAP01".getBytes(StandardCharsets.US_ASCII);
    static final int LOG_HEADER_BYTES = 20;
    static final int FRAME_HEADER_BYTES = 12;
    private static final int SNAPSHOT_HEADER_BYTES = 24;

    private final Path dir;
    private final Path logFile;
    private final JournalReplay replay;
    private FileChannel channel;
    private long nextIndex;
    private boolean failed;

    private Journal(Path dir, FileChannel channel, long nextIndex, JournalReplay replay) {
        this.dir = dir;
        this.logFile = dir.resolve(LOG_NAME);
        this.channel = channel;
        this.nextIndex = nextIndex;
        this.replay = replay;
    }

    /**
     * Opens (creating when absent) the journal in {@code dir}, reads the snapshot and every record after it, and
     * cuts a torn last append off.
     *
     * @throws JournalCorruptException when a frame before the end, a header or the snapshot is damaged
     */
    public static Journal open(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path log = dir.resolve(LOG_NAME);
        Optional<JournalSnapshot> snapshot = readSnapshot(dir.resolve(SNAPSHOT_NAME));
        long afterSnapshot = snapshot.map(JournalSnapshot::lastIncludedIndex).orElse(0L) + 1;
        if (!Files.exists(log)) {
            writeEmptyLog(dir, afterSnapshot);
        }
        FileChannel channel = FileChannel.open(log, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long size = channel.size();
            if (size < LOG_HEADER_BYTES) {
                throw new JournalCorruptException(log, 0, "header is " + size + " bytes, expected " + LOG_HEADER_BYTES);
            }
            ByteBuffer header = readFully(channel, 0, LOG_HEADER_BYTES);
            byte[] magic = new byte[LOG_MAGIC.length];
            header.get(magic);
            if (!java.util.Arrays.equals(magic, LOG_MAGIC)) {
                throw new JournalCorruptException(log, 0, "not a Lifeboat journal (bad magic)");
            }
            long baseIndex = header.getLong();
            int storedCrc = header.getInt();
            int actualCrc = crc(header.array(), 0, 16);
            if (storedCrc != actualCrc) {
                throw new JournalCorruptException(log, 0, String.format(
                        "header CRC32C 0x%08x does not match stored 0x%08x", actualCrc, storedCrc));
            }
            if (baseIndex > afterSnapshot) {
                throw new JournalCorruptException(log, 0, "journal starts at record " + baseIndex
                        + " but the snapshot ends at record " + (afterSnapshot - 1) + ": records are missing");
            }
            List<byte[]> records = new ArrayList<>();
            long offset = LOG_HEADER_BYTES;
            long index = baseIndex;
            long truncated = 0;
            while (offset < size) {
                int before = records.size();
                long frameEnd = readFrame(channel, log, offset, size, index, records);
                if (frameEnd < 0) {
                    truncated = size - offset;
                    channel.truncate(offset);
                    channel.force(true);
                    break;
                }
                offset = frameEnd;
                index += records.size() - before;
            }
            // Records already folded into the snapshot (a crash between snapshot and log reset) are skipped.
            int skip = (int) Math.max(0, afterSnapshot - baseIndex);
            if (skip > records.size()) {
                throw new JournalCorruptException(log, offset, "journal ends at record " + (index - 1)
                        + " but the snapshot includes record " + (afterSnapshot - 1));
            }
            List<byte[]> live = List.copyOf(records.subList(skip, records.size()));
            channel.position(offset);
            JournalReplay replay = new JournalReplay(snapshot, live, afterSnapshot, truncated);
            return new Journal(dir, channel, index, replay);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Reads the frame at {@code offset}; returns the offset after it, or -1 when it is a torn tail. */
    private static long readFrame(FileChannel channel, Path log, long offset, long size, long index,
                                  List<byte[]> records) throws IOException {
        if (size - offset < FRAME_HEADER_BYTES) {
            return -1;
        }
        ByteBuffer header = readFully(channel, offset, FRAME_HEADER_BYTES);
        int length = header.getInt();
        int lengthCrc = header.getInt();
        int payloadCrc = header.getInt();
        int actualLengthCrc = crc(header.array(), 0, 4);
        if (lengthCrc != actualLengthCrc) {
            if (allZero(channel, offset, size)) {
                return -1;
            }
            throw new JournalCorruptException(log, offset, String.format(
                    "batch at record %d: length CRC32C 0x%08x does not match stored 0x%08x", index, actualLengthCrc, lengthCrc));
        }
        if (length < 0 || length > MAX_BATCH_BYTES) {
            throw new JournalCorruptException(log, offset, "batch at record " + index + ": length " + length
                    + " outside 0.." + MAX_BATCH_BYTES);
        }
        long end = offset + FRAME_HEADER_BYTES + length;
        if (end > size) {
            return -1;
        }
        ByteBuffer payload = readFully(channel, offset + FRAME_HEADER_BYTES, length);
        int actual = crc(payload.array(), 0, length);
        if (actual != payloadCrc) {
            if (end == size) {
                // The last frame of the file: an append that did not reach the disk whole.
                return -1;
            }
            throw new JournalCorruptException(log, offset, String.format(
                    "batch at record %d: payload CRC32C 0x%08x does not match stored 0x%08x (%d bytes)",
                    index, actual, payloadCrc, length));
        }
        while (payload.hasRemaining()) {
            if (payload.remaining() < 4) {
                throw new JournalCorruptException(log, offset, "batch at record " + index
                        + ": record framing ends inside a length field");
            }
            int recordLength = payload.getInt();
            if (recordLength < 0 || recordLength > payload.remaining()) {
                throw new JournalCorruptException(log, offset, "batch at record " + index + ": record length "
                        + recordLength + " exceeds the " + payload.remaining() + " bytes left in the batch");
            }
            byte[] record = new byte[recordLength];
            payload.get(record);
            records.add(record);
        }
        return end;
    }

    /** What the journal held when it was opened. */
    public JournalReplay replay() {
        return replay;
    }

    /** Index the next appended record will get. */
    public long nextIndex() {
        return nextIndex;
    }

    /** Directory holding the journal's files. */
    public Path directory() {
        return dir;
    }

    /**
     * Appends a batch of records atomically (after a crash, replay sees all of them or none) and fsyncs once;
     * returns the index of the last one. When this throws, the journal refuses further appends: reopen it to learn
     * what reached the disk.
     */
    public long append(List<byte[]> records) throws IOException {
        Objects.requireNonNull(records, "records");
        ensureUsable();
        if (records.isEmpty()) {
            return nextIndex - 1;
        }
        long payloadLength = 0;
        for (byte[] record : records) {
            payloadLength += 4L + record.length;
        }
        if (payloadLength > MAX_BATCH_BYTES) {
            throw new IllegalArgumentException(logFile + ": batch of " + payloadLength
                    + " bytes exceeds the limit of " + MAX_BATCH_BYTES);
        }
        ByteBuffer payload = ByteBuffer.allocate((int) payloadLength);
        for (byte[] record : records) {
            payload.putInt(record.length).put(record);
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(4).putInt(0, (int) payloadLength);
        ByteBuffer buffer = ByteBuffer.allocate(FRAME_HEADER_BYTES + (int) payloadLength).order(ByteOrder.BIG_ENDIAN);
        buffer.putInt((int) payloadLength);
        buffer.putInt(crc(lengthBytes.array(), 0, 4));
        buffer.putInt(crc(payload.array(), 0, (int) payloadLength));
        buffer.put(payload.array());
        buffer.flip();
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(false);
        } catch (IOException e) {
            failed = true;
            throw new IOException(logFile + ": append of " + records.size() + " records at record " + nextIndex
                    + " failed: " + e.getMessage(), e);
        }
        nextIndex += records.size();
        return nextIndex - 1;
    }

    /** Appends one record and fsyncs; returns its index. */
    public long append(byte[] record) throws IOException {
        return append(List.of(record));
    }

    /**
     * Durably stores {@code state} as the snapshot of every record appended so far, then starts an empty log, so
     * that the next open replays only what comes after.
     */
    public void snapshot(byte[] state) throws IOException {
        ensureUsable();
        long lastIncluded = nextIndex - 1;
        ByteBuffer header = ByteBuffer.allocate(SNAPSHOT_HEADER_BYTES);
        header.put(SNAPSHOT_MAGIC).putLong(lastIncluded).putInt(state.length);
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 8, 12);
        crc.update(state);
        header.putInt((int) crc.getValue());
        byte[] file = new byte[SNAPSHOT_HEADER_BYTES + state.length];
        System.arraycopy(header.array(), 0, file, 0, SNAPSHOT_HEADER_BYTES);
        System.arraycopy(state, 0, file, SNAPSHOT_HEADER_BYTES, state.length);
        try {
            replaceAtomically(dir, SNAPSHOT_NAME, file);
            channel.close();
            writeEmptyLog(dir, lastIncluded + 1);
            channel = FileChannel.open(logFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
            channel.position(channel.size());
        } catch (IOException e) {
            failed = true;
            throw new IOException(dir + ": snapshot at record " + lastIncluded + " failed: " + e.getMessage(), e);
        }
    }

    /** Size of the log file in bytes (header included). */
    public long logSizeBytes() throws IOException {
        return channel.size();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private void ensureUsable() throws IOException {
        if (failed) {
            throw new IOException(logFile + ": an earlier write failed; reopen the journal");
        }
        if (!channel.isOpen()) {
            throw new IOException(logFile + ": journal is closed");
        }
    }

    private static Optional<JournalSnapshot> readSnapshot(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < SNAPSHOT_HEADER_BYTES) {
            throw new JournalCorruptException(file, 0, "snapshot is " + bytes.length + " bytes, shorter than its header");
        }
        ByteBuffer header = ByteBuffer.wrap(bytes);
        byte[] magic = new byte[SNAPSHOT_MAGIC.length];
        header.get(magic);
        if (!java.util.Arrays.equals(magic, SNAPSHOT_MAGIC)) {
            throw new JournalCorruptException(file, 0, "not a Lifeboat snapshot (bad magic)");
        }
        long lastIncluded = header.getLong();
        int length = header.getInt();
        int stored = header.getInt();
        if (length < 0 || length != bytes.length - SNAPSHOT_HEADER_BYTES) {
            throw new JournalCorruptException(file, 16, "snapshot length " + length + " does not match file size "
                    + bytes.length);
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 8, 12);
        crc.update(bytes, SNAPSHOT_HEADER_BYTES, length);
        if ((int) crc.getValue() != stored) {
            throw new JournalCorruptException(file, 0, String.format(
                    "snapshot CRC32C 0x%08x does not match stored 0x%08x", (int) crc.getValue(), stored));
        }
        byte[] state = new byte[length];
        System.arraycopy(bytes, SNAPSHOT_HEADER_BYTES, state, 0, length);
        return Optional.of(new JournalSnapshot(lastIncluded, state));
    }

    private static void writeEmptyLog(Path dir, long baseIndex) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(LOG_HEADER_BYTES);
        header.put(LOG_MAGIC).putLong(baseIndex);
        header.putInt(crc(header.array(), 0, 16));
        replaceAtomically(dir, LOG_NAME, header.array());
    }

    private static void replaceAtomically(Path dir, String name, byte[] content) throws IOException {
        Path tmp = dir.resolve(name + ".tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            out.force(true);
        }
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new IOException("unexpected end of file at offset " + at);
            }
            at += n;
        }
        buffer.flip();
        return buffer;
    }

    private static boolean allZero(FileChannel channel, long from, long size) throws IOException {
        long at = from;
        while (at < size) {
            int chunk = (int) Math.min(64 * 1024, size - at);
            ByteBuffer buffer = readFully(channel, at, chunk);
            for (byte b : buffer.array()) {
                if (b != 0) {
                    return false;
                }
            }
            at += chunk;
        }
        return true;
    }

    private static int crc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }
}
