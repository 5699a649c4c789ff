package io.lifeboat.lab;

/** The VMDK subformats the lab makes test guests in, by their {@code qemu-img -o subformat=} names. */
public enum VmdkSubformat {
  MONOLITHIC_SPARSE("monolithicSparse"),
  TWO_GB_MAX_EXTENT_SPARSE("twoGbMaxExtentSparse"),
  MONOLITHIC_FLAT("monolithicFlat"),
  /** Not bootable by QEMU: converted to monolithicSparse before boot. */
  STREAM_OPTIMIZED("streamOptimized");

  private final String qemuName;

  VmdkSubformat(String qemuName) {
    this.qemuName = qemuName;
  }

  /** The name {@code qemu-img} knows it by. */
  public String qemuName() {
    return qemuName;
  }
}
