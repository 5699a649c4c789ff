package io.lifeboat.lab;

import static org.assertj.core.api.Assertions.assertThat;

import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.Session;
import com.vmware.vim25.mo.ServiceInstance;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The vijava contract against the lab's VMware host: the simulator in a lab container beside sshd.
 */
@ExtendWith(LabExtension.class)
class VmwareSimulatorIT extends VmwareSimulatorContractIT {

    private final Lab lab;

    VmwareSimulatorIT(Lab lab) {
        this.lab = lab;
    }

    @Override
    VmwareSimulator startSimulator(String name, VmwareSimulatorOptions options) {
        return VmwareSimulatorHost.start(lab, name, options);
    }

    @Test
    void theDatastoreIsReachableOverSftpWithStrictHostKeyChecking() throws Exception {
        VmwareSimulatorHost host = (VmwareSimulatorHost) simulator();
        byte[] disk = new byte[256 * 1024];
        new Random(7).nextBytes(disk);
        host.writeDatastoreFile("db/db-flat.vmdk", disk);

        Session session = sshSession(host.host());
        try {
            ChannelSftp sftp = (ChannelSftp) session.openChannel("sftp");
            sftp.connect(10_000);
            try {
                String dir = VmwareSimulatorHost.DATASTORE_DIR;
                List<String> vm0 = new ArrayList<>();
                for (Object e : sftp.ls(dir + "/vm0")) {
                    vm0.add(((ChannelSftp.LsEntry) e).getFilename());
                }
                assertThat(vm0).contains("vm0.vmx", "vm0.vmdk", "vm0-flat.vmdk", "vm0.nvram");
                assertThat(sftp.stat(dir + "/db/db-flat.vmdk").getSize()).isEqualTo(disk.length);
                for (int offset : new int[] {0, 4096, 65_537, disk.length - 512}) {
                    byte[] read = new byte[512];
                    try (InputStream in = sftp.get(dir + "/db/db-flat.vmdk", null, (long) offset)) {
                        assertThat(in.readNBytes(read, 0, read.length)).isEqualTo(read.length);
                    }
                    assertThat(read).as("bytes at %d", offset)
                            .isEqualTo(Arrays.copyOfRange(disk, offset, offset + read.length));
                }
            } finally {
                sftp.disconnect();
            }
        } finally {
            session.disconnect();
        }
    }

    /**
     * A jsch session as root with the lab's key, checking the host key strictly against the keys the host generated
     * (read through Docker, a channel the test trusts).
     */
    private Session sshSession(LabHost host) throws Exception {
        JSch jsch = new JSch();
        jsch.addIdentity(lab.identityFile().toString());
        StringBuilder knownHosts = new StringBuilder();
        for (String key : host.execOk("sh", "-c", "cat /etc/ssh/ssh_host_*_key.pub").split("\n")) {
            String[] parts = key.strip().split(" ");
            knownHosts.append("[127.0.0.1]:").append(host.sshPort()).append(' ')
                    .append(parts[0]).append(' ').append(parts[1]).append('\n');
        }
        jsch.setKnownHosts(new ByteArrayInputStream(knownHosts.toString().getBytes(StandardCharsets.US_ASCII)));
        Session session = jsch.getSession("root", host.publishedHost(), host.sshPort());
        session.setConfig("StrictHostKeyChecking", "yes");
        session.connect(15_000);
        return session;
    }

    @Test
    void aRestartedHostComesBackWithItsVmsRegisteredAndPoweredOff() throws Exception {
        // A host of its own: killing the shared one would end the other tests' sessions.
        VmwareSimulatorHost host = VmwareSimulatorHost.start(lab, "vmwareR", VmwareSimulatorOptions.esxi(1));
        ServiceInstance before = connect(host);
        assertThat(powerStates(before)).containsEntry("vm0", "poweredOn");

        lab.kill(host.host().name());
        lab.restart(host.host().name());
        host.awaitSdk();

        ServiceInstance si = connect(host);
        try {
            assertThat(powerStates(si)).containsEntry("vm0", "poweredOff");
        } finally {
            si.getServerConnection().logout();
        }
    }
}
