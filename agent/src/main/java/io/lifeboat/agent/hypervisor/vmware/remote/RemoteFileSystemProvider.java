package io.lifeboat.agent.hypervisor.vmware.remote;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.spi.FileSystemProvider;
import java.util.Map;
import java.util.Set;

/** The provider behind {@link RemoteFileSystem}: read-only channels and basic attributes, nothing else. */
public final class RemoteFileSystemProvider extends FileSystemProvider {

  RemoteFileSystemProvider() {}

  private static RemotePath remote(Path p) {
    if (!(p instanceof RemotePath r)) {
      throw new ProviderMismatchException(p + " is not a remote path");
    }
    return r;
  }

  @Override
  public String getScheme() {
    return "lifeboat-remote";
  }

  @Override
  public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
    throw new UnsupportedOperationException("use RemoteFileSystem.over(files)");
  }

  @Override
  public FileSystem getFileSystem(URI uri) {
    throw new UnsupportedOperationException("use RemoteFileSystem.over(files)");
  }

  @Override
  public Path getPath(URI uri) {
    throw new UnsupportedOperationException("use RemoteFileSystem.getPath");
  }

  @Override
  public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
      throws IOException {
    for (OpenOption o : options) {
      if (o != StandardOpenOption.READ && o != LinkOption.NOFOLLOW_LINKS) {
        throw new ReadOnlyFileSystemException();
      }
    }
    RemotePath r = remote(path);
    String abs = r.toAbsolutePath().toString();
    RemoteFiles files = r.getFileSystem().files();
    RemoteFiles.RemoteStat stat = files.stat(abs);
    return new RemoteReadChannel(r, files.open(abs), stat.size());
  }

  @Override
  public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
      throws IOException {
    return newFileChannel(path, options, attrs);
  }

  @Override
  public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter) {
    throw new UnsupportedOperationException(dir + ": remote directories are not listed");
  }

  @Override
  public void createDirectory(Path dir, FileAttribute<?>... attrs) {
    throw new ReadOnlyFileSystemException();
  }

  @Override
  public void delete(Path path) {
    throw new ReadOnlyFileSystemException();
  }

  @Override
  public void copy(Path source, Path target, CopyOption... options) {
    throw new ReadOnlyFileSystemException();
  }

  @Override
  public void move(Path source, Path target, CopyOption... options) {
    throw new ReadOnlyFileSystemException();
  }

  @Override
  public boolean isSameFile(Path path, Path path2) {
    return path.toAbsolutePath().normalize().equals(path2.toAbsolutePath().normalize());
  }

  @Override
  public boolean isHidden(Path path) {
    Path name = path.getFileName();
    return name != null && name.toString().startsWith(".");
  }

  @Override
  public FileStore getFileStore(Path path) {
    throw new UnsupportedOperationException(path + ": no file store for remote paths");
  }

  @Override
  public void checkAccess(Path path, AccessMode... modes) throws IOException {
    for (AccessMode m : modes) {
      if (m != AccessMode.READ) {
        throw new ReadOnlyFileSystemException();
      }
    }
    RemotePath r = remote(path);
    r.getFileSystem().files().stat(r.toAbsolutePath().toString());
  }

  @Override
  public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
    return null;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
      throws IOException {
    if (type != BasicFileAttributes.class) {
      throw new UnsupportedOperationException(path + ": only basic attributes of remote files");
    }
    RemotePath r = remote(path);
    RemoteFiles.RemoteStat s = r.getFileSystem().files().stat(r.toAbsolutePath().toString());
    return (A) new Attributes(s, r.toString());
  }

  @Override
  public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) {
    throw new UnsupportedOperationException(path + ": attributes by name are not supported for remote files");
  }

  @Override
  public void setAttribute(Path path, String attribute, Object value, LinkOption... options) {
    throw new ReadOnlyFileSystemException();
  }

  /** Basic attributes of a remote file. */
  private record Attributes(RemoteFiles.RemoteStat stat, String key) implements BasicFileAttributes {
    @Override
    public FileTime lastModifiedTime() {
      return FileTime.fromMillis(0);
    }

    @Override
    public FileTime lastAccessTime() {
      return FileTime.fromMillis(0);
    }

    @Override
    public FileTime creationTime() {
      return FileTime.fromMillis(0);
    }

    @Override
    public boolean isRegularFile() {
      return stat.regularFile();
    }

    @Override
    public boolean isDirectory() {
      return stat.directory();
    }

    @Override
    public boolean isSymbolicLink() {
      return false;
    }

    @Override
    public boolean isOther() {
      return !stat.regularFile() && !stat.directory();
    }

    @Override
    public long size() {
      return stat.size();
    }

    @Override
    public Object fileKey() {
      return key;
    }
  }
}
