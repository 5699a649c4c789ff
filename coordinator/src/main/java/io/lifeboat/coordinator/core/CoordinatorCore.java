package io.lifeboat.coordinator.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import com.google.protobuf.Duration;

import io.lifeboat.coordinator.compat.CapacityVerdict;
import io.lifeboat.coordinator.compat.CompatibilityEngine;
import io.lifeboat.coordinator.compat.CompatibilityVerdict;
import io.lifeboat.coordinator.compat.PlacementTarget;
import io.lifeboat.coordinator.failover.Decision;
import io.lifeboat.coordinator.failover.FailoverPlanner;
import io.lifeboat.coordinator.failover.FenceRoute;
import io.lifeboat.coordinator.failover.HostFencePlanner;
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
import io.lifeboat.coordinator.replication.ReplicationScheduler;
import io.lifeboat.coordinator.replication.ReplicationStatus;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.GuestEntry;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.EpochStarted;
import io.lifeboat.protocol.v1.FencingCapability;
import io.lifeboat.protocol.v1.GuestProtected;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HostFactsRecorded;
import io.lifeboat.protocol.v1.HostHealth;
import io.lifeboat.protocol.v1.HostStateChanged;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.LeaseGrant;
import io.lifeboat.protocol.v1.ProbePeerHost;
import io.lifeboat.protocol.v1.RecoveryPlanDefined;
import io.lifeboat.protocol.v1.RestorePointRecorded;

/**
 * The coordinator's decisions in one single-threaded object: heartbeats and lease renewals feed the
 * {@link HeartbeatTracker}, ticks run the {@link LeaseTable} and the {@link FailoverPlanner}, command results go to
 * the planner. It changes its {@link CoordinatorState} only by applying the records it returns, and it reads no clock:
 * every call carries monotonic nanoseconds (leases) and a wall-clock instant (RPO/RTO, deadlines).
 */
public final class CoordinatorCore {

    private final String nodeId;
    private final LeaseTimers timers;
    /** The lease TTL every grant carries, built once. */
    private final Duration leaseTtl;
    private final FailoverPlanner planner;
    private final CoordinatorState state;
    private final HeartbeatTracker tracker;
    private final CompatibilityEngine engine = new CompatibilityEngine();
    private final LeaseTable leases;
    private final Set<String> hostIds;
    private final Map<String, String> probeTargets = new HashMap<>();
    private final ReplicationScheduler replication;
    private final io.lifeboat.coordinator.drill.DrillPlanner drills;
    private final HostFencePlanner fences;
    private final io.lifeboat.coordinator.failover.ProtectionResumer resumer =
            new io.lifeboat.coordinator.failover.ProtectionResumer();
    /** The latest monotonic time a tick carried (how recently the lost host's own agent was heard). */
    private long lastNanos;
    private Instant lastDrillCheck;
    private Map<String, HostEndpoints> endpoints = Map.of();
    private io.lifeboat.coordinator.failback.FailbackPlanner failback;
    /** The guests each host's latest lease renewal reports running (the renewal's own immutable list: no copy). */
    private final Map<String, List<String>> runningGuests = new HashMap<>();
    private List<GuestProtection> protections = List.of();
    private long probeCount;
    private long replyCount;
    private long tickCount;

    /**
     * Creates the core from the state replayed from the journal, at monotonic time {@code nowNanos}.
     *
     * @param hostIds every configured host (agent voter)
     * @param placement voters and the boxes they run on
     * @throws IllegalArgumentException when the timers are out of order
     */
    public CoordinatorCore(String nodeId, LeaseTimers timers, VoterPlacement placement, Set<String> hostIds,
                           FailoverPlanner planner, CoordinatorState replayed, long nowNanos) {
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.timers = timers.validate();
        this.leaseTtl = duration(timers.leaseTtlNanos());
        this.planner = Objects.requireNonNull(planner, "planner");
        this.state = Objects.requireNonNull(replayed, "replayed");
        // A hash set, not Set.copyOf: the immutable set probes linearly, and ids like host0..host999 have nearly
        // consecutive hashes, so a lookup (on every envelope) walked long runs of them.
        this.hostIds = java.util.Collections.unmodifiableSet(new java.util.HashSet<>(hostIds));
        // The lease table asks about silences of the lease TTL and the recovery start, both longer than the suspicion
        // timer: shorter reported silences need not be kept (no allocation per peer observation).
        this.tracker = new HeartbeatTracker(nodeId, nowNanos, timers.peerReportFreshNanos(),
                timers.suspectAfterNanos());
        this.leases = new LeaseTable(timers, placement, tracker);
        this.replication = new ReplicationScheduler(nodeId, ReplicationScheduler.Settings.defaults());
        this.drills = new io.lifeboat.coordinator.drill.DrillPlanner(nodeId);
        this.fences = new HostFencePlanner(nodeId, HostFencePlanner.Settings.defaults());
        this.lastNanos = nowNanos;
        this.failback = new io.lifeboat.coordinator.failback.FailbackPlanner(nodeId, engine, Map.of(),
                io.lifeboat.coordinator.failback.FailbackPlanner.Settings.defaults());
        for (String host : this.hostIds) {
            leases.registerHost(host, canFence(state.hostFacts(host).orElse(null)));
        }
        state.hostHealth().forEach((host, health) -> {
            if (this.hostIds.contains(host) && health != HostHealth.HOST_HEALTH_UNSPECIFIED) {
                HostState to = HostState.valueOf(health.name().substring("HOST_HEALTH_".length()));
                // A LOST host keeps its armed failover: a crash between LOST and FailoverStarted must not strand it.
                leases.apply(new HostTransition(host, to, to, Long.MIN_VALUE, 0, List.of(),
                        state.hostFailoverArmed(host), "replayed from the journal"));
            }
        });
    }

