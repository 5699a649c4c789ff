package io.lifeboat.lab.internal;

import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.KeyPair;
import io.lifeboat.lab.LabException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** The SSH key pair a lab run logs in to its hosts with, kept in the run's state directory. */
public final class ClientKey {
  private final Path privateKey;
  private final byte[] authorizedKeysLine;

  private ClientKey(Path privateKey, byte[] authorizedKeysLine) {
    this.privateKey = privateKey;
    this.authorizedKeysLine = authorizedKeysLine;
  }

  /** Generates an RSA 3072 key pair into {@code stateDir} (id_rsa, id_rsa.pub). */
  public static ClientKey create(Path stateDir) {
    try {
      Files.createDirectories(stateDir);
      Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwx------"));
      KeyPair pair = KeyPair.genKeyPair(new JSch(), KeyPair.RSA, 3072);
      try {
        ByteArrayOutputStream priv = new ByteArrayOutputStream();
        pair.writePrivateKey(priv);
        ByteArrayOutputStream pub = new ByteArrayOutputStream();
        pair.writePublicKey(pub, "lifeboat-lab");
        Path key = stateDir.resolve("id_rsa");
        Files.write(key, priv.toByteArray());
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Files.write(stateDir.resolve("id_rsa.pub"), pub.toByteArray());
        return new ClientKey(key, pub.toByteArray());
      } finally {
        pair.dispose();
      }
    } catch (JSchException | IOException e) {
      throw new LabException("lab state " + stateDir + ": cannot create the client key: " + e.getMessage(), e);
    }
  }

  /** Loads the key pair a previous process created in {@code stateDir}. */
  public static ClientKey load(Path stateDir) {
    try {
      return new ClientKey(stateDir.resolve("id_rsa"), Files.readAllBytes(stateDir.resolve("id_rsa.pub")));
    } catch (IOException e) {
      throw new LabException("lab state " + stateDir + ": cannot read the client key: " + e.getMessage(), e);
    }
  }

  /** The private key file. */
  public Path privateKey() {
    return privateKey;
  }

  /** The public key as one authorized_keys line. */
  public byte[] authorizedKeysLine() {
    return authorizedKeysLine.clone();
  }

  @Override
  public String toString() {
    return "ClientKey[" + privateKey + ", " + new String(authorizedKeysLine, StandardCharsets.US_ASCII).strip() + "]";
  }
}
