package io.lifeboat.agent;

import io.lifeboat.agent.hypervisor.BackupSnapshot;
import io.lifeboat.agent.hypervisor.BootEvidence;
import io.lifeboat.agent.hypervisor.FrozenDisk;
import io.lifeboat.agent.hypervisor.GuestRef;
import io.lifeboat.agent.hypervisor.libvirt.LibvirtDriver;
import io.lifeboat.agent.hypervisor.libvirt.SftpHostFiles;
import io.lifeboat.agent.hypervisor.vmware.remote.SshSettings;
import io.lifeboat.lab.GuestSpec;
import io.lifeboat.lab.Lab;
import io.lifeboat.lab.LabExtension;
import io.lifeboat.lab.LabHost;
import io.lifeboat.lab.TestGuest;
import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.DiskImages;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Library;
import org.libvirt.LibvirtException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A libvirt host reached remotely: the driver reads the frozen base of a running lab guest and its serial log through
 * {@link SftpHostFiles} over the host's sshd with strict known_hosts, never through the local file system; the
 * libvirt API goes over {@code qemu+tcp} or over {@code qemu+libssh} with the lab's key and known_hosts.
 */
@ExtendWith(LabExtension.class)
class LibvirtSshIT {

    private static final String GUEST = "sshfiles1";

    private static Vertx vertx;

    @TempDir
    Path scratch;

    private Lab lab;
    private LabHost host;
    private SftpHostFiles files;
    private LibvirtDriver driver;

    @BeforeAll
    static void startVertx() throws Exception {
        vertx = Vertx.vertx();
        // libvirt's libssh transport only completes replies larger than one read (capabilities, ~10 KB) while the
        // client's default event loop runs, as virsh runs it; without it virConnectGetCapabilities never returns.
        Library.initEventLoop();
        Thread loop = new Thread(LibvirtSshIT::runLibvirtEventLoop, "libvirt-event-loop");
        loop.setDaemon(true);
        loop.start();
    }

    private static void runLibvirtEventLoop() {
        try {
            Library.runEventLoop();
        } catch (LibvirtException | InterruptedException e) {
            throw new IllegalStateException("libvirt event loop stopped: " + e.getMessage(), e);
        }
    }

    @AfterAll
    static void stopVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get();
    }

    @BeforeEach
    void guestRunsOnHostA(Lab lab) throws Exception {
        this.lab = lab;
        host = lab.host("hostA");
        host.installGuest(GuestSpec.of(GUEST));
        host.startGuest(GUEST);
        host.awaitMarker(GUEST, Duration.ofSeconds(30));
        files = SftpHostFiles.connect(ssh(lab.knownHosts()));
    }

    @AfterEach
    void close() throws IOException {
        if (driver != null) {
            driver.close();
        }
        if (files != null) {
            files.close();
        }
        host.destroyGuest(GUEST);
    }

    @Test
    void frozenBaseAndSerialLogAreReadOverSftp() throws Exception {
        driver = result(LibvirtDriver.connect(vertx, host.libvirtUri(), files, "lifeboat-libvirt-ssh-it",
                LabHost.GUESTS_DIR));
        snapshotReadsOverSftp();
    }

    @Test
    void qemuLibsshUriWithStrictKnownHostsDrivesTheSameHost() throws Exception {
        String uri = "qemu+libssh://root@127.0.0.1:" + host.sshPort() + "/system?keyfile="
                + lab.identityFile().toAbsolutePath() + "&known_hosts=" + lab.knownHosts().toAbsolutePath()
                + "&sshauth=privkey";
        driver = result(LibvirtDriver.connect(vertx, uri, files, "lifeboat-libvirt-ssh-it", LabHost.GUESTS_DIR));
        snapshotReadsOverSftp();
    }

    @Test
    void qemuLibsshRefusesAHostKeyMissingFromKnownHosts() throws Exception {
        Path empty = Files.createFile(scratch.resolve("known_hosts"));
        String uri = "qemu+libssh://root@127.0.0.1:" + host.sshPort() + "/system?keyfile="
                + lab.identityFile().toAbsolutePath() + "&known_hosts=" + empty + "&sshauth=privkey";
        assertThatThrownBy(() -> result(LibvirtDriver.connect(vertx, uri, files, "lifeboat-libvirt-ssh-it",
                LabHost.GUESTS_DIR))).hasStackTraceContaining("connect to qemu+libssh://root@127.0.0.1:" + host.sshPort())
                .hasStackTraceContaining("Can't verify the session host key");
    }

    @Test
    void anUnknownHostKeyIsRefused() throws IOException {
        Path empty = Files.createFile(scratch.resolve("known_hosts"));
        assertThatThrownBy(() -> SftpHostFiles.connect(ssh(empty))).isInstanceOf(IOException.class)
                .hasMessageContaining("root@127.0.0.1:" + host.sshPort());
    }

    private void snapshotReadsOverSftp() throws Exception {
        GuestRef ref = GuestRef.named(GUEST);
        BootEvidence boot = result(driver.bootEvidence(ref, 64 * 1024));
        assertThat(boot.consoleShows(TestGuest.markerLine(GUEST, 1))).as(boot.consoleTail()).isTrue();

        BackupSnapshot snapshot = result(driver.snapshotForBackup(ref));
        try {
            FrozenDisk disk = snapshot.disks().get(0);
            assertThat(disk.hasOverlay()).isTrue();
            byte[] expected = readAll(localCopy(disk.basePath()));
            try (DiskImage remote = files.openImage(disk.basePath())) {
                assertThat(remote.capacity()).isEqualTo(TestGuest.DEFAULT_SIZE_BYTES);
                assertThat(readAll(remote)).isEqualTo(expected);
            }
            try (DiskImage frozen = result(driver.openFrozenBase(snapshot, 0))) {
                assertThat(readAll(frozen)).isEqualTo(expected);
            }
        } finally {
            result(driver.releaseSnapshot(snapshot));
        }
        assertThat(host.execOk("ls", host.guestDir(GUEST))).doesNotContain(BackupSnapshot.ID_PREFIX);
        assertThat(result(driver.guest(ref)).getDisks(0).getPath()).isEqualTo(host.guestDisk(GUEST));
    }

    private DiskImage localCopy(String path) throws IOException {
        Path local = scratch.resolve(path.substring(path.lastIndexOf('/') + 1));
        Files.write(local, host.readFile(path));
        return DiskImages.open(local);
    }

    private SshSettings ssh(Path knownHosts) {
        return new SshSettings("root", "127.0.0.1", host.sshPort(), lab.identityFile(), knownHosts,
                Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(10));
    }

    private static byte[] readAll(DiskImage img) throws IOException {
        try (img) {
            ByteBuffer all = ByteBuffer.allocate((int) img.capacity());
            img.read(0, all);
            return all.array();
        }
    }

    private static <T> T result(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }
}
