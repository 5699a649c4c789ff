package io.lifeboat.lab;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import io.lifeboat.lab.internal.LabLabels;
import io.lifeboat.lab.internal.OwnerProcess;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

/** Runs of JVMs that died (no ryuk here) are swept at the next start; live runs and other machines' runs stay. */
class LabSweepIT {
  @Test
  void sweepRemovesRunsOfDeadOwnersOnlyOnThisMachine() throws Exception {
    Lab.requireTestcontainersSettings();
    DockerClient docker = DockerClientFactory.instance().client();
    Process finished = new ProcessBuilder("true").start();
    finished.waitFor();
    OwnerProcess me = OwnerProcess.current();
    String dead = network(docker, "lab-test-sweep-dead", finished.pid(), me.startMillis(), me.machine());
    String live = network(docker, "lab-test-sweep-live", me.pid(), me.startMillis(), me.machine());
    String elsewhere = network(docker, "lab-test-sweep-elsewhere", finished.pid(), 1, "another-machine");
    try {
      List<String> swept = Lab.sweep(docker, false);

      assertThat(swept).contains("lab-test-sweep-dead").doesNotContain("lab-test-sweep-live",
          "lab-test-sweep-elsewhere");
      assertThat(exists(docker, dead)).isFalse();
      assertThat(exists(docker, live)).isTrue();
      assertThat(exists(docker, elsewhere)).isTrue();
    } finally {
      for (String id : List.of(dead, live, elsewhere)) {
        if (exists(docker, id)) {
          docker.removeNetworkCmd(id).exec();
        }
      }
    }
  }

  private static String network(DockerClient docker, String runId, long pid, long start, String machine) {
    Map<String, String> labels = LabLabels.forRun(runId, Lab.Mode.TEST.label(), pid, start, machine);
    return docker.createNetworkCmd().withName("lifeboat-" + runId).withLabels(labels).exec().getId();
  }

  private static boolean exists(DockerClient docker, String networkId) {
    return docker.listNetworksCmd().withIdFilter(networkId).exec().stream().anyMatch(n -> n.getId().equals(networkId));
  }
}
