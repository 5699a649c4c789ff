package io.lifeboat.lab;

/**
 * The libvirt domain XML of a test guest: domain type {@code qemu} (TCG, no /dev/kvm in the lab), the vmdk on IDE or
 * SCSI, the serial console into a file, an e1000 NIC with the guest's static MAC on user-mode networking (which needs
 * no bridge and no privileges inside an unprivileged container).
 */
public final class GuestDomainXml {
  private GuestDomainXml() {}

  /** The XML for a guest whose boot disk is {@code diskPath} and whose serial log is {@code serialLogPath}. */
  public static String render(GuestSpec spec, String diskPath, String serialLogPath) {
    String controller = spec.bus() == DiskBus.SCSI
        ? "    <controller type='scsi' index='0' model='lsilogic'/>\n"
        : "";
    return "<domain type='qemu'>\n"
        + "  <name>" + spec.name() + "</name>\n"
        + "  <memory unit='MiB'>16</memory>\n"
        + "  <vcpu>1</vcpu>\n"
        + "  <os>\n"
        + "    <type arch='x86_64' machine='pc'>hvm</type>\n"
        + "    <boot dev='hd'/>\n"
        + "  </os>\n"
        + "  <on_poweroff>destroy</on_poweroff>\n"
        + "  <on_reboot>destroy</on_reboot>\n"
        + "  <on_crash>destroy</on_crash>\n"
        + "  <devices>\n"
        + controller
        + "    <disk type='file' device='disk'>\n"
        + "      <driver name='qemu' type='vmdk'/>\n"
        + "      <source file='" + xml(diskPath) + "'/>\n"
        + "      <target dev='" + spec.bus().bootDevice() + "' bus='" + spec.bus().libvirtBus() + "'/>\n"
        + "    </disk>\n"
        + "    <interface type='user'>\n"
        + "      <mac address='" + spec.mac() + "'/>\n"
        + "      <model type='e1000'/>\n"
        + "    </interface>\n"
        + "    <serial type='file'>\n"
        + "      <source path='" + xml(serialLogPath) + "'/>\n"
        + "      <target port='0'/>\n"
        + "    </serial>\n"
        + "    <memballoon model='none'/>\n"
        + "  </devices>\n"
        + "</domain>\n";
  }

  private static String xml(String text) {
    return text.replace("&", "&amp;").replace("'", "&apos;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
