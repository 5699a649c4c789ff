package io.lifeboat.agent.fence;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;

/**
 * The host's fence process, {@code lifeboat-fence.sh} (POSIX sh, no JVM needed): installs it, writes its list of
 * protected guests, and builds its command lines. The agent feeds it through {@link LeaseFileWriter}; an agentless
 * proxy feeds it over SSH with {@code renew-stdin}.
 */
public final class FenceScript {
  /** Name of the script file. */
  public static final String FILE_NAME = "lifeboat-fence.sh";

  /** How the fence process stops a guest. */
  public enum Kind {
    /** {@code virsh destroy --domain GUEST}; guests are libvirt domain names or UUIDs. */
    LIBVIRT,
    /** {@code vmrun stop GUEST hard}; guests are .vmx paths (VMware Server / Workstation). */
    VMRUN;

    /** @return the script's name for the kind */
    public String scriptName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private FenceScript() {}

  /** @return the script's text */
  public static String text() {
    try (InputStream in = FenceScript.class.getResourceAsStream(FILE_NAME)) {
      if (in == null) {
        throw new IllegalStateException(FILE_NAME + " missing from the agent's classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + FILE_NAME + " from the agent's classpath", e);
    }
  }

  /**
   * Writes the script into a directory, executable.
   *
   * @param dir the directory
   * @return the script's path
   * @throws IOException when it cannot be written
   */
  public static Path install(Path dir) throws IOException {
    Path script = dir.resolve(FILE_NAME);
    AtomicFiles.write(script, text().getBytes(StandardCharsets.UTF_8));
    try {
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
    } catch (UnsupportedOperationException ignored) {
      // Non-POSIX filesystem: the script is run as "sh lifeboat-fence.sh" anyway.
    }
    return script;
  }

  /**
   * Writes the guests the fence process stops, one per line, refusing names that would break the line format.
   *
   * @param guestsFile the file
   * @param guests libvirt domain names or UUIDs, or .vmx paths
   * @throws IOException when it cannot be written
   * @throws IllegalArgumentException for an empty name or one with a line break or other control character
   */
  public static void writeGuests(Path guestsFile, List<String> guests) throws IOException {
    StringBuilder out = new StringBuilder("# protected guests, stopped by lifeboat-fence.sh when the lease expires\n");
    for (String g : guests) {
      if (g.isEmpty() || g.startsWith("#") || g.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
        throw new IllegalArgumentException("guest \"" + g.replaceAll("\\p{Cntrl}", "?")
            + "\" cannot be listed for the fence process (empty, '#'-prefixed or control characters)");
      }
      out.append(g).append('\n');
    }
    AtomicFiles.write(guestsFile, out.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The command line of the watch loop.
   *
   * @param script the installed script
   * @param leaseFile the lease file
   * @param guestsFile the guests file
   * @param kind how guests are stopped
   * @param intervalSeconds poll interval, e.g. "0.2"
   * @return the argv
   */
  public static List<String> watchCommand(Path script, Path leaseFile, Path guestsFile, Kind kind,
      String intervalSeconds) {
    return List.of("/bin/sh", script.toString(), "watch", leaseFile.toString(), guestsFile.toString(),
        kind.scriptName(), intervalSeconds);
  }

  /**
   * Starts the watch loop as a separate process, which outlives a hung agent (and a dead one).
   *
   * @param script the installed script
   * @param leaseFile the lease file
   * @param guestsFile the guests file
   * @param kind how guests are stopped
   * @param log where the process's messages go
   * @return the process
   * @throws IOException when it cannot be started
   */
  public static Process startWatch(Path script, Path leaseFile, Path guestsFile, Kind kind, Path log)
      throws IOException {
    return new ProcessBuilder(watchCommand(script, leaseFile, guestsFile, kind, "0.2"))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
  }
}
