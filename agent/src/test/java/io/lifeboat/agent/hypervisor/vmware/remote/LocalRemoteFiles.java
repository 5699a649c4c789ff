package io.lifeboat.agent.hypervisor.vmware.remote;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;

/** A stand-in for SFTP over local files, counting the streams opened so tests can see reads are positional. */
final class LocalRemoteFiles implements RemoteFiles {
  final AtomicInteger streamsOpened = new AtomicInteger();
  final AtomicInteger readersOpen = new AtomicInteger();

  @Override
  public RemoteStat stat(String path) throws IOException {
    Path p = Path.of(path);
    if (!Files.exists(p)) {
      throw new NoSuchFileException(path);
    }
    return new RemoteStat(Files.isRegularFile(p) ? Files.size(p) : 0, Files.isRegularFile(p), Files.isDirectory(p));
  }

  @Override
  public RemoteReader open(String path) throws IOException {
    FileChannel ch = FileChannel.open(Path.of(path), StandardOpenOption.READ);
    readersOpen.incrementAndGet();
    return new RemoteReader() {
      @Override
      public InputStream streamAt(long offset) throws IOException {
        streamsOpened.incrementAndGet();
        ch.position(offset);
        return Channels.newInputStream(ch);
      }

      @Override
      public void close() throws IOException {
        readersOpen.decrementAndGet();
        ch.close();
      }
    };
  }

  @Override
  public String where() {
    return "local://test";
  }

  @Override
  public void close() {
  }
}
