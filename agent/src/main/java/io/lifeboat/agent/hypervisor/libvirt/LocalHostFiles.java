package io.lifeboat.agent.hypervisor.libvirt;

import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.DiskImages;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** {@link HostFiles} on the agent's own file system: the agent runs on the hypervisor host. */
public final class LocalHostFiles implements HostFiles {

    @Override
    public DiskImage openImage(String path) throws IOException {
        return DiskImages.open(Path.of(path));
    }

    @Override
    public byte[] tail(String path, int maxBytes) throws IOException {
        try (FileChannel ch = FileChannel.open(Path.of(path), StandardOpenOption.READ)) {
            long size = ch.size();
            int n = (int) Math.min(size, maxBytes);
            ByteBuffer buf = ByteBuffer.allocate(n);
            long pos = size - n;
            while (buf.hasRemaining()) {
                int r = ch.read(buf, pos + buf.position());
                if (r < 0) {
                    break;
                }
            }
            byte[] out = new byte[buf.position()];
            buf.flip().get(out);
            return out;
        } catch (NoSuchFileException e) {
            return new byte[0];
        }
    }

    @Override
    public void deleteIfExists(String path) throws IOException {
        Files.deleteIfExists(Path.of(path));
    }
}
