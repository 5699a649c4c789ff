package io.lifeboat.lab;

import static org.assertj.core.api.Assertions.assertThat;

import com.vmware.vim25.mo.ServiceInstance;
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
    void theVmFilesLiveOnTheHostWhereSshReachesThem() {
        VmwareSimulatorHost host = (VmwareSimulatorHost) simulator();
        assertThat(host.host().exec("ls", VmwareSimulatorHost.DATASTORE_DIR + "/vm0").getStdout())
                .contains("vm0.vmx", "vm0.vmdk", "vm0-flat.vmdk", "vm0.nvram");
        assertThat(host.host().exec("pgrep", "-x", "sshd").getExitCode()).isZero();
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
