package io.lifeboat.protocol;

import com.google.protobuf.ByteString;
import io.lifeboat.protocol.v1.Credentials;
import io.lifeboat.protocol.v1.Hello;
import io.lifeboat.protocol.v1.Role;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and verifies {@code Hello.credentials}: HMAC-SHA256, keyed with the site's shared secret, over
 * {@code lifeboat.v1|<role enum name>|<sender id>|<incarnation>|<lowercase hex nonce>} (link.proto, Credentials).
 */
public final class HelloCredentials {

    /** Size of the nonce {@link #sign} draws, and the least {@link #verify} accepts, in bytes. */
    public static final int NONCE_BYTES = 16;

    /** Least size of a shared secret, in bytes. */
    public static final int MIN_SECRET_BYTES = 16;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String keyId;
    private final byte[] secret;

    /**
     * Creates a signer/verifier for one shared secret.
     *
     * @param keyId which secret this is (e.g. "site"), sent in the clear so secrets can be rotated
     * @param secret the secret, at least {@link #MIN_SECRET_BYTES} bytes
     * @throws IllegalArgumentException if the secret is too short
     */
    public HelloCredentials(String keyId, byte[] secret) {
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("shared secret '" + keyId + "' has " + secret.length
                    + " bytes, at least " + MIN_SECRET_BYTES + " are needed");
        }
        this.keyId = keyId;
        this.secret = secret.clone();
    }

    /** @return which secret this is */
    public String keyId() {
        return keyId;
    }

    /**
     * Signs a hello's identity with a fresh random nonce.
     *
     * @param role the sender's role
     * @param senderId the sender's host or coordinator id
     * @param incarnation the sender's incarnation
     * @return the credentials to put in the hello
     */
    public Credentials sign(Role role, String senderId, long incarnation) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        return sign(role, senderId, incarnation, nonce);
    }

    /**
     * Signs a hello's identity with a given nonce (for tests and test vectors; use {@link #sign(Role, String, long)}).
     *
     * @param role the sender's role
     * @param senderId the sender's host or coordinator id
     * @param incarnation the sender's incarnation
     * @param nonce the nonce
     * @return the credentials
     */
    public Credentials sign(Role role, String senderId, long incarnation, byte[] nonce) {
        return Credentials.newBuilder()
                .setKeyId(keyId)
                .setNonce(ByteString.copyFrom(nonce))
                .setMac(ByteString.copyFrom(mac(role, senderId, incarnation, nonce)))
                .build();
    }

    /**
     * Checks a hello's credentials, in constant time for the MAC comparison.
     *
     * @param hello the received hello
     * @return true if they were made with this secret for this hello's role, sender id and incarnation
     */
    public boolean verify(Hello hello) {
        Credentials credentials = hello.getCredentials();
        if (!credentials.getKeyId().equals(keyId) || credentials.getNonce().size() < NONCE_BYTES) {
            return false;
        }
        byte[] expected = mac(hello.getRole(), hello.getSenderId(), hello.getIncarnation(),
                credentials.getNonce().toByteArray());
        return MessageDigest.isEqual(expected, credentials.getMac().toByteArray());
    }

    /**
     * The exact text the MAC covers.
     *
     * @param role the sender's role
     * @param senderId the sender's id
     * @param incarnation the sender's incarnation, as an unsigned number
     * @param nonce the nonce
     * @return {@code lifeboat.v1|<role>|<sender id>|<incarnation>|<hex nonce>}
     */
    public static String signedText(Role role, String senderId, long incarnation, byte[] nonce) {
        return "lifeboat.v1|" + role.name() + "|" + senderId + "|" + Long.toUnsignedString(incarnation) + "|"
                + HexFormat.of().formatHex(nonce);
    }

    private byte[] mac(Role role, String senderId, long incarnation, byte[] nonce) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(signedText(role, senderId, incarnation, nonce).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }
}
