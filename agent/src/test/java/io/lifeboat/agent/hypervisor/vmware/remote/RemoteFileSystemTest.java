package io.lifeboat.agent.hypervisor.vmware.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.DiskImages;
import io.lifeboat.storage.ImageFormat;
import io.lifeboat.storage.ImageRange;
import io.lifeboat.storage.ImageWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RemoteFileSystemTest {
  static final int MIB = 1 << 20;

  @TempDir
  Path dir;

  @Test
  void theStorageEngineReadsARemoteSparseVmdkThroughTheRemotePathOnlyWhereAllocated() throws Exception {
    Path local = dir.resolve("guest.vmdk");
    byte[] pattern = new byte[64 * 1024];
    Arrays.fill(pattern, (byte) 0x5a);
    try (ImageWriter w = ImageWriter.create(local, ImageFormat.VMDK, 16L * MIB, "lsilogic")) {
      w.write(0, ByteBuffer.wrap(pattern));
      w.write(9L * MIB, ByteBuffer.wrap(pattern));
      w.commit();
    }
    LocalRemoteFiles files = new LocalRemoteFiles();
    try (RemoteFileSystem fs = RemoteFileSystem.over(files)) {
      Path remote = fs.getPath(local.toString());
      List<ImageRange> remoteMap;
      byte[] remoteBytes = new byte[64 * 1024];
      try (DiskImage img = DiskImages.open(remote)) {
        assertThat(img.path()).isEqualTo(remote);
        assertThat(img.capacity()).isEqualTo(16L * MIB);
        remoteMap = img.map();
        img.read(9L * MIB, ByteBuffer.wrap(remoteBytes));
      }
      try (DiskImage img = DiskImages.open(local)) {
        assertThat(remoteMap).isEqualTo(img.map());
      }
      assertThat(remoteBytes).isEqualTo(pattern);
      assertThat(remoteMap.stream().filter(r -> r.data() && !r.zero()).mapToLong(ImageRange::length).sum())
          .isEqualTo(2L * 64 * 1024);
      assertThat(files.readersOpen).as("every remote reader closed").hasValue(0);
    }
  }

  @Test
  void remotePathsAreReadOnlyAndMissingFilesAreReportedByName() throws Exception {
    Path local = Files.writeString(dir.resolve("a.txt"), "hello remote");
    try (RemoteFileSystem fs = RemoteFileSystem.over(new LocalRemoteFiles())) {
      Path remote = fs.getPath(local.toString());
      assertThat(Files.exists(remote)).isTrue();
      assertThat(Files.isRegularFile(remote)).isTrue();
      assertThat(Files.size(remote)).isEqualTo(12);
      assertThat(Files.exists(fs.getPath(dir.resolve("missing").toString()))).isFalse();
      try (FileChannel ch = FileChannel.open(remote, StandardOpenOption.READ)) {
        ByteBuffer b = ByteBuffer.allocate(6);
        assertThat(ch.read(b, 6)).isEqualTo(6);
        assertThat(new String(b.array())).isEqualTo("remote");
        assertThat(ch.read(ByteBuffer.allocate(4), 12)).isEqualTo(-1);
      }
      assertThatThrownBy(() -> FileChannel.open(remote, StandardOpenOption.WRITE))
          .isInstanceOf(ReadOnlyFileSystemException.class);
      assertThatThrownBy(() -> Files.delete(remote)).isInstanceOf(ReadOnlyFileSystemException.class);
      assertThatThrownBy(() -> FileChannel.open(fs.getPath("/no/such/file.vmdk"), StandardOpenOption.READ))
          .isInstanceOf(NoSuchFileException.class).hasMessageContaining("/no/such/file.vmdk");
      assertThat(remote.getParent().resolve("../x").normalize().toString())
          .isEqualTo(dir.getParent().resolve("x").toString());
      assertThat(remote.startsWith(fs.getPath(dir.toString()))).isTrue();
      assertThat(remote.startsWith(dir)).as("never equal to a local path").isFalse();
    }
  }

  @Test
  void shellQuotingNeutralisesHostileNames() {
    assertThat(SftpRemoteFiles.shellQuote("a'b; rm -rf /")).isEqualTo("'a'\\''b; rm -rf /'");
  }
}
