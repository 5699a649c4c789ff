package io.lifeboat.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.vmware.vim25.VirtualMachinePowerState;
import com.vmware.vim25.mo.InventoryNavigator;
import com.vmware.vim25.mo.ServiceInstance;
import com.vmware.vim25.mo.VirtualMachine;
import io.lifeboat.agent.fence.PeerFencer;
import io.lifeboat.agent.link.PeerFenceCommandHandler;
import io.lifeboat.lab.VmwareSimulatorBinary;
import io.lifeboat.lab.VmwareSimulatorOptions;
import io.lifeboat.lab.VmwareSimulatorProcess;
import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.FencePeerHost;
import io.lifeboat.protocol.v1.GuestSpec;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A surviving agent fences a lost VMware peer through the peer's VI API (the simulator as a local process on
 * 127.0.0.1, with its powered-on vm0 and vm1): the named running guest is powered off, the other one is untouched.
 */
class VmwarePeerFenceIT {

    @Test
    void aRunningGuestOfAVmwarePeerIsPoweredOffThroughItsViApi(@TempDir Path dir) throws Exception {
        VmwareSimulatorProcess simulator = VmwareSimulatorProcess.startWithTemporaryDatastore(
                VmwareSimulatorBinary.locate().ensureBuilt(), VmwareSimulatorOptions.esxi(2));
        Vertx vertx = Vertx.vertx();
        try {
            VmwareSimulatorOptions o = simulator.options();
            Path password = Files.writeString(dir.resolve("vi.password"), o.password() + "\n");
            PeerFenceCommandHandler handler = new PeerFenceCommandHandler("hostB", new PeerFencer(vertx, "hostB",
                    Optional.of(new PeerFencer.ViLogin(o.username(), password)), dir));
            assertThat(powerState(simulator, "vm0")).isEqualTo(VirtualMachinePowerState.poweredOn);

            CommandResult result = handler.handle(Envelope.newBuilder().setFencePeerHost(FencePeerHost.newBuilder()
                    .setHeader(CommandHeader.newBuilder().setCommandId("fence-1").setEpoch(1))
                    .setPeerHostId("oldvmware").setHypervisorUri(simulator.sdkUrl().toString())
                    .setReason("host oldvmware lost")
                    .addGuests(GuestSpec.newBuilder().setGuestId("g-vm0").setName("vm0"))).build())
                    .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);

            assertThat(result.getOutcome()).as(result.getFailure().getMessage())
                    .isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
            assertThat(result.getFence().getStoppedGuestIdsList()).containsExactly("g-vm0");
            assertThat(powerState(simulator, "vm0")).isEqualTo(VirtualMachinePowerState.poweredOff);
            assertThat(powerState(simulator, "vm1")).as("a guest the command does not name")
                    .isEqualTo(VirtualMachinePowerState.poweredOn);

            // A wrong login fails, naming the peer and its URL.
            Path wrong = Files.writeString(dir.resolve("wrong.password"), "not-the-password\n");
            CommandResult refused = new PeerFenceCommandHandler("hostB", new PeerFencer(vertx, "hostB",
                    Optional.of(new PeerFencer.ViLogin(o.username(), wrong)), dir))
                    .handle(Envelope.newBuilder().setFencePeerHost(FencePeerHost.newBuilder()
                            .setHeader(CommandHeader.newBuilder().setCommandId("fence-2").setEpoch(1))
                            .setPeerHostId("oldvmware").setHypervisorUri(simulator.sdkUrl().toString())
                            .addGuests(GuestSpec.newBuilder().setGuestId("g-vm1").setName("vm1"))).build())
                    .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertThat(refused.getOutcome()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_FAILED);
            assertThat(refused.getFailure().getMessage()).startsWith("agent hostB: cannot fence host oldvmware "
                    + "through " + simulator.sdkUrl() + ": ");
            assertThat(powerState(simulator, "vm1")).isEqualTo(VirtualMachinePowerState.poweredOn);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            simulator.close();
        }
    }

    private static VirtualMachinePowerState powerState(VmwareSimulatorProcess simulator, String name)
            throws Exception {
        VmwareSimulatorOptions o = simulator.options();
        ServiceInstance si = new ServiceInstance(simulator.sdkUrl().toURL(), o.username(), o.password(), true);
        try {
            VirtualMachine vm = (VirtualMachine) new InventoryNavigator(si.getRootFolder())
                    .searchManagedEntity("VirtualMachine", name);
            return (VirtualMachinePowerState) vm.getPropertyByPath("runtime.powerState");
        } finally {
            si.getServerConnection().logout();
        }
    }
}
