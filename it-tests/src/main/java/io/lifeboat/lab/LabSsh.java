package io.lifeboat.lab;

import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;

/** Opens jsch sessions to lab hosts as root with the lab's key and strict host-key checking against its known_hosts. */
public final class LabSsh {
  private final Lab lab;

  public LabSsh(Lab lab) {
    this.lab = lab;
  }

  /** A connected session to the host's sshd at its published port; the caller disconnects it. */
  public Session connect(LabHost host) {
    try {
      JSch jsch = new JSch();
      jsch.setKnownHosts(lab.knownHosts().toString());
      jsch.addIdentity(lab.identityFile().toString());
      Session session = jsch.getSession("root", host.publishedHost(), host.sshPort());
      session.setConfig("StrictHostKeyChecking", "yes");
      session.connect(15_000);
      return session;
    } catch (JSchException e) {
      throw new LabException("lab host " + host.name() + ": ssh root@127.0.0.1:" + host.sshPort() + ": "
          + e.getMessage(), e);
    }
  }
}
