package io.lifeboat.lab;

/** The bus a test guest's disk hangs on, with the matching VMDK adapter type. */
public enum DiskBus {
  IDE("ide", "ide", "hda"),
  /** An LSI Logic SCSI controller, as VMware guests have. */
  SCSI("scsi", "lsilogic", "sda");

  private final String libvirtBus;
  private final String vmdkAdapter;
  private final String firstDevice;

  DiskBus(String libvirtBus, String vmdkAdapter, String firstDevice) {
    this.libvirtBus = libvirtBus;
    this.vmdkAdapter = vmdkAdapter;
    this.firstDevice = firstDevice;
  }

  /** The libvirt {@code <target bus=…>}. */
  public String libvirtBus() {
    return libvirtBus;
  }

  /** The {@code qemu-img -o adapter_type=} value. */
  public String vmdkAdapter() {
    return vmdkAdapter;
  }

  /** The libvirt target device of the boot disk ({@code hda}, {@code sda}). */
  public String bootDevice() {
    return firstDevice;
  }
}
