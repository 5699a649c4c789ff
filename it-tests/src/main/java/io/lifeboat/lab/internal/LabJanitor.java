package io.lifeboat.lab.internal;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Network;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes lab runs and checks that nothing of them is left: what Ryuk would do, which cannot run here. Works from
 * Docker labels only, so any process can clean up after any other.
 */
public final class LabJanitor {
  private static final Logger LOG = LoggerFactory.getLogger(LabJanitor.class);
  private static final Duration ORPHAN_STATE_AGE = Duration.ofHours(1);

  private LabJanitor() {}

  /**
   * Removes stale lab runs: those of test JVMs on this machine that no longer run and, when {@code replaceCli}, the
   * CLI lab; also state directories of runs with nothing left that are older than an hour. Returns the run ids
   * removed.
   */
  public static List<String> sweep(DockerClient docker, boolean replaceCli) {
    Map<String, Map<String, String>> runs = new LinkedHashMap<>();
    for (Container c : docker.listContainersCmd().withShowAll(true)
        .withLabelFilter(Map.of(LabLabels.LAB, "true")).exec()) {
      runs.putIfAbsent(c.getLabels().get(LabLabels.RUN), c.getLabels());
    }
    for (Network n : docker.listNetworksCmd().withFilter("label", List.of(LabLabels.LAB + "=true")).exec()) {
      runs.putIfAbsent(n.getLabels().get(LabLabels.RUN), n.getLabels());
    }
    List<String> swept = new ArrayList<>();
    runs.forEach((runId, labels) -> {
      if (runId == null) {
        return;
      }
      boolean cli = LabLabels.MODE_CLI.equals(labels.get(LabLabels.MODE));
      if (cli ? replaceCli : OwnerProcess.isGone(labels)) {
        LOG.info("sweeping {} lab run {}", cli ? "the previous CLI" : "stale", runId);
        removeRun(docker, runId);
        swept.add(runId);
      }
    });
    deleteOrphanStateDirs(runs.keySet());
    return swept;
  }

  /** Removes a run's containers (force), networks and state directory; returns the ids of the removed containers. */
  public static Set<String> removeRun(DockerClient docker, String runId) {
    Set<String> containerIds = new TreeSet<>();
    for (Container c : runContainers(docker, runId)) {
      containerIds.add(c.getId());
      try {
        docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
      } catch (NotFoundException e) {
        // already gone
      }
    }
    for (Network n : runNetworks(docker, runId)) {
      try {
        docker.removeNetworkCmd(n.getId()).exec();
      } catch (NotFoundException e) {
        // already gone
      }
    }
    deleteTree(LabDirectories.run(runId));
    return containerIds;
  }

  /** What of a run still exists: containers, networks, and QEMU processes inside the given containers. */
  public static List<String> leftovers(DockerClient docker, String runId, Set<String> containerIds) {
    List<String> left = new ArrayList<>();
    for (Container c : runContainers(docker, runId)) {
      left.add("container " + String.join(",", c.getNames()) + " (" + c.getState() + ")");
    }
    for (Network n : runNetworks(docker, runId)) {
      left.add("network " + n.getName());
    }
    left.addAll(OwnerProcess.qemuProcessesIn(containerIds));
    return left;
  }

  /** The run's containers, running or not. */
  public static List<Container> runContainers(DockerClient docker, String runId) {
    return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(LabLabels.RUN, runId)).exec();
  }

  /** The run's networks. */
  public static List<Network> runNetworks(DockerClient docker, String runId) {
    return docker.listNetworksCmd().withFilter("label", List.of(LabLabels.RUN + "=" + runId)).exec();
  }

  private static void deleteOrphanStateDirs(Set<String> liveRuns) {
    Path runs = LabDirectories.cache().resolve("runs");
    if (!Files.isDirectory(runs)) {
      return;
    }
    try (Stream<Path> dirs = Files.list(runs)) {
      for (Path dir : dirs.toList()) {
        if (!liveRuns.contains(dir.getFileName().toString())
            && Files.getLastModifiedTime(dir).toInstant().isBefore(Instant.now().minus(ORPHAN_STATE_AGE))) {
          deleteTree(dir);
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot list lab state {}: {}", runs, e.getMessage());
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      LOG.warn("cannot delete lab state {}: {}", dir, e.getMessage());
    }
  }
}
