package io.lifeboat.agent.drill;

import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.NicSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * Turns a production guest spec into the spec of its drill copy (DESIGN.md I1): the drill name, no guest id, no
 * hypervisor identity, disks on the overlays, and either no NIC or NICs on the isolated network only, with fresh
 * locally administered MACs that no production NIC of the guest uses.
 */
public final class DrillSpecs {
  /** Prefix of every drill copy's name. */
  public static final String PREFIX = "drill-";

  private static final Pattern NAME = Pattern.compile("drill-[A-Za-z0-9._-]{1,150}");
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
  private static final Pattern NETWORK = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

  private DrillSpecs() {
  }

  /**
   * Checks a drill id, which names the drill's directory.
   *
   * @param drillId the id
   * @return the id
   * @throws HypervisorException ({@code invalid_drill}) when it is not 1-64 letters, digits, '-' or '_'
   */
  public static String checkDrillId(String drillId) {
    if (!ID.matcher(drillId).matches()) {
      throw HypervisorException.permanent("invalid_drill", "drill id '" + drillId.replaceAll("\\p{Cntrl}", "?")
          + "' is not 1-64 letters, digits, '-' or '_'");
    }
    return drillId;
  }

  /**
   * The drill copy's name: the one asked for (it must start with {@code drill-}), else
   * {@code drill-<guest name or id>-<first 8 characters of the drill id>}.
   *
   * @param asked the name in the command, may be empty
   * @param guestName the production guest's name, may be empty
   * @param guestId the guest id
   * @param drillId the drill id
   * @return the name
   */
  public static String drillName(String asked, String guestName, String guestId, String drillId) {
    if (!asked.isEmpty()) {
      if (!NAME.matcher(asked).matches()) {
        throw HypervisorException.permanent("invalid_drill", "drill name '" + asked.replaceAll("\\p{Cntrl}", "?")
            + "' must start with '" + PREFIX + "' followed by 1-150 letters, digits, '.', '_' or '-'");
      }
      return asked;
    }
    String base = (guestName.isEmpty() ? guestId : guestName).replaceAll("[^A-Za-z0-9._-]", "-");
    if (base.length() > 100) {
      base = base.substring(0, 100);
    }
    return PREFIX + base + "-" + drillId.substring(0, Math.min(8, drillId.length()));
  }

  /**
   * The spec of the drill copy.
   *
   * @param production the guest's production spec, or null to build a minimal one (1 vCPU, 512 MiB)
   * @param drillName the drill copy's name
   * @param overlays the overlay of each disk, in the point's disk order
   * @param overlay what the overlays are (their format in the spec)
   * @param capacities each disk's capacity in bytes
   * @param isolatedNetwork the isolated network the NICs join, or empty for no NIC at all
   * @param random source of the fresh MACs
   * @return the spec to register
   * @throws HypervisorException ({@code not_isolated}) when the isolated network is one the guest's production NICs
   *     use, or user-mode networking
   */
  public static GuestSpec drillSpec(GuestSpec production, String drillName, List<String> overlays,
      DrillOverlay overlay, List<Long> capacities, String isolatedNetwork, RandomGenerator random) {
    GuestSpec base = production != null ? production : GuestSpec.newBuilder().setVcpus(1)
        .setMemoryBytes(512L << 20).build();
    GuestSpec.Builder b = base.toBuilder().clearGuestId().clearHypervisorUuid().clearConfigPath().clearPowerState()
        .clearDisks().clearNics().setName(drillName);
    for (int i = 0; i < overlays.size(); i++) {
      DiskSpec.Builder d = i < base.getDisksCount() ? base.getDisks(i).toBuilder() : DiskSpec.newBuilder();
      b.addDisks(d.setPath(overlays.get(i)).setFormat(overlay.diskFormat()).setVmdkCreateType(overlay.createType())
          .setCapacityBytes(capacities.get(i)));
    }
    if (isolatedNetwork.isEmpty()) {
      return b.build();
    }
    Set<String> productionMacs = new HashSet<>();
    for (NicSpec n : base.getNicsList()) {
      productionMacs.add(n.getMacAddress().toLowerCase(Locale.ROOT));
      if (n.getNetwork().equals(isolatedNetwork)) {
        throw HypervisorException.permanent("not_isolated", "drill " + drillName + ": network '" + isolatedNetwork
            + "' is a production network of the guest (its NIC " + n.getMacAddress() + " is on it)");
      }
    }
    if (isolatedNetwork.equals("user") || isolatedNetwork.startsWith("bridge:")
        || !NETWORK.matcher(isolatedNetwork).matches()) {
      throw HypervisorException.permanent("not_isolated", "drill " + drillName + ": '"
          + isolatedNetwork.replaceAll("\\p{Cntrl}", "?") + "' is not the name of an isolated libvirt network");
    }
    int nics = Math.max(1, base.getNicsCount());
    Set<String> used = new HashSet<>(productionMacs);
    for (int i = 0; i < nics; i++) {
      NicSpec.Builder n = i < base.getNicsCount() ? base.getNics(i).toBuilder() : NicSpec.newBuilder();
      String mac;
      do {
        mac = freshMac(random);
      } while (!used.add(mac));
      b.addNics(n.setMacAddress(mac).setNetwork(isolatedNetwork));
    }
    return b.build();
  }

  /**
   * A random locally administered unicast MAC address (second-lowest bit of the first octet set, lowest clear).
   *
   * @param random the source
   * @return the address, lowercase hex with colons
   */
  public static String freshMac(RandomGenerator random) {
    byte[] b = new byte[6];
    for (int i = 0; i < 6; i++) {
      b[i] = (byte) random.nextInt(256);
    }
    b[0] = (byte) ((b[0] & 0xfc) | 0x02);
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      if (i > 0) {
        s.append(':');
      }
      s.append(String.format(Locale.ROOT, "%02x", b[i] & 0xff));
    }
    return s.toString();
  }
}
