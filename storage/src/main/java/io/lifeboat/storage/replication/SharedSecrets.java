package io.lifeboat.storage.replication;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Reads and creates the shared-secret files that authenticate replication peers. */
public final class SharedSecrets {

    /** Shortest secret accepted, in bytes. */
    public static final int MIN_BYTES = 16;

    private SharedSecrets() {
    }

    /** Reads the secret in {@code file} (its bytes, without a trailing newline). */
    public static byte[] read(Path file) throws IOException {
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file + ": secret file not found");
        }
        String s = new String(b, StandardCharsets.UTF_8).strip();
        if (s.length() < MIN_BYTES) {
            throw new IOException(file + ": secret too short (" + s.length() + " characters, need " + MIN_BYTES + ")");
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Reads the secret in {@code file}, first creating it with 32 random bytes (hex) and mode 0600 if missing. */
    public static byte[] readOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] raw = new byte[32];
            new SecureRandom().nextBytes(raw);
            try {
                Path parent = file.toAbsolutePath().getParent();
                Files.createDirectories(parent);
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, HexFormat.of().formatHex(raw) + "\n");
            } catch (FileAlreadyExistsException e) {
                // another process created it first: use theirs
            }
        }
        return read(file);
    }
}
