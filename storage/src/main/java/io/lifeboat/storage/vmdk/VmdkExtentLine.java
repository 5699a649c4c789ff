package io.lifeboat.storage.vmdk;

/**
 * One extent line of a VMDK descriptor, e.g. {@code RW 4194304 FLAT "disk-f001.vmdk" 0}.
 *
 * @param access        RW, RDONLY or NOACCESS
 * @param sectors       extent size in 512-byte sectors
 * @param type          SPARSE, FLAT, ZERO, VMFS, VMFSSPARSE, VMFSRDM, VMFSRAW
 * @param fileName      the extent file name as written (null for ZERO)
 * @param offsetSectors start of the extent's data inside a FLAT file, in sectors
 */
public record VmdkExtentLine(String access, long sectors, String type, String fileName, long offsetSectors) {
}
