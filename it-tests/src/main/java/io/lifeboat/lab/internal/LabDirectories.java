package io.lifeboat.lab.internal;

import io.lifeboat.lab.LabException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the lab keeps what survives a run: the image build cache and each run's keys and known_hosts. */
public final class LabDirectories {
  private LabDirectories() {}

  /** {@code $LIFEBOAT_LAB_CACHE}, else {@code /var/cache/lifeboat-lab} when writable, else {@code ~/.cache/lifeboat-lab}. */
  public static Path cache() {
    String env = System.getenv("LIFEBOAT_LAB_CACHE");
    if (env != null && !env.isBlank()) {
      return ensure(Path.of(env));
    }
    Path system = Path.of("/var/cache/lifeboat-lab");
    try {
      Files.createDirectories(system);
      if (Files.isWritable(system)) {
        return system;
      }
    } catch (IOException e) {
      // fall through to the per-user cache
    }
    return ensure(Path.of(System.getProperty("user.home"), ".cache", "lifeboat-lab"));
  }

  /** The state directory of one run (client key, known_hosts). */
  public static Path run(String runId) {
    return cache().resolve("runs").resolve(runId);
  }

  private static Path ensure(Path dir) {
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new LabException("lab cache " + dir + ": cannot create directory: " + e.getMessage(), e);
    }
  }
}
