package io.lifeboat.coordinator.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.lifeboat.coordinator.compat.CompatibilityEngine;
import io.lifeboat.coordinator.failover.FailoverPlanner;
import io.lifeboat.coordinator.health.HostState;
import io.lifeboat.coordinator.health.LeaseTimers;
import io.lifeboat.coordinator.health.VoterPlacement;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.Heartbeat;
import io.lifeboat.protocol.v1.PeerObservation;
import io.lifeboat.protocol.v1.ProbeResult;

/**
 * In a cluster of three coordinators every coordinator is a voter: the leader declares a host lost only when a
 * majority of all five voters is silent on it, counting the followers' silence reports (an agent that still hears
 * the followers keeps its lease, so counting only the leader could start a second copy).
 */
class CoordinatorVotesTest {

    private static final long S = 1_000_000_000L;
    private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");

    private static CoordinatorCore leader() {
        CoordinatorCore core = new CoordinatorCore("c1", LeaseTimers.defaults(), new VoterPlacement(Map.of(
                "hostA", "boxA", "hostB", "boxB", "c1", "nas", "c2", "pi", "c3", "office-pc")),
                Set.of("hostA", "hostB"),
                new FailoverPlanner("c1", new CompatibilityEngine(), FailoverPlanner.Settings.defaults()),
                new CoordinatorState(), 0);
        core.configure(List.of(), List.of(), List.of(new HostEndpoints("hostA", Optional.of("10.0.0.2:7402"),
                Optional.of("qemu+tcp://10.0.0.2/system"), Optional.of("10.0.0.2:22"))));
        core.start(T0);
        return core;
    }

    /** Runs 20 s in which hostA is silent to the leader and hostB, whose probes of it fail; c2 reports as told. */
    private static HostState run(CoordinatorCore core, boolean c2HearsHostA) {
        for (long now = 0; now <= 20 * S; now += S / 10) {
            if (now % S == 0) {
                core.onEnvelope("hostB", Envelope.newBuilder().setSender("hostB").setMessageId("b-" + now)
                        .setHeartbeat(Heartbeat.newBuilder().setHostId("hostB").addPeers(PeerObservation.newBuilder()
                                .setVoterId("hostA").setSinceLastHeard(com.google.protobuf.Duration.newBuilder()
                                        .setSeconds(now / S)))).build(), now, T0);
                core.onCoordinatorReport("c2", c2HearsHostA ? Map.of() : Map.of("hostA", now), now);
                // A host cannot pose as a coordinator, nor the leader report to itself.
                core.onCoordinatorReport("hostB", Map.of("hostA", now), now);
                core.onCoordinatorReport("c1", Map.of("hostA", now), now);
            }
            for (var reply : core.tick(now, T0.plusNanos(now)).replies()) {
                core.onEnvelope("hostB", Envelope.newBuilder().setSender("hostB").setMessageId("p-" + now)
                        .setCommandResult(CommandResult.newBuilder().setCommandId(reply.envelope().getProbePeerHost()
                                .getHeader().getCommandId()).setProbe(ProbeResult.newBuilder()
                                .setPeerHostId("hostA"))).build(), now, T0.plusNanos(now));
            }
        }
        return core.leases().state("hostA");
    }

    @Test
    void aFollowerThatStillHearsTheHostKeepsItFromBeingDeclaredLost() {
        assertThat(run(leader(), true)).as("hostB and c1 are 2 of 5 voters").isNotEqualTo(HostState.LOST);
    }

    @Test
    void aFollowerThatIsSilentOnTheHostToo() {
        assertThat(run(leader(), false)).as("hostB, c1 and c2 are 3 of 5 voters").isEqualTo(HostState.LOST);
    }
}
