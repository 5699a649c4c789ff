package io.lifeboat.agent.hypervisor.libvirt;

import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.protocol.v1.ErrorClass;
import org.junit.jupiter.api.Test;
import org.libvirt.Error.ErrorNumber;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** libvirt faults map to one class and one stable code each, with the operation named in the message. */
class LibvirtErrorsTest {

    @Test
    void connectionFaultsAreRetriableMissingThingsPermanentInternalFaultsFatal() {
        assertThat(LibvirtErrors.errorClass(ErrorNumber.VIR_ERR_NO_CONNECT)).isEqualTo(ErrorClass.ERROR_CLASS_RETRIABLE);
        assertThat(LibvirtErrors.errorClass(ErrorNumber.VIR_ERR_RPC)).isEqualTo(ErrorClass.ERROR_CLASS_RETRIABLE);
        assertThat(LibvirtErrors.errorClass(ErrorNumber.VIR_ERR_OPERATION_TIMEOUT)).isEqualTo(ErrorClass.ERROR_CLASS_RETRIABLE);
        assertThat(LibvirtErrors.errorClass(ErrorNumber.VIR_ERR_BLOCK_COPY_ACTIVE)).isEqualTo(ErrorClass.ERROR_CLASS_RETRIABLE);
        assertThat(LibvirtErrors.errorClass(ErrorNumber.VIR_ERR_NO_DOMAIN)).isEqualTo(ErrorClass.ERROR_CLASS_PERMANENT);
        assertThat(LibvirtErrors.errorClass(ErrorNumber.VIR_ERR_XML_ERROR)).isEqualTo(ErrorClass.ERROR_CLASS_PERMANENT);
        assertThat(LibvirtErrors.errorClass(ErrorNumber.VIR_ERR_INTERNAL_ERROR)).isEqualTo(ErrorClass.ERROR_CLASS_FATAL);
        assertThat(LibvirtErrors.errorClass(ErrorNumber.VIR_ERR_NO_MEMORY)).isEqualTo(ErrorClass.ERROR_CLASS_FATAL);
    }

    @Test
    void codesAreStableLowerSnakeCase() {
        assertThat(LibvirtErrors.code(ErrorNumber.VIR_ERR_NO_DOMAIN)).isEqualTo("no_such_guest");
        assertThat(LibvirtErrors.code(ErrorNumber.VIR_ERR_DOM_EXIST)).isEqualTo("guest_exists");
        assertThat(LibvirtErrors.code(ErrorNumber.VIR_ERR_SYSTEM_ERROR)).isEqualTo("hypervisor_unreachable");
        for (ErrorNumber n : ErrorNumber.values()) {
            assertThat(LibvirtErrors.code(n)).matches("[a-z][a-z0-9_]*");
        }
    }

    @Test
    void otherFailuresAreClassifiedTooAndKeepTheirContext() {
        HypervisorException io = LibvirtErrors.classify("open frozen base /srv/a.vmdk on qemu:///system",
                new IOException("Connection reset"));
        assertThat(io.isRetriable()).isTrue();
        assertThat(io.getMessage()).isEqualTo("open frozen base /srv/a.vmdk on qemu:///system: Connection reset");

        HypervisorException same = HypervisorException.permanent("invalid_name", "guest name 'a/b' is not allowed");
        assertThat(LibvirtErrors.classify("register", same)).isSameAs(same);
    }
}
