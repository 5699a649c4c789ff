package io.lifeboat.agent.hypervisor.libvirt;

import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.protocol.v1.ErrorClass;
import org.libvirt.Error;
import org.libvirt.LibvirtException;

import java.io.IOException;

/** The one place where libvirt's native faults become classified {@link HypervisorException}s. */
public final class LibvirtErrors {

    private LibvirtErrors() {
    }

    /**
     * Classifies {@code e} raised while doing {@code what} (a phrase naming the operation, the guest and the
     * endpoint): connection and timeout faults are retriable, missing or invalid things permanent, internal and
     * memory faults fatal.
     */
    public static HypervisorException classify(String what, Throwable e) {
        if (e instanceof HypervisorException h) {
            return h;
        }
        if (e instanceof LibvirtException le) {
            Error err = le.getError();
            Error.ErrorNumber code = err == null ? Error.ErrorNumber.VIR_ERR_UNKNOWN : err.getCode();
            String detail = err == null || err.getMessage() == null ? String.valueOf(le.getMessage()) : err.getMessage();
            return new HypervisorException(errorClass(code), code(code), what + ": " + detail.strip(), e);
        }
        if (e instanceof IOException) {
            return new HypervisorException(ErrorClass.ERROR_CLASS_RETRIABLE, "io_failed", what + ": " + e.getMessage(), e);
        }
        return new HypervisorException(ErrorClass.ERROR_CLASS_PERMANENT, "driver_failed", what + ": " + e, e);
    }

    /** How to handle a libvirt error number. */
    public static ErrorClass errorClass(Error.ErrorNumber code) {
        switch (code) {
            case VIR_ERR_NO_CONNECT:
            case VIR_ERR_INVALID_CONN:
            case VIR_ERR_RPC:
            case VIR_ERR_SYSTEM_ERROR:
            case VIR_ERR_OPERATION_TIMEOUT:
            case VIR_ERR_AGENT_UNRESPONSIVE:
            case VIR_ERR_RESOURCE_BUSY:
            case VIR_ERR_BLOCK_COPY_ACTIVE:
            case VIR_ERR_OPERATION_ABORTED:
            case VIR_ERR_SSH:
            case VIR_ERR_LIBSSH:
            case VIR_ERR_GNUTLS_ERROR:
            case VIR_ERR_AUTH_UNAVAILABLE:
            case VIR_ERR_NO_SERVER:
            case VIR_ERR_AGENT_UNSYNCED:
                return ErrorClass.ERROR_CLASS_RETRIABLE;
            case VIR_ERR_NO_MEMORY:
            case VIR_ERR_INTERNAL_ERROR:
                return ErrorClass.ERROR_CLASS_FATAL;
            default:
                return ErrorClass.ERROR_CLASS_PERMANENT;
        }
    }

    /** The stable lower_snake_case code for a libvirt error number. */
    public static String code(Error.ErrorNumber code) {
        switch (code) {
            case VIR_ERR_NO_DOMAIN:
                return "no_such_guest";
            case VIR_ERR_DOM_EXIST:
                return "guest_exists";
            case VIR_ERR_OPERATION_INVALID:
                return "invalid_state";
            case VIR_ERR_XML_ERROR:
            case VIR_ERR_XML_DETAIL:
            case VIR_ERR_XML_INVALID_SCHEMA:
                return "invalid_config";
            case VIR_ERR_AUTH_FAILED:
            case VIR_ERR_ACCESS_DENIED:
            case VIR_ERR_OPERATION_DENIED:
                return "access_denied";
            case VIR_ERR_NO_SUPPORT:
            case VIR_ERR_OPERATION_UNSUPPORTED:
            case VIR_ERR_ARGUMENT_UNSUPPORTED:
            case VIR_ERR_CONFIG_UNSUPPORTED:
                return "unsupported";
            case VIR_ERR_NO_CONNECT:
            case VIR_ERR_INVALID_CONN:
            case VIR_ERR_RPC:
            case VIR_ERR_SYSTEM_ERROR:
                return "hypervisor_unreachable";
            case VIR_ERR_OPERATION_TIMEOUT:
                return "timeout";
            default:
                return "libvirt_" + code.name().replaceFirst("^VIR_(ERR|WAR)_", "").toLowerCase(java.util.Locale.ROOT);
        }
    }
}
