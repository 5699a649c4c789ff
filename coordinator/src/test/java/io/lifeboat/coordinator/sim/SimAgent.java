package io.lifeboat.coordinator.sim;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.google.protobuf.Duration;

import io.lifeboat.coordinator.health.LeaseTimers;
import io.lifeboat.coordinator.health.VoterPlacement;
import io.lifeboat.protocol.v1.BootResult;
import io.lifeboat.protocol.v1.CommandAck;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandRefusal;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.Heartbeat;
import io.lifeboat.protocol.v1.LeaseGrant;
import io.lifeboat.protocol.v1.LeaseRenew;
import io.lifeboat.protocol.v1.MaterialiseResult;
import io.lifeboat.protocol.v1.PeerObservation;
import io.lifeboat.protocol.v1.ProbeResult;
import io.lifeboat.protocol.v1.RegisterResult;

/**
 * An agent as DESIGN.md describes it: renews its lease with every voter each second, counts a lease from when it
 * SENT the renewal, hard-stops its guests when it lacks a majority at the fence deadline (its fence process does so
 * even while the agent process is down), persists the highest epoch it has seen and refuses older commands.
 */
final class SimAgent {

    private static final long MS = 1_000_000L;

    final String hostId;
    private final List<String> otherVoters;
    private final String coordinatorId;
    private final SimScheduler scheduler;
    private final SimNetwork network;
    private final SimWorld world;
    private final LeaseTimers timers;
    private final SimOptions options;

    // Persisted by the agent (survive an agent restart).
    private long highestEpochSeen;
    private long incarnation;
    private final Map<String, CommandResult> executed = new HashMap<>();
    // Kept by the fence process (survive an agent restart, not a host kill).
    private final Map<String, Long> grantSentNanos = new HashMap<>();
    // The agent process's memory.
    private final Map<String, Long> renewalSentNanos = new HashMap<>();
    private final Map<String, Long> lastHeardNanos = new HashMap<>();
    private long sequence;
    private long generation;
    private boolean processUp;
    private boolean fenced;

    SimAgent(String hostId, List<String> otherVoters, String coordinatorId, SimScheduler scheduler,
             SimNetwork network, SimWorld world, LeaseTimers timers, SimOptions options) {
        this.hostId = hostId;
        this.otherVoters = otherVoters;
        this.coordinatorId = coordinatorId;
        this.scheduler = scheduler;
        this.network = network;
        this.world = world;
        this.timers = timers;
        this.options = options;
        network.attach(hostId, this::receive);
    }

    /** Boots the host (and its fence process) holding a lease granted at boot, as at the start of a run. */
    void bootWithLease() {
        for (String v : otherVoters) {
            grantSentNanos.put(v, scheduler.nowNanos());
        }
        startWatchdog();
        startProcess();
    }

    /** Boots a host that was off: no lease until renewals are granted, no guests started on its own. */
    void bootHost() {
        grantSentNanos.clear();
        fenced = false;
        startWatchdog();
        startProcess();
    }

    void startProcess() {
        generation++;
        incarnation++;
        processUp = true;
        renewalSentNanos.clear();
        lastHeardNanos.clear();
        network.setDown(hostId, false);
        long gen = generation;
        scheduler.schedule(0, () -> renewLoop(gen));
    }

    void stopProcess() {
        generation++;
        processUp = false;
        network.setDown(hostId, true);
    }

    /** The host dies: agent, fence process and every guest on it. */
    void killHost() {
        stopProcess();
        watchdogGeneration++;
        world.host(hostId).powerOff();
    }

    private long watchdogGeneration;

    private void startWatchdog() {
        watchdogGeneration++;
        long gen = watchdogGeneration;
        scheduler.schedule(0, () -> watchdog(gen));
    }

    private void watchdog(long gen) {
        if (gen != watchdogGeneration) {
            return;
        }
        if (!hasLease() && options.selfFencing() && !world.host(hostId).running().isEmpty()) {
            world.host(hostId).stopAll();
            fenced = true;
        }
        scheduler.schedule(100 * MS, () -> watchdog(gen));
    }

    boolean hasLease() {
        long now = scheduler.nowNanos();
        int votes = 1;
        for (String v : otherVoters) {
            Long sent = grantSentNanos.get(v);
            if (sent != null && now - sent < timers.fenceDeadlineNanos()) {
                votes++;
            }
        }
        return votes >= VoterPlacement.majority(otherVoters.size() + 1);
    }

    private void renewLoop(long gen) {
        if (gen != generation || !processUp) {
            return;
        }
        long now = scheduler.nowNanos();
        if (hasLease()) {
            fenced = false;
        }
        for (String voter : otherVoters) {
            Envelope renew = envelope().setLeaseRenew(LeaseRenew.newBuilder().setHostId(hostId)
                    .setRenewalNumber(sequence).addAllRunningGuestIds(world.host(hostId).running())).build();
            renewalSentNanos.put(renew.getMessageId(), now);
            network.send(hostId, voter, renew);
        }
        Heartbeat.Builder hb = Heartbeat.newBuilder().setHostId(hostId).setFenced(fenced)
                .addAllRunningGuestIds(world.host(hostId).running());
        for (String voter : otherVoters) {
            long since = now - lastHeardNanos.getOrDefault(voter, world.host(hostId).bootedAtNanos());
            if (since > 2 * timers.heartbeatIntervalNanos()) {
                // As a real agent: only the voters silent for over two intervals; leaving one out says it was heard.
                hb.addPeers(PeerObservation.newBuilder().setVoterId(voter).setSinceLastHeard(duration(since)));
            }
        }
        network.send(hostId, coordinatorId, envelope().setHeartbeat(hb).build());
        scheduler.schedule(timers.heartbeatIntervalNanos(), () -> renewLoop(gen));
    }

