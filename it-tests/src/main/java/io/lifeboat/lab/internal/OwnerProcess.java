package io.lifeboat.lab.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/** The JVM that owns a lab run, and whether the owner of a run found by its labels still lives. */
public record OwnerProcess(long pid, long startMillis, String machine) {

  /** This JVM. */
  public static OwnerProcess current() {
    ProcessHandle self = ProcessHandle.current();
    return new OwnerProcess(self.pid(), startMillis(self).orElse(0L), machineName());
  }

  /** True when the run's owner ran on this machine and that process (pid and start instant) is gone. */
  public static boolean isGone(Map<String, String> labels) {
    if (!machineName().equals(labels.get(LabLabels.OWNER_MACHINE))) {
      return false;
    }
    long pid;
    long start;
    try {
      pid = Long.parseLong(labels.getOrDefault(LabLabels.OWNER_PID, ""));
      start = Long.parseLong(labels.getOrDefault(LabLabels.OWNER_START, ""));
    } catch (NumberFormatException e) {
      return true;
    }
    Optional<ProcessHandle> process = ProcessHandle.of(pid);
    if (process.isEmpty() || !process.get().isAlive()) {
      return true;
    }
    return start != 0 && startMillis(process.get()).map(s -> s != start).orElse(false);
  }

  /** Descriptions of QEMU processes on this machine whose cgroup names one of these containers. */
  public static List<String> qemuProcessesIn(Set<String> containerIds) {
    List<String> found = new ArrayList<>();
    if (containerIds.isEmpty()) {
      return found;
    }
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
        try {
          String cmdline = Files.readString(proc.resolve("cmdline"), StandardCharsets.UTF_8).replace('\0', ' ');
          if (!cmdline.contains("qemu-system")) {
            continue;
          }
          String cgroup = Files.readString(proc.resolve("cgroup"), StandardCharsets.UTF_8);
          for (String id : containerIds) {
            if (cgroup.contains(id)) {
              found.add("qemu process " + proc.getFileName() + " in container " + id.substring(0, 12));
            }
          }
        } catch (IOException e) {
          // the process ended while we looked
        }
      }
    } catch (IOException e) {
      found.add("cannot list /proc: " + e.getMessage());
    }
    return found;
  }

  private static Optional<Long> startMillis(ProcessHandle process) {
    return process.info().startInstant().map(Instant::toEpochMilli);
  }

  private static String machineName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