    private static boolean canFence(HostFacts facts) {
        return facts == null || facts.getFencingCapability() == FencingCapability.FENCING_CAPABILITY_SELF_FENCE
                || facts.getFencingCapability() == FencingCapability.FENCING_CAPABILITY_FENCE_LOOP;
    }

    /** When each host was last heard from (read-only use: status, REST). */
    public HeartbeatTracker heartbeats() {
        return tracker;
    }

    /** The state (read-only use: status, REST). */
    public CoordinatorState state() {
        return state;
    }

    /** The configured host ids, sorted. */
    public List<String> hostIds() {
        return hostIds.stream().sorted().toList();
    }

    /** The node id of this coordinator. */
    public String nodeId() {
        return nodeId;
    }

    /** The lease table (read-only use: host states, why failover is not armed). */
    public LeaseTable leases() {
        return leases;
    }

    /**
     * A host's state as the status shows it: its lease state, except that a LOST host the coordinator fenced shows
     * FENCED. Decisions keep reading the lease table, so a fence changes no failover.
     */
    public HostState hostState(String hostId) {
        HostState lease = leases.state(hostId);
        return lease == HostState.LOST && state.fencedWhileLost(hostId).isPresent() ? HostState.FENCED : lease;
    }

    /** The current epoch. */
    public long epoch() {
        return state.epoch();
    }

    /**
     * Journals the recovery plans that differ from the journal's, and remembers which guests to protect once their
     * primary reports them.
     */
    public CoreOutput configure(List<RecoveryPlanDefined> plans, List<GuestProtection> protections) {
        return configure(plans, protections, List.of());
    }

    /**
     * Journals the recovery plans that differ from the journal's, remembers which guests to protect once their
     * primary reports them (and their RPOs), and where each host's store and probe endpoints are.
     */
    public CoreOutput configure(List<RecoveryPlanDefined> plans, List<GuestProtection> protections,
                                List<HostEndpoints> hosts) {
        Map<String, HostEndpoints> byHost = new HashMap<>();
        Map<String, String> stores = new HashMap<>();
        for (HostEndpoints h : hosts) {
            byHost.put(h.hostId(), h);
            h.store().ifPresent(s -> stores.put(h.hostId(), s));
        }
        this.endpoints = Map.copyOf(byHost);
        Map<String, java.time.Duration> rpos = new HashMap<>();
        protections.forEach(p -> rpos.put(p.guestId(), p.rpo()));
        replication.configure(rpos, stores);
        failback = new io.lifeboat.coordinator.failback.FailbackPlanner(nodeId, engine, stores,
                io.lifeboat.coordinator.failback.FailbackPlanner.Settings.defaults());
        Out out = new Out();
        for (RecoveryPlanDefined plan : plans) {
            if (!state.plan(plan.getName()).map(plan::equals).orElse(false)) {
                out.record(JournalRecord.newBuilder().setRecoveryPlanDefined(plan).build());
            }
        }
        this.protections = List.copyOf(protections);
        return out.build();
    }

    /**
     * Starts a new epoch (one above the journal's) and resends the commands the journal says are outstanding.
     */
    public CoreOutput start(Instant wall) {
        Out out = new Out();
        out.record(JournalRecord.newBuilder().setEpochStarted(EpochStarted.newBuilder().setEpoch(state.epoch() + 1)
                .setNodeId(nodeId)).build());
        out.decision(planner.plan(state, new PlannerInput.Resumed(wall)));
        out.commands.addAll(fences.outstanding(state, null));
        out.decision(failback.plan(state, new io.lifeboat.coordinator.failback.FailbackInput.Resumed(wall)));
        return out.build();
    }

    /**
     * Records the silence report of another coordinator of the cluster, a voter like this one: the hosts it lists
     * with how long it has not heard from them by its own clock, received at {@code nowNanos}; a host it leaves out was
     * heard, which withdraws its earlier report. Reports of a host, or of this coordinator itself, are ignored.
     */
    public void onCoordinatorReport(String coordinatorId, Map<String, Long> silentNanosByHost, long nowNanos) {
        if (coordinatorId.equals(nodeId) || hostIds.contains(coordinatorId)) {
            return;
        }
        silentNanosByHost.forEach((host, since) -> tracker.onPeerReport(coordinatorId, host, nowNanos, since));
        tracker.withdrawReportsBefore(coordinatorId, nowNanos);
    }

