package io.lifeboat.agent.restore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Deletes the disks a {@link RestorePointMaterialiser} wrote for a guest (the standby copy's disks, after a
 * failback), inside the configured guest directories only: files that carry the materialiser's marker and are named
 * {@code <guest id>-<disk index>.raw|.vmdk}, plus any disk path the caller names that lies inside a guest directory.
 * Never a restore point, never a file outside the guest directories, never a drill's files. Blocking.
 */
public final class MaterialisedDiskCleaner {
  private static final int MAX_DEPTH = 4;

  private final List<Path> guestDirs;

  /**
   * Creates the cleaner.
   *
   * @param guestDirs absolute directories under which materialised disks may be deleted
   */
  public MaterialisedDiskCleaner(List<Path> guestDirs) {
    this.guestDirs = guestDirs.stream().map(p -> p.toAbsolutePath().normalize()).toList();
  }

  /**
   * Deletes a guest's materialised disks and their markers.
   *
   * @param guestId the guest id
   * @param diskPaths disk paths of the guest as the hypervisor had them (deleted only inside a guest directory)
   * @return the files deleted
   * @throws IOException when a file cannot be deleted
   */
  public List<Path> delete(String guestId, Collection<String> diskPaths) throws IOException {
    Pattern mine = Pattern.compile("\\." + Pattern.quote(guestId) + "-[0-9]+\\.(raw|vmdk)\\.lifeboat\\.json");
    Set<Path> targets = new LinkedHashSet<>();
    for (String p : diskPaths) {
      Path path = Path.of(p).toAbsolutePath().normalize();
      if (inside(path)) {
        targets.add(path);
      }
    }
    for (Path g : guestDirs) {
      if (!Files.isDirectory(g, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      try (Stream<Path> s = Files.walk(g, MAX_DEPTH)) {
        s.filter(f -> !g.relativize(f).toString().startsWith(".drills"))
            .filter(f -> mine.matcher(f.getFileName().toString()).matches()).forEach(marker -> {
              String n = marker.getFileName().toString();
              targets.add(marker.resolveSibling(n.substring(1, n.length() - ".lifeboat.json".length())));
            });
      }
    }
    List<Path> deleted = new ArrayList<>();
    for (Path t : targets) {
      if (t.getParent() == null || !Files.isDirectory(t.getParent()) || !inside(t.getParent().toRealPath())) {
        continue;
      }
      Path marker = t.resolveSibling("." + t.getFileName() + ".lifeboat.json");
      if (Files.deleteIfExists(t)) {
        deleted.add(t);
      }
      if (Files.deleteIfExists(marker)) {
        deleted.add(marker);
      }
    }
    return deleted;
  }

  private boolean inside(Path path) {
    for (Path g : guestDirs) {
      if (path.startsWith(g) && !path.equals(g) && !g.relativize(path).toString().startsWith(".drills")) {
        return true;
      }
      try {
        Path real = g.toRealPath();
        if (path.startsWith(real) && !path.equals(real) && !real.relativize(path).toString().startsWith(".drills")) {
          return true;
        }
      } catch (IOException e) {
        // A guest directory that does not exist holds nothing to delete.
      }
    }
    return false;
  }
}
