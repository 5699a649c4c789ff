package io.lifeboat.agent.hypervisor.vmware;

import io.lifeboat.agent.hypervisor.HypervisorException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Translates VI API datastore paths ({@code [datastore1] web/web.vmdk}) to paths on the host's file system
 * ({@code /vmfs/volumes/datastore1/web/web.vmdk}) and back, refusing anything that climbs out of a datastore.
 */
public final class DatastorePaths {
  private static final Pattern DS_PATH = Pattern.compile("\\[([^\\]]{1,128})\\] ?(.*)");
  private final Map<String, String> dirs;

  /**
   * Creates the translation.
   *
   * @param dirs datastore name to its absolute directory on the host, e.g. "datastore1" to "/vmfs/volumes/datastore1"
   */
  public DatastorePaths(Map<String, String> dirs) {
    Map<String, String> copy = new LinkedHashMap<>();
    dirs.forEach((name, dir) -> copy.put(name, dir.endsWith("/") && dir.length() > 1
        ? dir.substring(0, dir.length() - 1) : dir));
    this.dirs = Map.copyOf(copy);
  }

  /** @return datastore name to host directory */
  public Map<String, String> dirs() {
    return dirs;
  }

  /**
   * Host path of a datastore path.
   *
   * @param datastorePath e.g. "[datastore1] web/web.vmdk"
   * @return e.g. "/vmfs/volumes/datastore1/web/web.vmdk"
   * @throws HypervisorException (permanent) for an unknown datastore, a malformed path, or ".." segments
   */
  public String toHostPath(String datastorePath) {
    Matcher m = DS_PATH.matcher(datastorePath);
    if (!m.matches()) {
      throw HypervisorException.permanent("invalid_path", "datastore path \"" + datastorePath
          + "\" is not \"[datastore] folder/file\"");
    }
    String dir = dirs.get(m.group(1));
    if (dir == null) {
      throw HypervisorException.permanent("unknown_datastore", "datastore \"" + m.group(1) + "\" of \""
          + datastorePath + "\" has no host directory configured (known: " + dirs.keySet() + ")");
    }
    String rel = m.group(2);
    checkRelative(datastorePath, rel);
    return rel.isEmpty() ? dir : dir + "/" + rel;
  }

  /**
   * Datastore path of a host path, when it lies in a configured datastore.
   *
   * @param hostPath absolute host path
   * @return the datastore path
   */
  public Optional<String> toDatastorePath(String hostPath) {
    for (Map.Entry<String, String> e : dirs.entrySet()) {
      String prefix = e.getValue() + "/";
      if (hostPath.startsWith(prefix)) {
        String rel = hostPath.substring(prefix.length());
        checkRelative(hostPath, rel);
        return Optional.of("[" + e.getKey() + "] " + rel);
      }
    }
    return Optional.empty();
  }

  private static void checkRelative(String whole, String rel) {
    if (rel.startsWith("/")) {
      throw HypervisorException.permanent("invalid_path", "datastore path \"" + whole + "\" is absolute inside");
    }
    for (String seg : rel.split("/", -1)) {
      if (seg.equals("..")) {
        throw HypervisorException.permanent("invalid_path", "datastore path \"" + whole + "\" climbs out with \"..\"");
      }
    }
    if (rel.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw HypervisorException.permanent("invalid_path", "datastore path has a control character");
    }
  }
}
