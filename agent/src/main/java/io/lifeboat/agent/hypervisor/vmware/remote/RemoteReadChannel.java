package io.lifeboat.agent.hypervisor.vmware.remote;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A read-only {@link FileChannel} over a {@link RemoteFiles.RemoteReader}: positional reads reuse the open stream
 * when they continue where the last one ended (sequential grains), and reopen it at the new offset otherwise.
 */
final class RemoteReadChannel extends FileChannel {
  private final RemotePath path;
  private final RemoteFiles.RemoteReader reader;
  private final long size;
  private InputStream stream;
  private long streamPos = -1;
  private long position;

  RemoteReadChannel(RemotePath path, RemoteFiles.RemoteReader reader, long size) {
    this.path = path;
    this.reader = reader;
    this.size = size;
  }

  @Override
  public synchronized int read(ByteBuffer dst, long pos) throws IOException {
    if (pos < 0) {
      throw new IllegalArgumentException(path + ": negative read position " + pos);
    }
    if (!isOpen()) {
      throw new java.nio.channels.ClosedChannelException();
    }
    if (pos >= size) {
      return -1;
    }
    int want = (int) Math.min(dst.remaining(), size - pos);
    if (want == 0) {
      return 0;
    }
    if (stream == null || streamPos != pos) {
      stream = reader.streamAt(pos);
      streamPos = pos;
    }
    byte[] buf = new byte[Math.min(want, 1 << 20)];
    int total = 0;
    while (total < want) {
      int n = stream.read(buf, 0, Math.min(buf.length, want - total));
      if (n < 0) {
        stream = null;
        throw new EOFException(path + ": remote file ended at " + (pos + total) + " before its size " + size);
      }
      dst.put(buf, 0, n);
      total += n;
      streamPos += n;
    }
    return total;
  }

  @Override
  public synchronized int read(ByteBuffer dst) throws IOException {
    int n = read(dst, position);
    if (n > 0) {
      position += n;
    }
    return n;
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    long total = 0;
    for (int i = offset; i < offset + length; i++) {
      int n = read(dsts[i]);
      if (n < 0) {
        return total == 0 ? -1 : total;
      }
      total += n;
    }
    return total;
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) {
    throw new NonWritableChannelException();
  }

  @Override
  public int write(ByteBuffer src, long pos) {
    throw new NonWritableChannelException();
  }

  @Override
  public synchronized long position() {
    return position;
  }

  @Override
  public synchronized FileChannel position(long newPosition) {
    position = newPosition;
    return this;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public FileChannel truncate(long newSize) {
    throw new NonWritableChannelException();
  }

  @Override
  public void force(boolean metaData) {
    // Nothing is ever written.
  }

  @Override
  public long transferTo(long pos, long count, WritableByteChannel target) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(count, 1 << 20));
    int n = read(buf, pos);
    if (n <= 0) {
      return 0;
    }
    buf.flip();
    return target.write(buf);
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long pos, long count) {
    throw new NonWritableChannelException();
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long pos, long length) {
    throw new UnsupportedOperationException(path + ": remote files cannot be memory-mapped");
  }

  @Override
  public FileLock lock(long pos, long length, boolean shared) {
    throw new UnsupportedOperationException(path + ": remote files cannot be locked");
  }

  @Override
  public FileLock tryLock(long pos, long length, boolean shared) {
    throw new UnsupportedOperationException(path + ": remote files cannot be locked");
  }

  @Override
  protected void implCloseChannel() throws IOException {
    try {
      if (stream != null) {
        stream.close();
      }
    } catch (IOException e) {
      // Closing a read-only stream only cancels its read-ahead; every byte read was already delivered (and is checked
      // by digest downstream), so a channel that went away first must not fail the finished read.
      org.slf4j.LoggerFactory.getLogger(RemoteReadChannel.class)
          .debug("{}: closing the read stream: {}", path, e.getMessage());
    } finally {
      reader.close();
    }
  }
}
