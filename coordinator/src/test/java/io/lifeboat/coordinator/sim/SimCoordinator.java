package io.lifeboat.coordinator.sim;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.google.protobuf.InvalidProtocolBufferException;

import io.lifeboat.coordinator.compat.CompatibilityEngine;
import io.lifeboat.coordinator.core.CoordinatorCore;
import io.lifeboat.coordinator.core.CoreOutput;
import io.lifeboat.coordinator.failover.FailoverPlanner;
import io.lifeboat.coordinator.failover.OutboundCommand;
import io.lifeboat.coordinator.health.LeaseTimers;
import io.lifeboat.coordinator.health.VoterPlacement;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.JournalRecord;

/**
 * The production {@link CoordinatorCore} on the simulated network, with a journal that survives its crashes:
 * journal first, then send (I4); restart = replay + new epoch.
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
    private final Set<String> journaledCommandIds = new HashSet<>();
    private CoordinatorCore core;
    private long generation;
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
        for (byte[] b : journal) {
            try {
                s.apply(JournalRecord.parseFrom(b));
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("journal record unreadable", e);
            }
        }
        return s;
    }

    void start() {
        generation++;
        up = true;
        network.setDown(nodeId, false);
        core = new CoordinatorCore(nodeId, timers, placement, Set.copyOf(hostIds), planner, replayed(),
                scheduler.nowNanos());
        handle(core.start(wall()));
        long gen = generation;
        scheduler.schedule(100 * MS, () -> tick(gen));
    }

    void crash() {
        generation++;
        up = false;
        network.setDown(nodeId, true);
    }

    long epoch() {
        return core == null ? 0 : core.epoch();
    }

    private Instant wall() {
        return T0.plusNanos(scheduler.nowNanos());
    }

    private void handle(CoreOutput out) {
        for (JournalRecord r : out.records()) {
            journal.add(r.toByteArray());
            if (r.hasRecoveryStepChanged() && r.getRecoveryStepChanged().hasCommand()) {
                journaledCommandIds.add(SimWorld.commandId(r.getRecoveryStepChanged().getCommand()));
            }
        }
        for (OutboundCommand c : out.replies()) {
            network.send(nodeId, c.hostId(), c.envelope());
        }
        for (OutboundCommand c : out.commands()) {
            network.send(nodeId, c.hostId(), c.envelope());
        }
    }

    private void tick(long gen) {
        if (gen != generation || !up) {
            return;
        }
        handle(core.tick(scheduler.nowNanos(), wall()));
        scheduler.schedule(100 * MS, () -> tick(gen));
    }

    private void receive(Envelope e) {
        if (up) {
            handle(core.onEnvelope(e.getSender(), e, scheduler.nowNanos(), wall()));
        }
    }
}