    /** Handles one envelope an agent sent on its link. */
    public CoreOutput onEnvelope(String hostId, Envelope envelope, long nowNanos, Instant wall) {
        Out out = new Out();
        if (!hostIds.contains(hostId)) {
            return out.build();
        }
        switch (envelope.getPayloadCase()) {
            case LEASE_RENEW -> {
                tracker.heard(hostId, nowNanos);
                runningGuests.put(hostId, envelope.getLeaseRenew().getRunningGuestIdsList());
                out.replies.add(new OutboundCommand(hostId, Envelope.newBuilder()
                        .setMessageId(nodeId + "-grant-" + state.epoch() + "-" + (++replyCount)).setSender(nodeId)
                        .setEpoch(state.epoch()).setInReplyTo(envelope.getMessageId())
                        .setLeaseGrant(LeaseGrant.newBuilder().setHostId(hostId).setVoterId(nodeId)
                                .setRenewalNumber(envelope.getLeaseRenew().getRenewalNumber())
                                .setTtl(leaseTtl)).build()));
            }
            case HEARTBEAT -> {
                // The hot path at scale (every agent reports on every peer, every second): no map, no boxing.
                tracker.heard(hostId, nowNanos);
                for (var p : envelope.getHeartbeat().getPeersList()) {
                    tracker.onPeerReport(hostId, p.getVoterId(), nowNanos,
                            p.getSinceLastHeard().getSeconds() * 1_000_000_000L + p.getSinceLastHeard().getNanos());
                }
                // A heartbeat lists only the voters its sender has not heard from lately: one left out was heard.
                tracker.withdrawReportsBefore(hostId, nowNanos);
                leases.onFencedReport(hostId, envelope.getHeartbeat().getFenced());
            }
            case INVENTORY -> {
                tracker.heard(hostId, nowNanos);
                HostFacts facts = envelope.getInventory().getFacts();
                if (facts.getHostId().equals(hostId)
                        && !state.hostFacts(hostId).map(facts::equals).orElse(false)) {
                    out.record(JournalRecord.newBuilder().setHostFactsRecorded(HostFactsRecorded.newBuilder()
                            .setFacts(facts)).build());
                    leases.registerHost(hostId, canFence(facts));
                }
                protect(hostId, envelope.getInventory().getGuestsList(), out);
            }
            case REPLICATION_COMMITTED -> {
                tracker.heard(hostId, nowNanos);
                var committed = envelope.getReplicationCommitted();
                // Announced by the guest's owner (or the store host): a late commit from a host it failed over
                // from is not a restore point to fail over to.
                if (state.guest(committed.getGuestId()).map(g -> g.ownerHostId().equals(hostId)
                        || g.standbyHostId().equals(hostId)).orElse(false)
                        && state.points(committed.getGuestId()).stream()
                        .noneMatch(p -> p.pointId().equals(committed.getPointId()))) {
                    // The store commits a point only after every chunk's hash checked: it is verified.
                    out.record(JournalRecord.newBuilder().setRestorePointRecorded(RestorePointRecorded.newBuilder()
                            .setGuestId(committed.getGuestId()).setPointId(committed.getPointId())
                            .setStoreHostId(committed.getTargetHostId()).setSnapshotTime(committed.getSnapshotTime())
                            .setVerified(true)).build());
                }
                out.decision(replication.onCommitted(state, committed, wall));
            }
            case REPLICATION_FAILED -> {
                tracker.heard(hostId, nowNanos);
                out.decision(replication.onFailed(state, envelope.getReplicationFailed(), wall));
            }
            case COMMAND_RESULT -> {
                tracker.heard(hostId, nowNanos);
                var result = envelope.getCommandResult();
                if (probeTargets.containsKey(result.getCommandId())) {
                    String target = probeTargets.remove(result.getCommandId());
                    leases.onProbeResult(target, nowNanos, result.hasProbe() && result.getProbe()
                            .getHypervisorApiAnswered(), result.hasProbe() && result.getProbe().getSshAnswered());
                } else if (HostFencePlanner.owns(state, result.getCommandId())) {
                    out.decision(fences.onResult(state, result, wall));
                } else if (replication.owns(state, result.getCommandId())) {
                    out.decision(replication.onResult(state, result, wall));
                } else if (drills.planOf(result.getCommandId()).isPresent()) {
                    String plan = drills.planOf(result.getCommandId()).orElseThrow();
                    out.decision(drills.onResult(result, state.plan(plan).orElseThrow(),
                            new io.lifeboat.coordinator.drill.StateDrillSite(state), state.epoch(), wall));
                } else if (io.lifeboat.coordinator.failback.FailbackPlanner.owns(state, result.getCommandId())) {
                    out.decision(failback.plan(state,
                            new io.lifeboat.coordinator.failback.FailbackInput.CommandFinished(result, wall)));
                } else {
                    out.decision(planner.plan(state, new PlannerInput.CommandFinished(result, wall)));
                }
            }
            case COMMAND_ACK -> {
                tracker.heard(hostId, nowNanos);
                var ack = envelope.getCommandAck();
                if (!ack.getAccepted()) {
                    refused(hostId, ack, wall, out);
                }
            }
            default -> tracker.heard(hostId, nowNanos);
        }
        return out.build();
    }

