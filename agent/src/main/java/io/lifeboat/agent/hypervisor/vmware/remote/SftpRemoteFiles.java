package io.lifeboat.agent.hypervisor.vmware.remote;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.SftpATTRS;
import com.jcraft.jsch.SftpException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/**
 * {@link RemoteFiles} over one jsch (com.github.mwiede) SSH session: SFTP for stats and positional reads (one SFTP
 * channel per reader, so readers do not share state), plus file upload and command execution for the fence loop.
 * Blocking: call from worker threads.
 */
public final class SftpRemoteFiles implements RemoteFiles {
  private final SshSettings settings;
  private final Session session;
  private ChannelSftp statChannel;

  private SftpRemoteFiles(SshSettings settings, Session session) {
    this.settings = settings;
    this.session = session;
  }

  /**
   * Connects, with strict host-key checking and key authentication only.
   *
   * @param settings where and how
   * @return the connected files
   * @throws IOException naming the target when the connection, the host key or the authentication fails
   */
  public static SftpRemoteFiles connect(SshSettings settings) throws IOException {
    try {
      JSch jsch = new JSch();
      jsch.setKnownHosts(settings.knownHostsFile().toString());
      jsch.addIdentity(settings.identityFile().toString());
      Session s = jsch.getSession(settings.user(), settings.host(), settings.port());
      s.setConfig("StrictHostKeyChecking", "yes");
      s.setConfig("PreferredAuthentications", "publickey");
      s.setTimeout((int) settings.readTimeout().toMillis());
      s.setServerAliveInterval((int) settings.keepAliveInterval().toMillis());
      s.setServerAliveCountMax(3);
      s.connect((int) settings.connectTimeout().toMillis());
      return new SftpRemoteFiles(settings, s);
    } catch (JSchException e) {
      throw new IOException("ssh " + settings.target() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String where() {
    return "sftp://" + settings.target();
  }

  private ChannelSftp openSftp() throws IOException {
    try {
      ChannelSftp c = (ChannelSftp) session.openChannel("sftp");
      c.connect((int) settings.connectTimeout().toMillis());
      return c;
    } catch (JSchException e) {
      throw new IOException(where() + ": cannot open an SFTP channel: " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized RemoteStat stat(String path) throws IOException {
    if (statChannel == null || statChannel.isClosed()) {
      statChannel = openSftp();
    }
    try {
      SftpATTRS a = statChannel.stat(path);
      return new RemoteStat(a.getSize(), a.isReg(), a.isDir());
    } catch (SftpException e) {
      throw translate(path, e);
    }
  }

  @Override
  public RemoteReader open(String path) throws IOException {
    ChannelSftp channel = openSftp();
    return new RemoteReader() {
      private InputStream current;

      @Override
      public InputStream streamAt(long offset) throws IOException {
        if (current != null) {
          current.close();
          current = null;
        }
        try {
          current = channel.get(path, null, offset);
          return current;
        } catch (SftpException e) {
          throw translate(path, e);
        }
      }

      @Override
      public void close() throws IOException {
        try {
          if (current != null) {
            current.close();
          }
        } finally {
          channel.disconnect();
        }
      }
    };
  }

  /**
   * Writes a file (for the fence loop script and its guest list), replacing it through a temporary name.
   *
   * @param path absolute remote path
   * @param content the bytes
   * @param mode POSIX permissions, e.g. 0750
   * @throws IOException on failure
   */
  public void put(String path, byte[] content, int mode) throws IOException {
    ChannelSftp c = openSftp();
    String tmp = path + ".lifeboat-tmp";
    try {
      c.put(new java.io.ByteArrayInputStream(content), tmp, ChannelSftp.OVERWRITE);
      c.chmod(mode, tmp);
      try {
        c.rm(path);
      } catch (SftpException absent) {
        // Nothing to replace.
      }
      c.rename(tmp, path);
    } catch (SftpException e) {
      throw translate(path, e);
    } finally {
      c.disconnect();
    }
  }

  /**
   * Runs a command and waits for it.
   *
   * @param command the command line, run by the remote user's shell; callers quote every argument
   * @return its exit status and output
   * @throws IOException on transport failure
   */
  public ExecResult exec(String command) throws IOException {
    try {
      ChannelExec c = (ChannelExec) session.openChannel("exec");
      c.setCommand(command);
      c.setInputStream(null);
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      c.setErrStream(err);
      InputStream out = c.getInputStream();
      c.connect((int) settings.connectTimeout().toMillis());
      byte[] stdout = out.readAllBytes();
      long until = System.nanoTime() + settings.readTimeout().toNanos();
      while (!c.isClosed() && System.nanoTime() - until < 0) {
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException(where() + ": interrupted waiting for \"" + command + "\"", e);
        }
      }
      int status = c.getExitStatus();
      c.disconnect();
      return new ExecResult(status, new String(stdout, StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } catch (JSchException e) {
      throw new IOException(where() + ": cannot run a command: " + e.getMessage(), e);
    }
  }

  /**
   * Opens a long-running command whose stdin the caller writes (e.g. {@code lifeboat-fence.sh renew-stdin}).
   *
   * @param command the command line
   * @return the running channel; write to its output stream, disconnect to end it
   * @throws IOException on transport failure
   */
  public ChannelExec start(String command) throws IOException {
    try {
      ChannelExec c = (ChannelExec) session.openChannel("exec");
      c.setCommand(command);
      c.connect((int) settings.connectTimeout().toMillis());
      return c;
    } catch (JSchException e) {
      throw new IOException(where() + ": cannot start \"" + command + "\": " + e.getMessage(), e);
    }
  }

  /** @return whether the SSH session is up */
  public boolean isConnected() {
    return session.isConnected();
  }

  @Override
  public synchronized void close() {
    if (statChannel != null) {
      statChannel.disconnect();
    }
    session.disconnect();
  }

  private IOException translate(String path, SftpException e) {
    return switch (e.id) {
      case ChannelSftp.SSH_FX_NO_SUCH_FILE -> new NoSuchFileException(path, null, where() + ": no such file");
      case ChannelSftp.SSH_FX_PERMISSION_DENIED -> new AccessDeniedException(path, null, where() + ": permission denied");
      default -> new IOException(where() + ": " + path + ": " + e.getMessage(), e);
    };
  }

  /**
   * Outcome of a remote command.
   *
   * @param status exit status
   * @param stdout standard output
   * @param stderr standard error
   */
  public record ExecResult(int status, String stdout, String stderr) {}

  /**
   * Quotes a string for a POSIX shell command line: single quotes, with embedded ones as '\''.
   *
   * @param s the string
   * @return the quoted string
   */
  public static String shellQuote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
