package io.lifeboat.coordinator.api.auth;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Makes and checks {@code pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>} password hashes with the JDK's
 * PBKDF2WithHmacSHA256, comparing in constant time; neither passwords nor hashes ever appear in its messages.
 */
public final class PasswordHasher {

    /** The scheme prefix of every hash. */
    public static final String SCHEME = "pbkdf2-sha256";
    /** Iterations of new hashes (OWASP's 2023 figure for PBKDF2-HMAC-SHA256), and the least a stored one may have. */
    public static final int MIN_ITERATIONS = 210_000;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 256;
    private static final SecureRandom RANDOM = new SecureRandom();

    private PasswordHasher() {
    }

    /** A new hash of {@code password} with a fresh random salt and {@link #MIN_ITERATIONS} iterations. */
    public static String hash(char[] password) {
        return hash(password, MIN_ITERATIONS);
    }

    /** A new hash of {@code password} with a fresh random salt and {@code iterations} iterations. */
    public static String hash(char[] password, int iterations) {
        if (iterations < MIN_ITERATIONS) {
            throw new IllegalArgumentException(iterations + " PBKDF2 iterations are fewer than " + MIN_ITERATIONS);
        }
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return SCHEME + "$" + iterations + "$" + b64.encodeToString(salt) + "$"
                + b64.encodeToString(derive(password, salt, iterations, HASH_BITS));
    }

    /**
     * Whether {@code password} matches {@code stored}; the comparison takes the same time wherever the bytes differ.
     *
     * @throws IllegalArgumentException when {@code stored} is not a well-formed hash (the message does not quote it)
     */
    public static boolean matches(char[] password, String stored) {
        Parsed p = parse(stored);
        byte[] actual = derive(password, p.salt, p.iterations, p.hash.length * 8);
        return MessageDigest.isEqual(actual, p.hash);
    }

    /**
     * Checks that {@code stored} is a well-formed hash.
     *
     * @throws IllegalArgumentException naming what is wrong, never quoting the hash
     */
    public static void validate(String stored) {
        parse(stored);
    }

    /** The UTF-8 password of a byte array read from a terminal or stdin, without its line end; wipes nothing. */
    public static char[] chars(byte[] utf8) {
        CharBuffer decoded = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(utf8));
        int end = decoded.limit();
        while (end > 0 && (decoded.get(end - 1) == '\n' || decoded.get(end - 1) == '\r')) {
            end--;
        }
        char[] out = new char[end];
        decoded.get(out, 0, end);
        Arrays.fill(decoded.array(), '\0');
        return out;
    }

    private record Parsed(int iterations, byte[] salt, byte[] hash) {
    }

    private static Parsed parse(String stored) {
        String[] parts = stored == null ? new String[0] : stored.split("\\$", -1);
        if (parts.length != 4 || !parts[0].equals(SCHEME)) {
            throw new IllegalArgumentException("password hash is not " + SCHEME + "$<iterations>$<salt>$<hash>");
        }
        int iterations;
        try {
            iterations = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("password hash: iterations are not a number");
        }
        if (iterations < MIN_ITERATIONS) {
            throw new IllegalArgumentException("password hash: " + iterations + " iterations are fewer than "
                    + MIN_ITERATIONS);
        }
        try {
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] hash = Base64.getDecoder().decode(parts[3]);
            if (salt.length < 8 || hash.length < 16) {
                throw new IllegalArgumentException("password hash: salt or hash too short (" + salt.length + " and "
                        + hash.length + " bytes)");
            }
            return new Parsed(iterations, salt, hash);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("password hash")) {
                throw e;
            }
            throw new IllegalArgumentException("password hash: salt or hash is not base64");
        }
    }

    private static byte[] derive(char[] password, byte[] salt, int iterations, int bits) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, bits);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available in this JDK", e);
        } finally {
            spec.clearPassword();
        }
    }
}