    /**
     * An agent refused a command: a refused probe says nothing about the peer (it is simply asked again); a refused
     * backup fails (and is retried after the backoff); a failover step fails only when retrying cannot help (stale
     * epoch, unsupported, invalid) and otherwise waits for its deadline, so that a busy or fenced standby does not
     * burn its attempts in milliseconds.
     */
    private void refused(String hostId, io.lifeboat.protocol.v1.CommandAck ack, Instant wall, Out out) {
        String id = ack.getCommandId();
        if (probeTargets.remove(id) != null) {
            return;
        }
        boolean retriable = ack.getRefusal() == io.lifeboat.protocol.v1.CommandRefusal.COMMAND_REFUSAL_BUSY
                || ack.getRefusal() == io.lifeboat.protocol.v1.CommandRefusal.COMMAND_REFUSAL_FENCED;
        var result = io.lifeboat.protocol.v1.CommandResult.newBuilder().setCommandId(id)
                .setOutcome(io.lifeboat.protocol.v1.CommandOutcome.COMMAND_OUTCOME_FAILED)
                .setFailure(io.lifeboat.protocol.v1.Failure.newBuilder()
                        .setErrorClass(retriable ? io.lifeboat.protocol.v1.ErrorClass.ERROR_CLASS_RETRIABLE
                                : io.lifeboat.protocol.v1.ErrorClass.ERROR_CLASS_PERMANENT)
                        .setCode("refused_" + ack.getRefusal().name().substring("COMMAND_REFUSAL_".length())
                                .toLowerCase(java.util.Locale.ROOT))
                        .setMessage("agent " + hostId + " refused command " + id + ": " + ack.getMessage()))
                .build();
        if (HostFencePlanner.owns(state, id)) {
            // A fence is asked once: a refusal ends it, and recovery never waited for it.
            out.decision(fences.onResult(state, result, wall));
        } else if (replication.owns(state, id)) {
            out.decision(replication.onResult(state, result, wall));
        } else if (!retriable && io.lifeboat.coordinator.failback.FailbackPlanner.owns(state, id)) {
            out.decision(failback.plan(state,
                    new io.lifeboat.coordinator.failback.FailbackInput.CommandFinished(result, wall)));
        } else if (!retriable) {
            out.decision(planner.plan(state, new PlannerInput.CommandFinished(result, wall)));
        }
    }

    private void protect(String hostId, List<GuestSpec> reported, Out out) {
        for (GuestProtection p : protections) {
            if (!p.primaryHostId().equals(hostId) || state.guest(p.guestId()).isPresent()) {
                continue;
            }
            reported.stream()
                    .filter(g -> g.getGuestId().equals(p.guestId()) || g.getName().equals(p.name()))
                    .findFirst()
                    .ifPresent(g -> out.record(JournalRecord.newBuilder().setGuestProtected(GuestProtected.newBuilder()
                            .setSpec(g.toBuilder().setGuestId(p.guestId())).setPrimaryHostId(p.primaryHostId())
                            .setStandbyHostId(p.standbyHostId()).setPlan(p.plan())).build()));
        }
    }

    /**
     * An admin confirms that a LOST host is off (manual failover of a host that cannot fence itself, or a paused
     * mass failure): journals the transition that arms its failover; recovery follows on the next ticks.
     *
     * @throws IllegalStateException when the host is not LOST
     */
    public CoreOutput confirmHostOff(String hostId, String user, long nowNanos) {
        Out out = new Out();
        HostTransition t = leases.confirmHostOff(hostId, user, nowNanos);
        out.record(JournalRecord.newBuilder().setHostStateChanged(HostStateChanged.newBuilder().setHostId(hostId)
                .setFrom(HostHealth.HOST_HEALTH_LOST).setTo(HostHealth.HOST_HEALTH_LOST).setFailoverArmed(true)
                .setReason(t.reason()).setSilence(duration(t.silenceNanos()))).build());
        leases.apply(t);
        return out.build();
    }

    /**
     * An admin asks to fail guest {@code guestId} over now. It starts (journal records first, like the planner's
     * own failovers) only when no second production copy can result (I1): the guest is PROTECTED (or AT_RISK after
     * an abandoned failover, which this retries from the host it was lost from), has a verified restore point on its
     * standby, and the host that owns it is FENCED, LOST with failover armed, or LOST and confirmed off by the admin
     * ({@code primaryConfirmedOff}). A host that is UP, SUSPECTED or in MAINTENANCE may still run the guest: the
     * request is refused and nothing changes; except that a retry of an abandoned failover whose host is UP again
     * starts when that host's latest lease renewal reports the guest stopped and its standby does not run it.
     *
     * @param user the admin, for the refusal text and logs
     */
    public ManualFailover failoverGuest(String guestId, String user, boolean primaryConfirmedOff, Instant wall) {
        var guest = state.guest(guestId).map(this::retryView);
        Optional<String> notProtected = notProtected(guestId, guest, "failed over");
        if (notProtected.isPresent()) {
            return ManualFailover.refused(notProtected.get());
        }
        var g = guest.get();
        Optional<String> ownerMayRun = ownerMayRun(g, primaryConfirmedOff);
        if (ownerMayRun.isPresent() && state.abandonedRecovery(guestId).isPresent() && up(g.ownerHostId())) {
            // A retry while the host it was lost from is back UP (the standby owns the guest once the recovery
            // reached REGISTER): safe when that host's lease renewal says the guest is stopped there and the
            // standby's copy does not run.
            ownerMayRun = upHostRuns(g.ownerHostId(), guestId).or(() -> standbyRuns(g, "retrying the failover"));
        }
        if (ownerMayRun.isPresent()) {
            return ManualFailover.refused(ownerMayRun.get());
        }
        boolean hasPoint = state.points(guestId).stream()
                .anyMatch(p -> p.verified() && p.storeHostId().equals(g.standbyHostId()));
        if (!hasPoint) {
            return ManualFailover.refused("guest " + guestId + " has no verified restore point on its standby "
                    + g.standbyHostId() + ": nothing to fail over to");
        }
        return startRecovery(new PlannerInput.ManualFailover(guestId, wall), guestId, user, "failover");
    }

