package io.lifeboat.storage;

/** The container formats Lifeboat reads and writes. */
public enum ImageFormat {
    RAW,
    VMDK,
    QCOW2
}
