package io.lifeboat.storage.replication.internal;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * Mutual challenge-response over a shared secret: each side sends a random nonce and proves it knows the secret
 * with HMAC-SHA256(secret, role label, both nonces). The secret never crosses the wire; the role label stops a
 * peer from reflecting one side's proof back; proofs are compared in constant time.
 */
public final class Handshake {

    public static final int NONCE = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Handshake() {
    }

    /** A fresh random nonce. */
    public static byte[] nonce() {
        byte[] n = new byte[NONCE];
        RANDOM.nextBytes(n);
        return n;
    }

    /** The server's proof: HMAC(secret, "lifeboat-replication server" | clientNonce | serverNonce). */
    public static byte[] serverProof(byte[] secret, byte[] clientNonce, byte[] serverNonce) {
        return hmac(secret, "lifeboat-replication server", clientNonce, serverNonce);
    }

    /** The client's proof: HMAC(secret, "lifeboat-replication client" | serverNonce | clientNonce). */
    public static byte[] clientProof(byte[] secret, byte[] serverNonce, byte[] clientNonce) {
        return hmac(secret, "lifeboat-replication client", serverNonce, clientNonce);
    }

    /** Constant-time comparison. */
    public static boolean same(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    private static byte[] hmac(byte[] secret, String label, byte[] first, byte[] second) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(label.getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) 0);
            mac.update(first);
            mac.update(second);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