    /**
     * An admin asks to restore guest {@code guestId} from restore point {@code pointId} onto its standby (after
     * ransomware or a bad update on the primary): a failover of just this guest with that point pinned instead of the
     * latest verified one. It starts only when no second production copy can result (I1): the guest is PROTECTED,
     * the point is a verified point of it on its standby, and either its owner is off as for
     * {@link #failoverGuest}, or the owner is UP and its latest lease renewal reports the guest not running (the
     * admin stopped it there); the standby must not report it running either.
     *
     * @param user the admin, for the refusal text and logs
     */
    public ManualFailover restoreGuest(String guestId, String pointId, String user, boolean primaryConfirmedOff,
                                       Instant wall) {
        var guest = state.guest(guestId);
        Optional<String> notProtected = notProtected(guestId, guest, "restored onto its standby");
        if (notProtected.isPresent()) {
            return ManualFailover.refused(notProtected.get());
        }
        var g = guest.get();
        if (state.points(guestId).stream().noneMatch(p -> p.pointId().equals(pointId) && p.verified()
                && p.storeHostId().equals(g.standbyHostId()))) {
            return ManualFailover.refused("restore point " + pointId + " is not a verified restore point of guest "
                    + guestId + " on its standby " + g.standbyHostId());
        }
        Optional<String> ownerMayRun = ownerMayRun(g, primaryConfirmedOff);
        if (ownerMayRun.isPresent() && up(g.ownerHostId())) {
            ownerMayRun = upHostRuns(g.ownerHostId(), guestId);
        }
        if (ownerMayRun.isPresent()) {
            return ManualFailover.refused(ownerMayRun.get());
        }
        Optional<String> standbyRuns = standbyRuns(g, "restoring");
        if (standbyRuns.isPresent()) {
            return ManualFailover.refused(standbyRuns.get());
        }
        return startRecovery(new PlannerInput.Restore(guestId, pointId, wall), guestId, user, "restore");
    }

    /** Why an admin's recovery of {@code guestId} cannot start: unknown, or not PROTECTED; empty when it can. */
    private Optional<String> notProtected(String guestId, Optional<io.lifeboat.coordinator.state.GuestEntry> guest,
                                          String done) {
        if (guest.isEmpty()) {
            return Optional.of("guest " + guestId + " is not protected by coordinator " + nodeId);
        }
        if (guest.get().state() != io.lifeboat.protocol.v1.GuestState.GUEST_STATE_PROTECTED) {
            return Optional.of("guest " + guestId + " is " + guest.get().state().name().replace("GUEST_STATE_", "")
                    + ", not PROTECTED: only a protected guest can be " + done);
        }
        return Optional.empty();
    }

    /**
     * Why the owner of {@code g} may still run it, as the refusal an admin reads, or empty when it is FENCED, LOST
     * with failover armed, or LOST and confirmed off by the admin.
     */
    private Optional<String> ownerMayRun(io.lifeboat.coordinator.state.GuestEntry g, boolean primaryConfirmedOff) {
        String guestId = g.guestId();
        String owner = g.ownerHostId();
        HostState hostState = hostIds.contains(owner) ? leases.state(owner) : HostState.UP;
        boolean off = hostState == HostState.FENCED
                || hostState == HostState.LOST && (leases.failoverArmed(owner) || primaryConfirmedOff);
        if (off) {
            return Optional.empty();
        }
        return Optional.of(switch (hostState) {
            case LOST -> "host " + owner + " is LOST but cannot fence itself (" + leases.notArmedReason(owner)
                    + "): confirm that it is off (primaryConfirmedOff: true) to fail guest " + guestId + " over";
            case SUSPECTED -> "host " + owner + " is SUSPECTED, not yet LOST: its lease may still be valid and "
                    + "guest " + guestId + " may still run there; wait until it is LOST, then confirm it is off";
            default -> "host " + owner + " is " + hostState + " and may be running guest " + guestId
                    + ": a running primary must be stopped (the host FENCED or LOST) before failover, so that "
                    + "two copies never run";
        });
    }

    private boolean up(String host) {
        return hostIds.contains(host) && leases.state(host) == HostState.UP;
    }

    /**
     * For a {@code host} that is UP: why it may still run {@code guestId} (it has not renewed its lease since this
     * coordinator started, or its latest renewal reports the guest running), or empty when that renewal says the
     * guest is stopped there.
     */
    private Optional<String> upHostRuns(String host, String guestId) {
        if (!runningGuests.containsKey(host)) {
            return Optional.of("host " + host + " is UP and has not renewed its lease since coordinator " + nodeId
                    + " started: cannot tell whether guest " + guestId + " is stopped there");
        }
        return runningGuests.get(host).contains(guestId) ? Optional.of("guest " + guestId + " still runs on host "
                + host + ": stop it there first, so that two copies never run") : Optional.empty();
    }

    /** Why {@code g} cannot be recovered onto its standby while {@code doing}: its standby reports it running. */
    private Optional<String> standbyRuns(GuestEntry g, String doing) {
        return runningGuests.getOrDefault(g.standbyHostId(), List.of()).contains(g.guestId())
                ? Optional.of("guest " + g.guestId() + " already runs on its standby " + g.standbyHostId()
                        + ": stop that copy before " + doing) : Optional.empty();
    }

