package io.lifeboat.coordinator.compat;

import java.util.List;

import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.VmdkCreateType;

/**
 * How one disk is converted on the target: the exact commands the target's agent runs, in order.
 *
 * @param diskIndex index of the disk in the guest's device order
 * @param sourcePath the materialised disk, as the restore point holds it
 * @param targetPath the converted disk the guest is registered with
 * @param targetFormat format of the converted disk
 * @param targetCreateType VMDK subformat of the converted disk, UNSPECIFIED when not VMDK
 * @param commands argument vectors, each run without a shell (first element is the program)
 * @param reason why the conversion is needed
 */
public record DiskConversion(int diskIndex, String sourcePath, String targetPath, DiskFormat targetFormat,
                             VmdkCreateType targetCreateType, List<List<String>> commands, String reason) {

    /** Creates the conversion, copying the commands. */
    public DiskConversion {
        commands = commands.stream().map(List::copyOf).toList();
    }
}
