package io.lifeboat.agent.hypervisor.vmware.remote;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.Set;

/**
 * A read-only {@link FileSystem} over {@link RemoteFiles}: its paths can be handed to the storage engine
 * ({@code DiskImages.open(path)}), which then reads a remote VMDK's tables and only its allocated grains.
 */
public final class RemoteFileSystem extends FileSystem {
  private final RemoteFileSystemProvider provider;
  private final RemoteFiles files;
  private final Path localRoot = Path.of("/");
  private volatile boolean open = true;

  private RemoteFileSystem(RemoteFileSystemProvider provider, RemoteFiles files) {
    this.provider = provider;
    this.files = files;
  }

  /**
   * Creates a file system over remote files; closing it closes them.
   *
   * @param files the remote files
   * @return the file system
   */
  public static RemoteFileSystem over(RemoteFiles files) {
    return new RemoteFileSystem(new RemoteFileSystemProvider(), files);
  }

  RemoteFiles files() {
    return files;
  }

  String id() {
    return files.where().replaceFirst("^[a-z]+://", "");
  }

  @Override
  public RemoteFileSystemProvider provider() {
    return provider;
  }

  @Override
  public void close() throws IOException {
    open = false;
    files.close();
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public boolean isReadOnly() {
    return true;
  }

  @Override
  public String getSeparator() {
    return "/";
  }

  @Override
  public Iterable<Path> getRootDirectories() {
    return List.of(new RemotePath(this, localRoot));
  }

  @Override
  public Iterable<FileStore> getFileStores() {
    return List.of();
  }

  @Override
  public Set<String> supportedFileAttributeViews() {
    return Set.of("basic");
  }

  @Override
  public Path getPath(String first, String... more) {
    return new RemotePath(this, localRoot.getFileSystem().getPath(first, more));
  }

  @Override
  public PathMatcher getPathMatcher(String syntaxAndPattern) {
    PathMatcher m = localRoot.getFileSystem().getPathMatcher(syntaxAndPattern);
    return p -> p instanceof RemotePath r && m.matches(r.local());
  }

  @Override
  public UserPrincipalLookupService getUserPrincipalLookupService() {
    throw new UnsupportedOperationException("no user lookup on " + files.where());
  }

  @Override
  public WatchService newWatchService() {
    throw new UnsupportedOperationException("no watch service on " + files.where());
  }

  @Override
  public String toString() {
    return files.where();
  }
}
