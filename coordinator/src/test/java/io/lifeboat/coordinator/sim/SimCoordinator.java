package io.lifeboat.coordinator.sim;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.google.protobuf.InvalidProtocolBufferException;

import io.lifeboat.coordinator.compat.CompatibilityEngine;
import io.lifeboat.coordinator.failover.Decision;
import io.lifeboat.coordinator.failover.FailoverPlanner;
import io.lifeboat.coordinator.failover.OutboundCommand;
import io.lifeboat.coordinator.failover.PlannerInput;
import io.lifeboat.coordinator.health.HealthAssessment;
import io.lifeboat.coordinator.health.HeartbeatTracker;
import io.lifeboat.coordinator.health.HostState;
import io.lifeboat.coordinator.health.HostTransition;
import io.lifeboat.coordinator.health.LeaseTable;
import io.lifeboat.coordinator.health.LeaseTimers;
import io.lifeboat.coordinator.health.ProbeRequest;
import io.lifeboat.coordinator.health.VoterPlacement;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.EpochStarted;
import io.lifeboat.protocol.v1.HostHealth;
import io.lifeboat.protocol.v1.HostStateChanged;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.LeaseGrant;
import io.lifeboat.protocol.v1.ProbePeerHost;

/**
 * The coordinator wired from the real decision classes (lease table, heartbeat tracker, failover planner, state
 * replayed from its journal) to the simulated network: journal first, then send (I4); restart = replay + new epoch.
 */
final class SimCoordinator {

    private static final long MS = 1_000_000L;
    static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");

    final String nodeId;
    private final List<String> hostIds;
    private final VoterPlacement placement;
    private final SimScheduler scheduler;
    private final SimNetwork network;
    private final LeaseTimers timers;
    private final FailoverPlanner planner;

    /** The durable journal: serialized records, survives restarts. */
    private final List<byte[]> journal = new ArrayList<>();
    private final java.util.Set<String> journaledCommandIds = new java.util.HashSet<>();
    private CoordinatorState state;
    private HeartbeatTracker tracker;
    private LeaseTable leases;
    private final Map<String, String> probeTargets = new HashMap<>();
    private long generation;
    private long probes;
    private long sequence;
    private boolean up;

    SimCoordinator(String nodeId, List<String> hostIds, VoterPlacement placement, SimScheduler scheduler,
                   SimNetwork network, LeaseTimers timers) {
        this.nodeId = nodeId;
        this.hostIds = hostIds;
        this.placement = placement;
        this.scheduler = scheduler;
        this.network = network;
        this.timers = timers;
        this.planner = new FailoverPlanner(nodeId, new CompatibilityEngine(), new FailoverPlanner.Settings(
                java.time.Duration.ofSeconds(20), java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(20),
                java.time.Duration.ofSeconds(2), 3));
        network.attach(nodeId, this::receive);
    }

    /** Seeds the journal before the first start (the site's configuration and protection). */
    void seed(List<JournalRecord> records) {
        records.forEach(r -> journal.add(r.toByteArray()));
    }

    /** Whether the durable journal holds the command with this id (I4: journaled before it was sent). */
    boolean journalHasCommand(String commandId) {
        return journaledCommandIds.contains(commandId);
    }

    CoordinatorState replayed() {
        CoordinatorState s = new CoordinatorState();
        journal.forEach(b -> s.apply(parse(b)));
        return s;
    }

    private static JournalRecord parse(byte[] bytes) {
        try {
            return JournalRecord.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("journal record unreadable", e);
        }
    }

    void start() {
        generation++;
        up = true;
        network.setDown(nodeId, false);
        state = replayed();
        long now = scheduler.nowNanos();
        tracker = new HeartbeatTracker(nodeId, now, timers.peerReportFreshNanos());
        leases = new LeaseTable(timers, placement, tracker);
        for (String h : hostIds) {
            leases.registerHost(h, true);
        }
        for (byte[] b : journal) {
            JournalRecord r = parse(b);
            if (r.hasHostStateChanged()) {
                HostStateChanged c = r.getHostStateChanged();
                leases.apply(new HostTransition(c.getHostId(), HostState.valueOf(c.getFrom().name().substring(12)),
                        HostState.valueOf(c.getTo().name().substring(12)), Long.MIN_VALUE, 0, List.of(),
                        c.getFailoverArmed(), c.getReason()));
            }
        }
        journal(List.of(JournalRecord.newBuilder().setEpochStarted(EpochStarted.newBuilder()
                .setEpoch(state.epoch() + 1).setNodeId(nodeId)).build()));
        act(planner.plan(state, new PlannerInput.Resumed(wall())));
        long gen = generation;
        scheduler.schedule(100 * MS, () -> tick(gen, 0));
    }

