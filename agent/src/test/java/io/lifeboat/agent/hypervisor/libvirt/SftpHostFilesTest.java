package io.lifeboat.agent.hypervisor.libvirt;

import io.lifeboat.agent.hypervisor.vmware.remote.RemoteFiles;
import io.lifeboat.storage.DiskImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SftpHostFilesTest {

    @TempDir
    Path dir;

    private final List<String> deleted = new ArrayList<>();

    private SftpHostFiles files() {
        return new SftpHostFiles(new LocalFiles(), deleted::add);
    }

    @Test
    void opensARawImageThroughTheRemoteFileSystem() throws IOException {
        byte[] disk = new byte[256 * 1024];
        new Random(7).nextBytes(disk);
        Path image = Files.write(dir.resolve("disk.img"), disk);

        try (SftpHostFiles f = files(); DiskImage img = f.openImage(image.toString())) {
            ByteBuffer all = ByteBuffer.allocate((int) img.capacity());
            img.read(0, all);
            assertThat(all.array()).isEqualTo(disk);
        }
    }

    @Test
    void tailReturnsTheLastBytesOrTheWholeShortFile() throws IOException {
        Path log = Files.writeString(dir.resolve("serial.log"), "boot 1\nLIFEBOAT-MARKER guest=a gen=1\n");

        try (SftpHostFiles f = files()) {
            assertThat(new String(f.tail(log.toString(), 28), StandardCharsets.UTF_8))
                    .isEqualTo("LIFEBOAT-MARKER guest=a gen=1\n".substring(2));
            assertThat(new String(f.tail(log.toString(), 1 << 20), StandardCharsets.UTF_8))
                    .isEqualTo("boot 1\nLIFEBOAT-MARKER guest=a gen=1\n");
        }
    }

    @Test
    void tailOfAMissingFileIsEmpty() throws IOException {
        try (SftpHostFiles f = files()) {
            assertThat(f.tail(dir.resolve("absent.log").toString(), 100)).isEmpty();
        }
    }

    @Test
    void openingAMissingImageNamesThePath() throws IOException {
        String absent = dir.resolve("absent.vmdk").toString();
        try (SftpHostFiles f = files()) {
            assertThatThrownBy(() -> f.openImage(absent)).isInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining(absent);
        }
    }

    @Test
    void deleteGoesToTheRemoteDeleter() throws IOException {
        try (SftpHostFiles f = files()) {
            f.deleteIfExists("/var/lib/lifeboat/guests/a/overlay.qcow2");
        }
        assertThat(deleted).containsExactly("/var/lib/lifeboat/guests/a/overlay.qcow2");
    }

    /** Local files posing as a remote host's. */
    private static final class LocalFiles implements RemoteFiles {
        @Override
        public RemoteStat stat(String path) throws IOException {
            Path p = Path.of(path);
            if (!Files.exists(p)) {
                throw new NoSuchFileException(path);
            }
            return new RemoteStat(Files.isRegularFile(p) ? Files.size(p) : 0, Files.isRegularFile(p),
                    Files.isDirectory(p));
        }

        @Override
        public RemoteReader open(String path) throws IOException {
            FileChannel ch = FileChannel.open(Path.of(path), StandardOpenOption.READ);
            return new RemoteReader() {
                @Override
                public InputStream streamAt(long offset) throws IOException {
                    ch.position(offset);
                    return Channels.newInputStream(ch);
                }

                @Override
                public void close() throws IOException {
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
}
