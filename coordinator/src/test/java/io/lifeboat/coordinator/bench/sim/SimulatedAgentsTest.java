package io.lifeboat.coordinator.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.Fence;
import io.lifeboat.protocol.v1.Heartbeat;
import io.lifeboat.protocol.v1.ProbePeerHost;

class SimulatedAgentsTest {

    @Test
    void killSilencesOneAgentAndSaysWhenItLastBeat() {
        SimulatedFleet fleet = new SimulatedFleet(3, 0);
        fleet.beat(1, System.nanoTime());
        String reply = SimulatedAgents.control(fleet, "kill host1");
        assertThat(reply).startsWith("killed host1 lastHeartbeatAgoNanos=");
        assertThat(fleet.isKilled(1)).isTrue();
        assertThat(fleet.isKilled(0)).isFalse();
        assertThat(SimulatedAgents.control(fleet, "kill host3")).startsWith("error no simulated agent 'host3'");
        assertThat(SimulatedAgents.control(fleet, "linked")).isEqualTo("linked 0");
        assertThat(SimulatedAgents.control(fleet, "quit")).isNull();
        assertThat(SimulatedAgents.control(fleet, "dance")).startsWith("error unknown control line 'dance'");
    }

    @Test
    void peersReportOnlyAnAgentSilentForLongerThanAnInterval() {
        SimulatedFleet fleet = new SimulatedFleet(3, 0);
        fleet.beat(0, 9_000_000_000L);
        fleet.beat(2, 8_000_000_000L);
        var seen = fleet.silentPeers(9_500_000_000L, 1_000_000_000L);
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0).getVoterId()).isEqualTo("host1");
        assertThat(seen.get(0).getSinceLastHeard().getSeconds()).isEqualTo(9);
        assertThat(seen.get(0).getSinceLastHeard().getNanos()).isEqualTo(500_000_000);
        assertThat(seen.get(1).getVoterId()).isEqualTo("host2");
        assertThat(seen.get(1).getSinceLastHeard().getSeconds()).isEqualTo(1);
    }

    @Test
    void commandIdComesFromThePayloadHeader() {
        Envelope probe = Envelope.newBuilder().setMessageId("m1").setProbePeerHost(ProbePeerHost.newBuilder()
                .setHeader(CommandHeader.newBuilder().setCommandId("c1-probe-1"))).build();
        Envelope fence = Envelope.newBuilder().setMessageId("m2").setFence(Fence.newBuilder()
                .setHeader(CommandHeader.newBuilder().setCommandId("fence-7"))).build();
        Envelope event = Envelope.newBuilder().setMessageId("m3").setHeartbeat(Heartbeat.getDefaultInstance()).build();
        assertThat(SimulatedAgentGroup.commandId(probe)).isEqualTo("c1-probe-1");
        assertThat(SimulatedAgentGroup.commandId(fence)).isEqualTo("fence-7");
        assertThat(SimulatedAgentGroup.commandId(event)).isNull();
        assertThat(SimulatedAgentGroup.commandId(Envelope.getDefaultInstance())).isNull();
    }
}
