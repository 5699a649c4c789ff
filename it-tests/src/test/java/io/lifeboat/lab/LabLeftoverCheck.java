package io.lifeboat.lab;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Network;
import io.lifeboat.lab.internal.LabLabels;
import io.lifeboat.lab.internal.OwnerProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import org.testcontainers.DockerClientFactory;

/**
 * The run's last word: when the JUnit launcher session closes, no lab container or network owned by this JVM may be
 * left. If some are, they are removed and the run fails loudly, naming them. Runs only in JVMs that created a lab.
 */
public final class LabLeftoverCheck implements LauncherSessionListener {
  @Override
  public void launcherSessionClosed(LauncherSession session) {
    if (!Lab.createdInThisJvm()) {
      return;
    }
    DockerClient docker = DockerClientFactory.instance().client();
    String pid = Long.toString(OwnerProcess.current().pid());
    Map<String, String> mine = Map.of(LabLabels.LAB, "true", LabLabels.OWNER_PID, pid);
    List<String> left = new ArrayList<>();
    for (Container c : docker.listContainersCmd().withShowAll(true).withLabelFilter(mine).exec()) {
      left.add("container " + String.join(",", c.getNames()));
      docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
    }
    for (Network n : docker.listNetworksCmd()
        .withFilter("label", List.of(LabLabels.LAB + "=true", LabLabels.OWNER_PID + "=" + pid)).exec()) {
      left.add("network " + n.getName());
      docker.removeNetworkCmd(n.getId()).exec();
    }
    if (!left.isEmpty()) {
      String message = "LAB LEFTOVERS: this test run left " + String.join(", ", left) + " (now removed)";
      System.err.println(message);
      throw new IllegalStateException(message);
    }
  }
}
