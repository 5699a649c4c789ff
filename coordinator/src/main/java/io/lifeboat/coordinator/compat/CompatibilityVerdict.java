package io.lifeboat.coordinator.compat;

import java.util.List;

import io.lifeboat.protocol.v1.GuestSpec;

/**
 * The engine's answer for one guest on one target: OK, CONVERT with executable steps, or REFUSE with reasons.
 *
 * @param guestId the guest judged
 * @param targetHostId the host it was judged against
 * @param compatibility the answer
 * @param refusals why the guest cannot run there (non-empty exactly when REFUSE), each one line naming the thing
 * @param diskConversions disk conversions to run on the target, in device order
 * @param deviceChanges changes to the guest's definition (NIC model, SCSI adapter, MAC type, network), one line each
 * @param targetSpec the guest as it is to be registered on the target (converted disks, models, mapped networks,
 *                   same MAC addresses); meaningless when REFUSE
 */
public record CompatibilityVerdict(String guestId, String targetHostId, Compatibility compatibility,
                                   List<String> refusals, List<DiskConversion> diskConversions,
                                   List<String> deviceChanges, GuestSpec targetSpec) {

    /** Creates the verdict, copying the lists. */
    public CompatibilityVerdict {
        refusals = List.copyOf(refusals);
        diskConversions = List.copyOf(diskConversions);
        deviceChanges = List.copyOf(deviceChanges);
    }

    /** One line for a status page: the answer and its first reason or step count. */
    public String summary() {
        return switch (compatibility) {
            case OK -> "OK";
            case CONVERT -> "CONVERT: " + diskConversions.size() + " disk conversion(s), " + deviceChanges.size()
                    + " device change(s)";
            case REFUSE -> "REFUSE: " + String.join("; ", refusals);
        };
    }
}
