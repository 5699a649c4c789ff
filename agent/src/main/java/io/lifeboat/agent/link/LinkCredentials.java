package io.lifeboat.agent.link;

import io.lifeboat.protocol.v1.Credentials;
import io.lifeboat.protocol.v1.Hello;
import io.lifeboat.protocol.v1.Role;
import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The site's shared secret, used to prove knowledge of it in a Hello: HMAC-SHA256 over
 * {@code lifeboat.v1|<role>|<sender id>|<incarnation>|<hex nonce>} (link.proto, Credentials).
 */
public final class LinkCredentials {
  private static final SecureRandom RANDOM = new SecureRandom();
  private final String keyId;
  private final byte[] secret;

  /**
   * Creates the credentials.
   *
   * @param keyId which secret, e.g. "site"
   * @param secret the secret, at least 16 bytes
   */
  public LinkCredentials(String keyId, byte[] secret) {
    if (secret.length < 16) {
      throw new IllegalArgumentException("shared secret \"" + keyId + "\" has " + secret.length
          + " bytes; at least 16 are needed");
    }
    this.keyId = keyId;
    this.secret = secret.clone();
  }

  /** @return the key id */
  public String keyId() {
    return keyId;
  }

  /**
   * Signs a Hello's identity with a fresh nonce.
   *
   * @param role the sender's role
   * @param senderId the sender's id
   * @param incarnation the sender's incarnation
   * @return the credentials to put in the Hello
   */
  public Credentials sign(Role role, String senderId, long incarnation) {
    byte[] nonce = new byte[16];
    RANDOM.nextBytes(nonce);
    return Credentials.newBuilder().setKeyId(keyId).setNonce(ByteString.copyFrom(nonce))
        .setMac(ByteString.copyFrom(mac(role, senderId, incarnation, nonce))).build();
  }

  /**
   * Verifies a Hello's credentials in constant time.
   *
   * @param hello the Hello
   * @return whether they were made with this secret
   */
  public boolean verify(Hello hello) {
    Credentials c = hello.getCredentials();
    if (!c.getKeyId().equals(keyId) || c.getNonce().size() < 16) {
      return false;
    }
    byte[] expected = mac(hello.getRole(), hello.getSenderId(), hello.getIncarnation(), c.getNonce().toByteArray());
    return MessageDigest.isEqual(expected, c.getMac().toByteArray());
  }

  private byte[] mac(Role role, String senderId, long incarnation, byte[] nonce) {
    String text = "lifeboat.v1|" + role.name() + "|" + senderId + "|" + Long.toUnsignedString(incarnation) + "|"
        + HexFormat.of().formatHex(nonce);
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