    /** Plans {@code input} (a manual failover or a restore of one guest) and names the operation it started. */
    private ManualFailover startRecovery(PlannerInput input, String guestId, String user, String action) {
        Out out = new Out();
        Decision decision = planner.plan(state, input);
        out.decision(decision);
        String operationId = decision.records().stream().filter(JournalRecord::hasFailoverStarted).findFirst()
                .map(r -> r.getFailoverStarted().getOperationId()).orElse(null);
        if (operationId == null) {
            return ManualFailover.refused("guest " + guestId + ": no " + action + " could be started (asked by "
                    + user + ")");
        }
        return new ManualFailover(out.build(), Optional.of(operationId), Optional.empty());
    }

    /**
     * Records an audit event (an admin action, allowed or refused, or a login) at {@code wall}. Journal it with the
     * action's own records, in the same batch, so that an action is never acted on unaudited (I4).
     */
    public CoreOutput audit(io.lifeboat.protocol.v1.Audit audit, Instant wall) {
        Out out = new Out();
        out.record(JournalRecord.newBuilder().setAuditRecorded(io.lifeboat.protocol.v1.AuditRecorded.newBuilder()
                .setAudit(audit).setAt(io.lifeboat.coordinator.state.Timestamps.of(wall)).setNodeId(nodeId)).build());
        return out.build();
    }

    /** Fails {@code guestId} back, judging "no copy runs on the primary" by the primary's latest lease renewal. */
    public ManualFailover failbackGuest(String guestId, String user, Instant wall) {
        String primary = state.guest(guestId).map(g -> g.primaryHostId()).orElse("");
        return failbackGuest(guestId, user, Set.copyOf(runningGuests.getOrDefault(primary, List.of())), wall);
    }

    /**
     * An admin asks to fail guest {@code guestId} back to its primary: it starts (journal records first) unless a
     * precondition is unmet, which the conflict names.
     *
     * @param runningOnPrimary the guests the primary's agent last reported running
     */
    public ManualFailover failbackGuest(String guestId, String user, Set<String> runningOnPrimary, Instant wall) {
        var refusal = failback.check(state, guestId, runningOnPrimary);
        if (refusal.isPresent()) {
            return ManualFailover.refused(refusal.get().message());
        }
        Out out = new Out();
        Decision decision = failback.plan(state,
                new io.lifeboat.coordinator.failback.FailbackInput.Start(guestId, user, runningOnPrimary, wall));
        out.decision(decision);
        String operationId = decision.records().stream().filter(JournalRecord::hasFailbackProgress).findFirst()
                .map(r -> r.getFailbackProgress().getOperationId()).orElse(null);
        if (operationId == null) {
            return ManualFailover.refused("guest " + guestId + ": no failback could be started (asked by " + user
                    + ")");
        }
        return new ManualFailover(out.build(), java.util.Optional.of(operationId), java.util.Optional.empty());
    }

    /**
     * The compatibility verdict of every protected guest against its standby's latest facts and its plan, computed
     * now, so that it follows every change of facts.
     */
    public Map<String, CompatibilityVerdict> verdicts() {
        return verdicts(state);
    }

    /**
     * The verdicts of every guest of {@code snapshot}, a copy of the state: reads nothing else of the core, so it may
     * run on a worker thread (status rendering) while the event loop goes on.
     */
    public Map<String, CompatibilityVerdict> verdicts(CoordinatorState snapshot) {
        Map<String, CompatibilityVerdict> out = new java.util.TreeMap<>();
        snapshot.guests().values().forEach(g -> snapshot.hostFacts(g.standbyHostId()).ifPresent(facts -> {
            RecoveryPlanDefined plan = snapshot.plan(g.plan()).orElse(RecoveryPlanDefined.getDefaultInstance());
            out.put(g.guestId(), engine.judge(g.spec(), new PlacementTarget(facts, plan.getNetworkMapMap(),
                    plan.getDestinationDir() + "/" + g.guestId())));
        }));
        return out;
    }

    /** Whether each plan's target has room for all the plan's protected guests at once, by plan name. */
    public Map<String, CapacityVerdict> capacity() {
        Map<String, CapacityVerdict> out = new java.util.TreeMap<>();
        for (String name : state.guests().values().stream().map(g -> g.plan()).distinct().toList()) {
            state.plan(name).flatMap(p -> state.hostFacts(p.getTargetHostId())).ifPresent(facts -> out.put(name,
                    engine.judgeCapacity(facts, state.guests().values().stream()
                            .filter(g -> g.plan().equals(name)).map(g -> g.spec()).toList())));
        }
        return out;
    }

