package io.lifeboat.coordinator.cluster;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.lifeboat.coordinator.config.CoordinatorConfigLoader;

/**
 * A cluster member in its own JVM, for {@link CoordinatorPartitionIT}: starts a {@link ClusteredCoordinator} from the
 * config file in {@code args[0]} with the test timers, and prints {@code ROLE leader|follower epoch=N port=P} on
 * stdout whenever its role, epoch or agent port changes, until it is killed.
 */
public final class ClusterMemberProcess {

    private ClusterMemberProcess() {
    }

    /** Runs the member. */
    public static void main(String[] args) throws Exception {
        ClusteredCoordinator member = ClusteredCoordinator.start(CoordinatorConfigLoader.load(Path.of(args[0])),
                CoordinatorClusterTest.FAST).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        String[] last = {""};
        member.vertx().setPeriodic(50, id -> {
            String role = "ROLE " + (member.isLeader() ? "leader" : "follower") + " epoch=" + member.epoch()
                    + " port=" + member.agentPort();
            if (!role.equals(last[0]) && member.agentPort() > 0) {
                last[0] = role;
                System.out.println(role);
                System.out.flush();
            }
        });
        new CountDownLatch(1).await();
    }
}
