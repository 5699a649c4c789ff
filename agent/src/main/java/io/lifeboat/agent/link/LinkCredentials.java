package io.lifeboat.agent.link;

import io.lifeboat.protocol.HelloCredentials;
import io.lifeboat.protocol.v1.Credentials;
import io.lifeboat.protocol.v1.Hello;
import io.lifeboat.protocol.v1.Role;

/**
 * The site's shared secret as the agent uses it: signs its Hellos and verifies peers' Hellos with the protocol's
 * {@link HelloCredentials}, so agents and coordinators compute the same HMAC bytes.
 */
public final class LinkCredentials {
  private final HelloCredentials hmac;

  /**
   * Creates the credentials.
   *
   * @param keyId which secret, e.g. "site"
   * @param secret the secret, at least 16 bytes
   */
  public LinkCredentials(String keyId, byte[] secret) {
    this.hmac = new HelloCredentials(keyId, secret);
  }

  /** @return the key id */
  public String keyId() {
    return hmac.keyId();
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
    return hmac.sign(role, senderId, incarnation);
  }

  /**
   * Verifies a Hello's credentials in constant time.
   *
   * @param hello the Hello
   * @return whether they were made with this secret
   */
  public boolean verify(Hello hello) {
    return hmac.verify(hello);
  }
}