    private Envelope.Builder envelope() {
        sequence++;
        return Envelope.newBuilder().setMessageId(hostId + "-" + incarnation + "-" + sequence).setSender(hostId)
                .setEpoch(highestEpochSeen).setIncarnation(incarnation).setSequence(sequence);
    }

    private void receive(Envelope e) {
        if (!processUp) {
            return;
        }
        long now = scheduler.nowNanos();
        lastHeardNanos.put(e.getSender(), now);
        boolean fromCoordinator = e.getSender().equals(coordinatorId);
        switch (e.getPayloadCase()) {
            case LEASE_RENEW -> network.send(hostId, e.getSender(), envelope().setInReplyTo(e.getMessageId())
                    .setLeaseGrant(LeaseGrant.newBuilder().setHostId(e.getSender()).setVoterId(hostId)
                            .setRenewalNumber(e.getLeaseRenew().getRenewalNumber())).build());
            case LEASE_GRANT -> {
                Long sent = renewalSentNanos.get(e.getInReplyTo());
                if (sent != null) {
                    grantSentNanos.merge(e.getLeaseGrant().getVoterId(), sent, Math::max);
                }
                if (fromCoordinator) {
                    highestEpochSeen = Math.max(highestEpochSeen, e.getEpoch());
                }
            }
            case MATERIALISE_RESTORE_POINT, REGISTER_GUEST, START_GUEST, PROBE_PEER_HOST -> command(e);
            default -> {
                // Nothing else reaches an agent in the simulation.
            }
        }
        if (fromCoordinator) {
            world.shown(hostId, e);
        }
    }

    private void command(Envelope e) {
        String commandId = SimWorld.commandId(e);
        if (options.epochCheck() && e.getEpoch() < highestEpochSeen) {
            ack(e, commandId, CommandRefusal.COMMAND_REFUSAL_STALE_EPOCH);
            return;
        }
        highestEpochSeen = Math.max(highestEpochSeen, e.getEpoch());
        CommandResult done = executed.get(commandId);
        if (done != null) {
            if (done.getOutcome() != CommandOutcome.COMMAND_OUTCOME_UNSPECIFIED) {
                network.send(hostId, coordinatorId, envelope().setCommandResult(done).build());
            }
            return;
        }
        if (!hasLease()) {
            ack(e, commandId, CommandRefusal.COMMAND_REFUSAL_FENCED);
            return;
        }
        world.commandExecuted(hostId, e);
        executed.put(commandId, CommandResult.newBuilder().setCommandId(commandId).build());
        CommandResult.Builder result = CommandResult.newBuilder().setCommandId(commandId)
                .setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
        long took;
        switch (e.getPayloadCase()) {
            case MATERIALISE_RESTORE_POINT -> {
                took = 2000 * MS;
                result.setMaterialise(MaterialiseResult.newBuilder().setBytesWritten(1 << 30).addDisks(DiskSpec
                        .newBuilder().setPath(e.getMaterialiseRestorePoint().getDestinationDir() + "/disk0.qcow2")));
            }
            case REGISTER_GUEST -> {
                took = 300 * MS;
                world.host(hostId).register(e.getRegisterGuest().getSpec().getGuestId());
                result.setRegister(RegisterResult.newBuilder().setHypervisorUuid("uuid-" + commandId));
            }
            case START_GUEST -> {
                took = 3000 * MS;
                world.host(hostId).start(e.getStartGuest().getGuestId());
                result.setBoot(BootResult.newBuilder().setBootVerified(true));
            }
            default -> {
                took = 500 * MS;
                String peer = e.getProbePeerHost().getPeerHostId();
                boolean reached = world.host(peer).alive() && network.linkUp(hostId, peer);
                result.setProbe(ProbeResult.newBuilder().setPeerHostId(peer).setHypervisorApiAnswered(reached)
                        .setSshAnswered(reached));
            }
        }
        long gen = generation;
        scheduler.schedule(took, () -> {
            if (gen == generation && processUp) {
                CommandResult r = result.build();
                executed.put(commandId, r);
                network.send(hostId, coordinatorId, envelope().setCommandResult(r).build());
            }
        });
    }

    private void ack(Envelope e, String commandId, CommandRefusal refusal) {
        network.send(hostId, coordinatorId, envelope().setCommandAck(CommandAck.newBuilder()
                .setCommandId(commandId).setAccepted(false).setRefusal(refusal)
                .setHighestEpochSeen(highestEpochSeen)).build());
    }

    private static Duration duration(long nanos) {
        return Duration.newBuilder().setSeconds(nanos / 1_000_000_000L).setNanos((int) (nanos % 1_000_000_000L))
                .build();
    }
}
