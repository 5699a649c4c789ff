package io.lifeboat.lab;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What a test guest on a lab host looks like: its name, disk subformat and bus, its MAC address (VMware static range
 * 00:50:56:00:00:00–00:50:56:3F:FF:FF) and the generation its disk starts at.
 */
public record GuestSpec(String name, VmdkSubformat subformat, DiskBus bus, String mac, long generation) {
  private static final Pattern VMWARE_STATIC_MAC = Pattern.compile("00:50:56:[0-3][0-9a-f](:[0-9a-f]{2}){2}");

  public GuestSpec {
    TestGuest.checkName(name);
    mac = mac.toLowerCase(Locale.ROOT);
    if (!VMWARE_STATIC_MAC.matcher(mac).matches()) {
      throw new IllegalArgumentException("test guest " + name + ": MAC " + mac
          + " outside the VMware static range 00:50:56:00:00:00-00:50:56:3f:ff:ff");
    }
  }

  /** A monolithicSparse IDE guest at generation 1 with a MAC derived from its name. */
  public static GuestSpec of(String name) {
    return new GuestSpec(name, VmdkSubformat.MONOLITHIC_SPARSE, DiskBus.IDE, macFor(name), 1);
  }

  /** The same guest in another subformat. */
  public GuestSpec withSubformat(VmdkSubformat other) {
    return new GuestSpec(name, other, bus, mac, generation);
  }

  /** The same guest on another bus. */
  public GuestSpec withBus(DiskBus other) {
    return new GuestSpec(name, subformat, other, mac, generation);
  }

  /** A stable MAC in the VMware static range, from a hash of the name. */
  public static String macFor(String name) {
    int h = name.hashCode() & 0x3fffff;
    return String.format(Locale.ROOT, "00:50:56:%02x:%02x:%02x", (h >> 16) & 0x3f, (h >> 8) & 0xff, h & 0xff);
  }
}