    void crash() {
        generation++;
        up = false;
        network.setDown(nodeId, true);
    }

    long epoch() {
        return state == null ? 0 : state.epoch();
    }

    private Instant wall() {
        return T0.plusNanos(scheduler.nowNanos());
    }

    private void journal(List<JournalRecord> records) {
        for (JournalRecord r : records) {
            journal.add(r.toByteArray());
            if (r.hasRecoveryStepChanged() && r.getRecoveryStepChanged().hasCommand()) {
                journaledCommandIds.add(SimWorld.commandId(r.getRecoveryStepChanged().getCommand()));
            }
            state.apply(r);
        }
    }

    private void act(Decision decision) {
        journal(decision.records());
        for (OutboundCommand c : decision.commands()) {
            network.send(nodeId, c.hostId(), c.envelope());
        }
    }

    private void tick(long gen, long count) {
        if (gen != generation || !up) {
            return;
        }
        long now = scheduler.nowNanos();
        HealthAssessment a = leases.evaluate(now);
        for (HostTransition t : a.transitions()) {
            journal(List.of(JournalRecord.newBuilder().setHostStateChanged(HostStateChanged.newBuilder()
                    .setHostId(t.hostId()).setFrom(HostHealth.valueOf("HOST_HEALTH_" + t.from().name()))
                    .setTo(HostHealth.valueOf("HOST_HEALTH_" + t.to().name())).setFailoverArmed(t.failoverArmed())
                    .setReason(t.reason()).addAllAgreeingVoterIds(t.agreeingVoterIds())).build()));
            leases.apply(t);
        }
        for (ProbeRequest p : a.probes()) {
            String commandId = "probe-" + nodeId + "-" + state.epoch() + "-" + (++probes);
            probeTargets.put(commandId, p.hostId());
            network.send(nodeId, p.proberHostId(), Envelope.newBuilder().setMessageId(commandId).setSender(nodeId)
                    .setEpoch(state.epoch()).setProbePeerHost(ProbePeerHost.newBuilder().setHeader(CommandHeader
                            .newBuilder().setCommandId(commandId).setEpoch(state.epoch()))
                            .setPeerHostId(p.hostId())).build());
        }
        leases.probesSent(a.probes(), now);
        for (String host : a.recoveryDueHostIds()) {
            act(planner.plan(state, new PlannerInput.RecoveryDue(host, wall())));
        }
        if (count % 10 == 0) {
            act(planner.plan(state, new PlannerInput.Tick(wall())));
        }
        scheduler.schedule(100 * MS, () -> tick(gen, count + 1));
    }

    private void receive(Envelope e) {
        if (!up) {
            return;
        }
        long now = scheduler.nowNanos();
        switch (e.getPayloadCase()) {
            case LEASE_RENEW -> {
                tracker.onHeartbeat(e.getSender(), now, Map.of());
                network.send(nodeId, e.getSender(), Envelope.newBuilder().setMessageId(nodeId + "-" + (++sequence))
                        .setSender(nodeId).setEpoch(state.epoch()).setInReplyTo(e.getMessageId())
                        .setLeaseGrant(LeaseGrant.newBuilder().setHostId(e.getSender()).setVoterId(nodeId)
                                .setRenewalNumber(e.getLeaseRenew().getRenewalNumber())).build());
            }
            case HEARTBEAT -> {
                Map<String, Long> peers = new HashMap<>();
                e.getHeartbeat().getPeersList().forEach(p -> peers.put(p.getVoterId(),
                        p.getSinceLastHeard().getSeconds() * 1_000_000_000L + p.getSinceLastHeard().getNanos()));
                tracker.onHeartbeat(e.getSender(), now, peers);
            }
            case COMMAND_RESULT -> {
                tracker.onHeartbeat(e.getSender(), now, Map.of());
                if (e.getCommandResult().hasProbe()) {
                    var probe = e.getCommandResult().getProbe();
                    if (probeTargets.containsKey(e.getCommandResult().getCommandId())) {
                        leases.onProbeResult(probe.getPeerHostId(), now, probe.getHypervisorApiAnswered(),
                                probe.getSshAnswered());
                    }
                } else {
                    act(planner.plan(state, new PlannerInput.CommandFinished(e.getCommandResult(), wall())));
                }
            }
            default -> tracker.onHeartbeat(e.getSender(), now, Map.of());
        }
    }
}