    /** Runs failure detection (every 100 ms is fine) and, every tenth call, the planner's deadlines and delays. */
    public CoreOutput tick(long nowNanos, Instant wall) {
        Out out = new Out();
        HealthAssessment assessment = leases.evaluate(nowNanos);
        lastNanos = nowNanos;
        for (HostTransition t : assessment.transitions()) {
            out.record(JournalRecord.newBuilder().setHostStateChanged(HostStateChanged.newBuilder()
                    .setHostId(t.hostId()).setFrom(HostHealth.valueOf("HOST_HEALTH_" + t.from().name()))
                    .setTo(HostHealth.valueOf("HOST_HEALTH_" + t.to().name())).setFailoverArmed(t.failoverArmed())
                    .setReason(t.reason()).addAllAgreeingVoterIds(t.agreeingVoterIds())
                    .setSilence(duration(t.silenceNanos()))).build());
            leases.apply(t);
        }
        for (ProbeRequest probe : assessment.probes()) {
            String commandId = nodeId + "-probe-" + state.epoch() + "-" + (++probeCount);
            probeTargets.put(commandId, probe.hostId());
            // Probes change no state: they are not journaled, and a lost one is simply asked again.
            out.replies.add(new OutboundCommand(probe.proberHostId(), Envelope.newBuilder().setMessageId(commandId)
                    .setSender(nodeId).setEpoch(state.epoch()).setProbePeerHost(ProbePeerHost.newBuilder()
                            .setHeader(CommandHeader.newBuilder().setCommandId(commandId).setEpoch(state.epoch()))
                            .setPeerHostId(probe.hostId())
                            .setHypervisorUri(endpoint(probe.hostId(), HostEndpoints::probeHypervisor))
                            .setSshAddress(endpoint(probe.hostId(), HostEndpoints::probeSsh))).build()));
        }
        leases.probesSent(assessment.probes(), nowNanos);
        for (String host : assessment.recoveryDueHostIds()) {
            out.decision(planner.plan(state, new PlannerInput.RecoveryDue(host, wall)));
        }
        if (tickCount++ % 10 == 0) {
            // Both planners copy the whole state per call; with no operation (failback) in the journal there is
            // nothing for them to time out or advance.
            if (state.operationCount() > 0) {
                out.decision(planner.plan(state, new PlannerInput.Tick(wall)));
            }
            if (!state.failbacks().isEmpty()) {
                out.decision(failback.plan(state, new io.lifeboat.coordinator.failback.FailbackInput.Tick(wall)));
            }
            out.decision(fences.tick(state, wall));
            if (state.anyAbandonedRecovery()) {
                // It resumes only guests of an abandoned failover: with none, no pass over every guest.
                out.decision(resumer.resume(state, h -> whyNotReady(h).isEmpty(), wall));
            }
            out.decision(replication.tick(state, this::whyNotReady, wall));
            drillTick(wall, out);
        }
        return out.build();
    }

    /**
     * An agent's link came (back) up: the commands outstanding for its host (failover steps it runs, backups of the
     * guests it is primary for) go out again with their original ids, since any sent while it was away are lost.
     */
    public CoreOutput linkUp(String hostId) {
        Out out = new Out();
        if (hostIds.contains(hostId)) {
            out.commands.addAll(planner.outstanding(state, hostId));
            out.commands.addAll(failback.outstanding(state, hostId));
            out.commands.addAll(replication.resend(state, hostId));
            out.commands.addAll(drills.resend(hostId, state.epoch()));
            out.commands.addAll(fences.outstanding(state, hostId));
        }
        return out.build();
    }

    /** The drills: running ones and the history replayed from the journal (read-only use: REST). */
    public io.lifeboat.coordinator.drill.DrillPlanner drills() {
        return drills;
    }

    /**
     * Starts a DR drill of {@code plan} with id {@code drillId} for {@code user} (or the scheduler).
     *
     * @throws IllegalArgumentException when the plan is unknown
     * @throws io.lifeboat.coordinator.drill.DrillConflictException when a drill of the plan still runs
     */
    public CoreOutput startDrill(String plan, String user, String drillId, Instant wall) {
        RecoveryPlanDefined defined = state.plan(plan).orElseThrow(() -> new IllegalArgumentException(
                "plan '" + plan + "' is not a recovery plan of this coordinator"));
        Out out = new Out();
        out.decision(drills.start(drillId, defined, defined.getDrill().getIsolatedNetwork(), user,
                new io.lifeboat.coordinator.drill.StateDrillSite(state), state.epoch(), wall));
        return out.build();
    }

    private void drillTick(Instant wall, Out out) {
        // The tick reads only the plans of running drills, the scheduler only plans with a cron: a pass over every
        // guest (for the plans in use) is needed only when some plan has a cron.
        Map<String, RecoveryPlanDefined> plans = new HashMap<>();
        List<RecoveryPlanDefined> scheduled = state.plans().values().stream()
                .filter(p -> !p.getDrill().getCron().isBlank()).toList();
        if (!scheduled.isEmpty()) {
            Set<String> inUse = new java.util.HashSet<>();
            state.guests().values().forEach(g -> inUse.add(g.plan()));
            scheduled.stream().filter(p -> inUse.contains(p.getName())).forEach(p -> plans.put(p.getName(), p));
        }
        drills.runningDrills().forEach(b -> state.plan(b.getStarted().getPlan())
                .ifPresent(p -> plans.put(p.getName(), p)));
        out.decision(drills.tick(plans, new io.lifeboat.coordinator.drill.StateDrillSite(state), state.epoch(), wall));
        if (lastDrillCheck != null) {
            for (RecoveryPlanDefined plan : io.lifeboat.coordinator.drill.DrillScheduler.due(plans.values(),
                    lastDrillCheck, wall)) {
                if (drills.runningDrill(plan.getName()).isEmpty()) {
                    out.decision(drills.start(java.util.UUID.randomUUID().toString(), plan,
                            plan.getDrill().getIsolatedNetwork(), io.lifeboat.coordinator.drill.DrillPlanner.SCHEDULER,
                            new io.lifeboat.coordinator.drill.StateDrillSite(state), state.epoch(), wall));
                }
            }
        }
        lastDrillCheck = wall;
    }

    /** Where each protected guest's replication stands at {@code wall}, by guest id. */
    public Map<String, ReplicationStatus> replication(Instant wall) {
        return replication(state, this::whyNotReady, wall);
    }

