package io.lifeboat.agent.hypervisor.libvirt;

import io.lifeboat.agent.hypervisor.vmware.remote.RemoteFileSystem;
import io.lifeboat.agent.hypervisor.vmware.remote.RemoteFiles;
import io.lifeboat.agent.hypervisor.vmware.remote.SftpRemoteFiles;
import io.lifeboat.agent.hypervisor.vmware.remote.SshSettings;
import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.DiskImages;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;

/**
 * {@link HostFiles} of a host the agent reaches over SSH: images and logs are read through a read-only
 * {@link RemoteFileSystem} over SFTP (only the grains read are fetched), files are deleted with {@code rm -f}.
 */
public final class SftpHostFiles implements HostFiles, Closeable {

    /** Deletes a file on the remote host; absent files are not an error. */
    @FunctionalInterface
    public interface RemoteDeleter {
        /**
         * Deletes the file at {@code path} if it exists.
         *
         * @param path absolute path on the remote host
         * @throws IOException naming the path and the host when the file exists and cannot be deleted
         */
        void deleteIfExists(String path) throws IOException;
    }

    private final RemoteFileSystem fs;
    private final RemoteDeleter deleter;

    /**
     * Files over any {@link RemoteFiles}; closing this closes them.
     *
     * @param files read access to the host's files
     * @param deleter how files are deleted on the host
     */
    public SftpHostFiles(RemoteFiles files, RemoteDeleter deleter) {
        this.fs = RemoteFileSystem.over(files);
        this.deleter = deleter;
    }

    /**
     * Connects over SSH with strict host-key checking and key authentication only.
     *
     * @param settings where and how
     * @return the host's files
     * @throws IOException naming the target when the connection, the host key or the authentication fails
     */
    public static SftpHostFiles connect(SshSettings settings) throws IOException {
        SftpRemoteFiles sftp = SftpRemoteFiles.connect(settings);
        return new SftpHostFiles(sftp, path -> {
            SftpRemoteFiles.ExecResult r = sftp.exec("rm -f -- " + SftpRemoteFiles.shellQuote(path));
            if (r.status() != 0) {
                throw new IOException(sftp.where() + ": " + path + ": cannot delete (rm exit " + r.status() + "): "
                        + r.stderr().strip());
            }
        });
    }

    @Override
    public DiskImage openImage(String path) throws IOException {
        return DiskImages.open(fs.getPath(path));
    }

    @Override
    public byte[] tail(String path, int maxBytes) throws IOException {
        try (FileChannel ch = FileChannel.open(fs.getPath(path), StandardOpenOption.READ)) {
            long size = ch.size();
            int n = (int) Math.min(size, Math.max(0, maxBytes));
            ByteBuffer buf = ByteBuffer.allocate(n);
            long pos = size - n;
            while (buf.hasRemaining()) {
                if (ch.read(buf, pos + buf.position()) < 0) {
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
        deleter.deleteIfExists(path);
    }

    /** Closes the SSH session. */
    @Override
    public void close() throws IOException {
        fs.close();
    }

    @Override
    public String toString() {
        return fs.toString();
    }
}
