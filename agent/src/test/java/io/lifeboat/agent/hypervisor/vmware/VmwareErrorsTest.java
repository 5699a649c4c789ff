package io.lifeboat.agent.hypervisor.vmware;

import static org.assertj.core.api.Assertions.assertThat;

import com.vmware.vim25.FileNotFound;
import com.vmware.vim25.InvalidLogin;
import com.vmware.vim25.InvalidPowerState;
import com.vmware.vim25.NotAuthenticated;
import com.vmware.vim25.TaskInProgress;
import com.vmware.vim25.VmConfigFault;
import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.protocol.v1.ErrorClass;
import java.net.ConnectException;
import java.rmi.RemoteException;
import org.junit.jupiter.api.Test;

class VmwareErrorsTest {
  static final String SDK = "https://vmwareA:8333/sdk";

  HypervisorException classify(Throwable t) {
    return VmwareErrors.classify(SDK, "power on 'web'", t);
  }

  @Test
  void faultsAreClassifiedOnceWithWhatAndWhere() {
    HypervisorException e = classify(new InvalidPowerState());
    assertThat(e.errorClass()).isEqualTo(ErrorClass.ERROR_CLASS_PERMANENT);
    assertThat(e.code()).isEqualTo("invalid_power_state");
    assertThat(e.getMessage()).isEqualTo(SDK + ": power on 'web' failed: InvalidPowerState");

    assertThat(classify(new InvalidLogin()).errorClass()).isEqualTo(ErrorClass.ERROR_CLASS_FATAL);
    assertThat(classify(new NotAuthenticated()).isRetriable()).isTrue();
    assertThat(classify(new TaskInProgress()).code()).isEqualTo("busy");
    assertThat(classify(new FileNotFound()).code()).isEqualTo("not_found");
    assertThat(classify(new VmConfigFault()).errorClass()).isEqualTo(ErrorClass.ERROR_CLASS_PERMANENT);
  }

  @Test
  void transportErrorsAreRetriableEvenWhenWrapped() {
    HypervisorException e = classify(new RemoteException("VI SDK invoke exception", new ConnectException("refused")));
    assertThat(e.isRetriable()).isTrue();
    assertThat(e.code()).isEqualTo("io_error");
    assertThat(e.getMessage()).contains("refused");
    assertThat(classify(new IllegalStateException("bug")).code()).isEqualTo("driver_error");
    HypervisorException already = HypervisorException.permanent("no_such_guest", "x");
    assertThat(classify(already)).isSameAs(already);
  }
}
