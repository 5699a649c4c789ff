package io.lifeboat.agent.hypervisor.vmware.remote;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/** Read access to files on another host (SFTP in production, local files in tests); paths are absolute POSIX paths. */
public interface RemoteFiles extends Closeable {

  /**
   * Describes a file.
   *
   * @param path absolute path on the remote host
   * @return its size and type
   * @throws java.nio.file.NoSuchFileException when it does not exist
   * @throws IOException on transport errors
   */
  RemoteStat stat(String path) throws IOException;

  /**
   * Opens a file for reading; each reader is used by one thread.
   *
   * @param path absolute path on the remote host
   * @return a reader
   * @throws IOException when it cannot be opened
   */
  RemoteReader open(String path) throws IOException;

  /** Where the files live, for messages, e.g. "sftp://root@esx1:22". */
  String where();

  /**
   * Size and type of a remote file.
   *
   * @param size size in bytes
   * @param regularFile whether it is a regular file
   * @param directory whether it is a directory
   */
  record RemoteStat(long size, boolean regularFile, boolean directory) {}

  /** Positional reads of one remote file. */
  interface RemoteReader extends Closeable {
    /**
     * Returns a stream of the file's bytes from {@code offset}; the previous stream of this reader is closed.
     *
     * @param offset where to start
     * @return the stream
     * @throws IOException when it cannot be opened
     */
    InputStream streamAt(long offset) throws IOException;
  }
}
