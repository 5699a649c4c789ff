package io.lifeboat.agent.hypervisor.vmware;

import static org.assertj.core.api.Assertions.assertThat;

import com.vmware.vim25.AutoStartPowerInfo;
import com.vmware.vim25.AutoStartWaitHeartbeatSetting;
import com.vmware.vim25.HostAutoStartManagerConfig;
import com.vmware.vim25.ManagedObjectReference;
import org.junit.jupiter.api.Test;

class VmwareAutostartSpecTest {
  private static ManagedObjectReference vm(String id) {
    ManagedObjectReference mor = new ManagedObjectReference();
    mor.setType("VirtualMachine");
    mor.setVal(id);
    return mor;
  }

  private static AutoStartPowerInfo entry(String id, String startAction) {
    AutoStartPowerInfo info = new AutoStartPowerInfo();
    info.setKey(vm(id));
    info.setStartAction(startAction);
    info.setStopAction("PowerOff");
    info.setStartOrder(1);
    return info;
  }

  private static AutoStartPowerInfo[] config(AutoStartPowerInfo... entries) {
    return entries;
  }

  @Test
  void specTakesOnlyThatVmOutOfAutomaticStartAndLeavesTheDefaultsAlone() {
    HostAutoStartManagerConfig spec = VmwareDriver.autostartOff(vm("42"));

    assertThat(spec.getDefaults()).isNull();
    assertThat(spec.getPowerInfo()).hasSize(1);
    AutoStartPowerInfo info = spec.getPowerInfo()[0];
    assertThat(info.getKey()).isEqualTo(vm("42"));
    assertThat(info.getStartAction()).isEqualTo("none");
    assertThat(info.getStopAction()).isEqualTo("systemDefault");
    assertThat(info.getWaitForHeartbeat()).isEqualTo(AutoStartWaitHeartbeatSetting.systemDefault);
    assertThat(info.getStartOrder()).isEqualTo(-1);
    assertThat(info.getStartDelay()).isEqualTo(-1);
    assertThat(info.getStopDelay()).isEqualTo(-1);
  }

  @Test
  void aVmListedWithAStartActionStartsAutomaticallyWhateverTheCase() {
    assertThat(VmwareDriver.startsAutomatically(config(entry("7", "PowerOn"), entry("42", "PowerOn")), vm("42")))
        .isTrue();
    assertThat(VmwareDriver.startsAutomatically(config(entry("42", "systemDefault")), vm("42"))).isTrue();
  }

  @Test
  void aVmListedWithNoneOrNotListedDoesNotStartAutomatically() {
    assertThat(VmwareDriver.startsAutomatically(config(entry("42", "None")), vm("42"))).isFalse();
    assertThat(VmwareDriver.startsAutomatically(config(entry("7", "PowerOn")), vm("42"))).isFalse();
    assertThat(VmwareDriver.startsAutomatically(new AutoStartPowerInfo[0], vm("42"))).isFalse();
    assertThat(VmwareDriver.startsAutomatically(null, vm("42"))).isFalse();
  }

  @Test
  void theSpecItselfNoLongerStartsTheVm() {
    assertThat(VmwareDriver.startsAutomatically(VmwareDriver.autostartOff(vm("42")).getPowerInfo(), vm("42"))).isFalse();
  }
}
