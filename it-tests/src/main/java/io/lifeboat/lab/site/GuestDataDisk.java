package io.lifeboat.lab.site;

import io.lifeboat.lab.LabException;
import io.lifeboat.lab.LabHost;

/**
 * A second disk of a site guest: a monolithicSparse VMDK of {@value #CAPACITY_GIB} GiB of which {@code writtenBytes}
 * (from 64 MiB on) hold random, incompressible bytes from the host's {@code /dev/urandom}, so that its first replication
 * sends all of them and a bandwidth limit makes its progress visible. It is attached as {@value #TARGET} on the boot
 * disk's IDE bus; the test guest never reads it.
 *
 * @param writtenBytes how many bytes of random data it holds, a positive multiple of 1 MiB
 */
public record GuestDataDisk(long writtenBytes) {
  /** The disk's capacity. */
  public static final int CAPACITY_GIB = 4;
  /** Its libvirt target device. */
  static final String TARGET = "hdb";
  private static final long MIB = 1 << 20;
  private static final long OFFSET_MIB = 64;

  public GuestDataDisk {
    if (writtenBytes <= 0 || writtenBytes % MIB != 0 || writtenBytes / MIB + OFFSET_MIB > CAPACITY_GIB * 1024L) {
      throw new IllegalArgumentException("lab site: data disk of " + writtenBytes + " written bytes: need a positive"
          + " multiple of 1 MiB that fits in " + CAPACITY_GIB + " GiB after " + OFFSET_MIB + " MiB");
    }
  }

  /** Where the guest's data disk lives on its host. */
  static String path(LabHost host, String guest) {
    return host.guestDir(guest) + "/" + guest + "-data.vmdk";
  }

  /** Writes the disk on {@code host} next to the guest's boot disk (a raw sparse file converted with qemu-img). */
  void create(LabHost host, String guest) {
    String vmdk = path(host, guest);
    String raw = vmdk + ".raw";
    host.execOk("sh", "-c", "set -e; rm -f '" + raw + "' '" + vmdk + "'; truncate -s " + CAPACITY_GIB + "G '" + raw
        + "'; dd if=/dev/urandom of='" + raw + "' bs=1M seek=" + OFFSET_MIB + " count=" + writtenBytes / MIB
        + " conv=notrunc status=none; qemu-img convert -f raw -O vmdk -o subformat=monolithicSparse,adapter_type=ide '"
        + raw + "' '" + vmdk + "'; rm -f '" + raw + "'");
  }

  /** {@code domainXml} with the data disk added after its boot disk ({@code diskPath}: a lab path of a checked name). */
  static String attach(String domainXml, String diskPath) {
    int end = domainXml.indexOf("</disk>");
    if (end < 0) {
      throw new LabException("lab site: domain XML has no disk to add " + diskPath + " after");
    }
    end += "</disk>".length();
    return domainXml.substring(0, end) + "\n    <disk type='file' device='disk'>\n"
        + "      <driver name='qemu' type='vmdk'/>\n"
        + "      <source file='" + diskPath + "'/>\n"
        + "      <target dev='" + TARGET + "' bus='ide'/>\n"
        + "    </disk>" + domainXml.substring(end);
  }
}
