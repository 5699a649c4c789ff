package io.lifeboat.agent.hypervisor.vmware.remote;

import java.io.IOException;
import java.net.URI;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Objects;

/** A POSIX path on a remote host; name handling is that of a local POSIX path, held in {@code local}. */
final class RemotePath implements Path {
  private final RemoteFileSystem fs;
  private final Path local;

  RemotePath(RemoteFileSystem fs, Path local) {
    this.fs = fs;
    this.local = local;
  }

  Path local() {
    return local;
  }

  private RemotePath wrap(Path p) {
    return p == null ? null : new RemotePath(fs, p);
  }

  private Path unwrap(Path other) {
    if (!(other instanceof RemotePath r) || r.fs != fs) {
      throw new ProviderMismatchException(other + " is not a path of " + fs);
    }
    return r.local;
  }

  @Override
  public RemoteFileSystem getFileSystem() {
    return fs;
  }

  @Override
  public boolean isAbsolute() {
    return local.isAbsolute();
  }

  @Override
  public Path getRoot() {
    return wrap(local.getRoot());
  }

  @Override
  public Path getFileName() {
    return wrap(local.getFileName());
  }

  @Override
  public Path getParent() {
    return wrap(local.getParent());
  }

  @Override
  public int getNameCount() {
    return local.getNameCount();
  }

  @Override
  public Path getName(int index) {
    return wrap(local.getName(index));
  }

  @Override
  public Path subpath(int beginIndex, int endIndex) {
    return wrap(local.subpath(beginIndex, endIndex));
  }

  @Override
  public boolean startsWith(Path other) {
    return other instanceof RemotePath r && r.fs == fs && local.startsWith(r.local);
  }

  @Override
  public boolean endsWith(Path other) {
    return other instanceof RemotePath r && r.fs == fs && local.endsWith(r.local);
  }

  @Override
  public Path normalize() {
    return wrap(local.normalize());
  }

  @Override
  public Path resolve(Path other) {
    return wrap(local.resolve(unwrap(other)));
  }

  @Override
  public Path relativize(Path other) {
    return wrap(local.relativize(unwrap(other)));
  }

  @Override
  public URI toUri() {
    return URI.create(fs.provider().getScheme() + "://" + fs.id() + toAbsolutePath());
  }

  @Override
  public Path toAbsolutePath() {
    return local.isAbsolute() ? this : wrap(local.getFileSystem().getPath("/").resolve(local));
  }

  @Override
  public Path toRealPath(LinkOption... options) throws IOException {
    Path abs = toAbsolutePath().normalize();
    fs.files().stat(abs.toString());
    return abs;
  }

  @Override
  public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
    throw new UnsupportedOperationException(this + ": remote paths cannot be watched");
  }

  @Override
  public int compareTo(Path other) {
    return local.compareTo(unwrap(other));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RemotePath r && r.fs == fs && r.local.equals(local);
  }

  @Override
  public int hashCode() {
    return Objects.hash(System.identityHashCode(fs), local);
  }

  @Override
  public String toString() {
    return local.toString();
  }
}
