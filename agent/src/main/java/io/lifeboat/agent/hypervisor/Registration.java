package io.lifeboat.agent.hypervisor;

/** How a guest is registered on a hypervisor. */
public enum Registration {
    /**
     * Known to the hypervisor only until it stops: libvirt {@code createXML} (started paused until
     * {@link HypervisorDriver#start}), so a rebooted, fenced host cannot relaunch a stale copy. Made persistent
     * later with {@link HypervisorDriver#persist} once the failover commits.
     */
    TRANSIENT,
    /** Defined persistently (libvirt define, VMware RegisterVM), powered off, autostart disabled. */
    PERSISTENT
}
