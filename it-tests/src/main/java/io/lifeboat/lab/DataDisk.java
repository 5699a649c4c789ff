package io.lifeboat.lab;

/**
 * Data disks with known, seed-determined contents: every byte at every offset can be recomputed, so a test can check
 * any range it reads back (through SFTP, a replica, a restore).
 */
public final class DataDisk {
  private DataDisk() {}

  /** The {@code length} bytes at {@code offset} of the pattern disk with this seed. */
  public static byte[] bytes(long seed, long offset, int length) {
    byte[] out = new byte[length];
    for (int i = 0; i < length; i++) {
      out[i] = byteAt(seed, offset + i);
    }
    return out;
  }

  /** A whole pattern disk of {@code sizeBytes}. */
  public static byte[] image(long seed, int sizeBytes) {
    return bytes(seed, 0, sizeBytes);
  }

  /** The byte at {@code offset}: a SplitMix64 mix of the seed and the 8-byte word index, picked by the byte lane. */
  public static byte byteAt(long seed, long offset) {
    long z = seed * 0x9E3779B97F4A7C15L + (offset >>> 3) + 0x632BE59BD9B4E019L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z = z ^ (z >>> 31);
    return (byte) (z >>> ((offset & 7) * 8));
  }
}