    /**
     * Where each guest of {@code snapshot} (a copy of the state) stands at {@code wall}, judging hosts by
     * {@code readiness} (a {@link #readinessSnapshot()}): reads only settings fixed by {@link #configure}, so it may
     * run on a worker thread (status rendering) while the event loop goes on.
     */
    public Map<String, ReplicationStatus> replication(CoordinatorState snapshot,
                                                      io.lifeboat.coordinator.replication.HostReadiness readiness,
                                                      Instant wall) {
        Map<String, ReplicationStatus> out = new java.util.TreeMap<>();
        snapshot.guests().keySet().forEach(g -> out.put(g, replication.status(snapshot, readiness, g, wall)));
        return out;
    }

    /** Whether each configured host can take part in a backup now, frozen (for rendering off the event loop). */
    public io.lifeboat.coordinator.replication.HostReadiness readinessSnapshot() {
        Map<String, java.util.Optional<String>> now = new HashMap<>();
        hostIds.forEach(h -> now.put(h, whyNotReady(h)));
        return h -> now.getOrDefault(h, java.util.Optional.of("host " + h + " is not configured"));
    }

    private java.util.Optional<String> whyNotReady(String hostId) {
        if (!hostIds.contains(hostId)) {
            return java.util.Optional.of("host " + hostId + " is not configured");
        }
        HostState s = leases.state(hostId);
        if (s != HostState.UP) {
            return java.util.Optional.of("host " + hostId + " is " + s);
        }
        if (!tracker.heardFrom(hostId)) {
            return java.util.Optional.of("host " + hostId + " has not linked since the coordinator started");
        }
        return java.util.Optional.empty();
    }

    private String endpoint(String hostId, java.util.function.Function<HostEndpoints, java.util.Optional<String>> f) {
        HostEndpoints h = endpoints.get(hostId);
        return h == null ? "" : f.apply(h).orElse("");
    }

    /**
     * An AT_RISK guest whose failover was abandoned, seen as the PROTECTED guest of the host it was being recovered
     * from: an admin's manual failover retries it under the same checks (that host must be off, I1). Other guests are
     * returned as they are.
     */
    private GuestEntry retryView(GuestEntry g) {
        if (g.state() != io.lifeboat.protocol.v1.GuestState.GUEST_STATE_AT_RISK) {
            return g;
        }
        return state.abandonedRecovery(g.guestId()).map(a -> new GuestEntry(g.spec(), g.primaryHostId(),
                g.standbyHostId(), g.plan(), io.lifeboat.protocol.v1.GuestState.GUEST_STATE_PROTECTED,
                a.lostHostId())).orElse(g);
    }

    /**
     * A failover of a LOST host's guests starts: the coordinator also fences that host where it can (a host that
     * FENCED itself needs none). Recovery goes on without waiting for the fence.
     */
    private void fenceLostHost(io.lifeboat.protocol.v1.FailoverStarted started, Out out) {
        String host = started.getLostHostId();
        if (!hostIds.contains(host) || leases.state(host) != HostState.LOST) {
            return;
        }
        out.decision(fences.request(state, started.getOperationId(), host, started.getGuestIdsList(),
                fenceRoute(host, started.getGuestIdsList()), Timestamps.instant(started.getDeclaredAt())));
    }

    /**
     * Who fences a lost host: its own agent when that one still answers (an agentless proxy beside the host), else
     * the first UP agent among the guests' standbys and then the other hosts, through the host's hypervisor URI.
     */
    private FenceRoute fenceRoute(String host, List<String> guestIds) {
        if (tracker.heardFrom(host) && tracker.silenceNanos(host, lastNanos) <= timers.suspectAfterNanos()) {
            return new FenceRoute.OwnAgent(host);
        }
        String uri = endpoint(host, HostEndpoints::probeHypervisor);
        if (!uri.contains("://")) {
            return new FenceRoute.None("host " + host + " has no hypervisor API URI (its probe endpoint is '" + uri
                    + "'): no surviving agent can stop its guests through it");
        }
        List<String> candidates = new ArrayList<>();
        guestIds.forEach(g -> state.guest(g).ifPresent(e -> candidates.add(e.standbyHostId())));
        candidates.addAll(hostIds());
        for (String c : candidates) {
            if (!c.equals(host) && hostIds.contains(c) && leases.state(c) == HostState.UP && tracker.heardFrom(c)) {
                return new FenceRoute.Peer(c, uri);
            }
        }
        return new FenceRoute.None("no surviving agent is UP to fence host " + host + " through " + uri);
    }

    /** Collects one call's output, applying each record to the state as it is added. */
    private final class Out {
        final List<JournalRecord> records = new ArrayList<>();
        final List<OutboundCommand> commands = new ArrayList<>();
        final List<OutboundCommand> replies = new ArrayList<>();

        void record(JournalRecord record) {
            state.apply(record);
            records.add(record);
        }

        void decision(Decision decision) {
            decision.records().forEach(this::record);
            commands.addAll(decision.commands());
            decision.records().stream().filter(JournalRecord::hasFailoverStarted)
                    .forEach(r -> fenceLostHost(r.getFailoverStarted(), this));
        }

        CoreOutput build() {
            return new CoreOutput(records, commands, replies);
        }
    }

    private static Duration duration(long nanos) {
        return Duration.newBuilder().setSeconds(nanos / 1_000_000_000L).setNanos((int) (nanos % 1_000_000_000L))
                .build();
    }
}
