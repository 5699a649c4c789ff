package io.lifeboat.agent.hypervisor.libvirt;

import io.lifeboat.protocol.v1.GuestSpec;

import java.util.List;

/**
 * A domain XML read back: the guest spec, where its serial console is logged, and each disk's backing file.
 *
 * @param spec          the guest as a spec (power state and capacities are filled in by the driver)
 * @param serialLogPath file the first serial port writes to, or empty
 * @param backingPaths  per disk in spec order, the source of its backing store (an overlay's base), or empty
 */
public record ParsedDomain(GuestSpec spec, String serialLogPath, List<String> backingPaths) {

    public ParsedDomain {
        backingPaths = List.copyOf(backingPaths);
    }
}
