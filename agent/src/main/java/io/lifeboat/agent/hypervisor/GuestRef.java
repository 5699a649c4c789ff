package io.lifeboat.agent.hypervisor;

import io.lifeboat.protocol.v1.GuestSpec;

import java.util.Objects;

/**
 * Names one guest on one hypervisor: by the hypervisor's own identity when known, else by its display name.
 *
 * @param name           display name (libvirt domain name, VMware display name); may be empty when the uuid is set
 * @param hypervisorUuid libvirt domain UUID or VMX {@code uuid.bios}; empty when unknown
 */
public record GuestRef(String name, String hypervisorUuid) {

    public GuestRef {
        name = Objects.requireNonNullElse(name, "");
        hypervisorUuid = Objects.requireNonNullElse(hypervisorUuid, "");
        if (name.isEmpty() && hypervisorUuid.isEmpty()) {
            throw new IllegalArgumentException("a guest reference needs a name or a hypervisor uuid");
        }
    }

    /** A reference by display name only. */
    public static GuestRef named(String name) {
        return new GuestRef(name, "");
    }

    /** The reference of a guest as its spec describes it. */
    public static GuestRef of(GuestSpec spec) {
        return new GuestRef(spec.getName(), spec.getHypervisorUuid());
    }

    /** Whether this reference designates the guest {@code spec} (same uuid when both know one, else same name). */
    public boolean matches(GuestSpec spec) {
        if (!hypervisorUuid.isEmpty() && !spec.getHypervisorUuid().isEmpty()) {
            return hypervisorUuid.equalsIgnoreCase(spec.getHypervisorUuid());
        }
        return !name.isEmpty() && name.equals(spec.getName());
    }

    @Override
    public String toString() {
        if (hypervisorUuid.isEmpty()) {
            return "'" + name + "'";
        }
        return name.isEmpty() ? hypervisorUuid : "'" + name + "' (" + hypervisorUuid + ")";
    }
}
