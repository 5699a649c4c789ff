package io.lifeboat.agent.hypervisor.vmware;

import com.vmware.vim25.AlreadyExists;
import com.vmware.vim25.ConcurrentAccess;
import com.vmware.vim25.DuplicateName;
import com.vmware.vim25.FileNotFound;
import com.vmware.vim25.HostCommunication;
import com.vmware.vim25.HostNotConnected;
import com.vmware.vim25.InsufficientResourcesFault;
import com.vmware.vim25.InvalidArgument;
import com.vmware.vim25.InvalidDatastore;
import com.vmware.vim25.InvalidLogin;
import com.vmware.vim25.InvalidPowerState;
import com.vmware.vim25.InvalidState;
import com.vmware.vim25.MethodFault;
import com.vmware.vim25.NoPermission;
import com.vmware.vim25.NotAuthenticated;
import com.vmware.vim25.NotFound;
import com.vmware.vim25.RequestCanceled;
import com.vmware.vim25.SnapshotFault;
import com.vmware.vim25.SystemError;
import com.vmware.vim25.TaskInProgress;
import com.vmware.vim25.Timedout;
import com.vmware.vim25.ToolsUnavailable;
import com.vmware.vim25.VmConfigFault;
import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.protocol.v1.ErrorClass;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.NoSuchFileException;
import java.rmi.RemoteException;

/**
 * The one place where VI API faults and transport errors become classified {@link HypervisorException}s:
 * retriable (the same call may succeed later), permanent (it cannot succeed as given) or fatal (stop and escalate).
 */
public final class VmwareErrors {
  private VmwareErrors() {}

  /**
   * Classifies a failure.
   *
   * @param endpoint the VI API endpoint or SSH target, named in the message
   * @param action what was attempted, e.g. "create snapshot of 'web'"
   * @param e the failure
   * @return the classified exception (e itself when it already is one)
   */
  public static HypervisorException classify(String endpoint, String action, Throwable e) {
    if (e instanceof HypervisorException h) {
      return h;
    }
    Throwable cause = e;
    while (cause.getCause() != null && !(cause instanceof MethodFault) && cause.getCause() != cause) {
      if (cause instanceof IOException && !(cause instanceof RemoteException)) {
        break;
      }
      cause = cause.getCause();
    }
    Kind k = kindOf(cause);
    String detail = cause instanceof MethodFault ? cause.getClass().getSimpleName()
        + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")") : String.valueOf(cause.getMessage());
    return new HypervisorException(k.errorClass, k.code, endpoint + ": " + action + " failed: " + detail, e);
  }

  private record Kind(ErrorClass errorClass, String code) {}

  private static Kind kindOf(Throwable t) {
    ErrorClass retriable = ErrorClass.ERROR_CLASS_RETRIABLE;
    ErrorClass permanent = ErrorClass.ERROR_CLASS_PERMANENT;
    ErrorClass fatal = ErrorClass.ERROR_CLASS_FATAL;
    if (t instanceof InvalidLogin) {
      return new Kind(fatal, "invalid_login");
    }
    // NotAuthenticated extends NoPermission: test it first.
    if (t instanceof NotAuthenticated) {
      return new Kind(retriable, "session_expired");
    }
    if (t instanceof NoPermission) {
      return new Kind(fatal, "no_permission");
    }
    if (t instanceof InvalidPowerState) {
      return new Kind(permanent, "invalid_power_state");
    }
    if (t instanceof TaskInProgress || t instanceof ConcurrentAccess) {
      return new Kind(retriable, "busy");
    }
    if (t instanceof ToolsUnavailable) {
      return new Kind(permanent, "tools_unavailable");
    }
    if (t instanceof InvalidState) {
      return new Kind(retriable, "invalid_state");
    }
    if (t instanceof SnapshotFault) {
      return new Kind(retriable, "snapshot_failed");
    }
    if (t instanceof FileNotFound || t instanceof NotFound || t instanceof NoSuchFileException) {
      return new Kind(permanent, "not_found");
    }
    if (t instanceof AlreadyExists || t instanceof DuplicateName) {
      return new Kind(permanent, "already_exists");
    }
    if (t instanceof InvalidArgument || t instanceof InvalidDatastore || t instanceof VmConfigFault) {
      return new Kind(permanent, "invalid_request");
    }
    if (t instanceof InsufficientResourcesFault) {
      return new Kind(permanent, "insufficient_resources");
    }
    if (t instanceof HostCommunication || t instanceof HostNotConnected || t instanceof Timedout
        || t instanceof RequestCanceled || t instanceof SystemError) {
      return new Kind(retriable, "host_unreachable");
    }
    if (t instanceof MethodFault) {
      return new Kind(permanent, "vi_fault");
    }
    if (t instanceof ConnectException || t instanceof SocketTimeoutException || t instanceof UnknownHostException
        || t instanceof RemoteException || t instanceof IOException) {
      return new Kind(retriable, "io_error");
    }
    if (t instanceof InterruptedException) {
      return new Kind(retriable, "interrupted");
    }
    return new Kind(permanent, "driver_error");
  }
}
