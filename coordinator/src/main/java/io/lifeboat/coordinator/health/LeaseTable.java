package io.lifeboat.coordinator.health;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The host state machine of DESIGN.md ("Who may run a guest"): UP, SUSPECTED after silence, LOST only with a
 * second signal and a silent majority without the host, recovery after the recovery start; manual failover for hosts
 * that cannot fence themselves; damping when many hosts fail at once.
 *
 * <p>Single-threaded. {@link #evaluate(long)} only reads; states change only through {@link #apply(HostTransition)},
 * so that the owner can journal each transition before it takes effect and rebuild the table by replay.
 */
public final class LeaseTable {

    private static final class Host {
        final String hostId;
        boolean canFence;
        HostState state = HostState.UP;
        boolean failoverArmed;
        String notArmedReason = "";
        long stateSinceNanos = Long.MIN_VALUE;
        long lostAtNanos = Long.MIN_VALUE;
        long probeRequestedNanos = Long.MIN_VALUE;
        long probeResultNanos = Long.MIN_VALUE;
        boolean probeReachedHost;
        boolean adminConfirmed;
        boolean reportsFenced;

        Host(String hostId, boolean canFence) {
            this.hostId = hostId;
            this.canFence = canFence;
        }
    }

    private static final HealthAssessment NOTHING = new HealthAssessment(List.of(), List.of(), List.of());

    private final LeaseTimers timers;
    private final VoterPlacement placement;
    /** The placement's voters, copied once: evaluate() runs every 100 ms. */
    private final List<String> voters;
    private final HeartbeatTracker tracker;
    private final Optional<String> placementProblem;
    private final Map<String, Host> hosts = new TreeMap<>();
    /** The same hosts by id in a hash map: looked up on every heartbeat, where the sorted map's compares showed. */
    private final Map<String, Host> byId = new HashMap<>();
    /**
     * The hosts that may change state without any silence crossing the suspicion timer: SUSPECTED and LOST hosts, and
     * UP or FENCED hosts whose fenced report disagrees with their state. Every other host is UP, FENCED or in
     * MAINTENANCE and changes only once its silence passes the suspicion timer.
     */
    private final Map<String, Host> watched = new TreeMap<>();
    /**
     * The earliest time (tracker receipt) any UP or FENCED host was last heard from, as of the latest full pass:
     * silences only shrink as heartbeats arrive, so until {@code now - earliestHeardNanos} passes the suspicion timer
     * no UP or FENCED host outside {@link #watched} can be due for anything.
     */
    private long earliestHeardNanos;
    /** Whether the next evaluation must look at every host (a host was registered or changed state). */
    private boolean fullPassDue = true;

    /**
     * Creates the table; validates the timer order and checks the voter placement.
     *
     * @throws IllegalArgumentException when the timers are out of order
     */
    public LeaseTable(LeaseTimers timers, VoterPlacement placement, HeartbeatTracker tracker) {
        this.timers = Objects.requireNonNull(timers, "timers").validate();
        this.placement = Objects.requireNonNull(placement, "placement");
        this.voters = placement.voters();
        this.tracker = Objects.requireNonNull(tracker, "tracker");
        this.placementProblem = placement.whyNotArmed();
    }

    /** The timers in force. */
    public LeaseTimers timers() {
        return timers;
    }

    /** Why automatic failover is not armed on this site at all (voter placement), or empty when it is. */
    public Optional<String> placementProblem() {
        return placementProblem;
    }

    /** Registers (or updates) a host; {@code canFence} is false for hosts with no self-fence and no fence loop. */
    public void registerHost(String hostId, boolean canFence) {
        host(hostId, canFence).canFence = canFence;
        fullPassDue = true;
    }

    /** Current state of a host. */
    public HostState state(String hostId) {
        return host(hostId).state;
    }

    /** Whether automatic failover of a LOST host's guests may start. */
    public boolean failoverArmed(String hostId) {
        Host host = host(hostId);
        return host.state == HostState.LOST && host.failoverArmed;
    }

    /** Why a LOST host's failover is not armed; empty otherwise. */
    public String notArmedReason(String hostId) {
        return host(hostId).notArmedReason;
    }

    /** Records the outcome of a probe of {@code hostId} by another agent, received at {@code nowNanos}. */
    public void onProbeResult(String hostId, long nowNanos, boolean hypervisorApiAnswered, boolean sshAnswered) {
        Host host = host(hostId);
        host.probeResultNanos = nowNanos;
        host.probeReachedHost = hypervisorApiAnswered || sshAnswered;
    }

    /** Records whether the host's latest heartbeat says it has fenced itself and not yet regained a lease. */
    public void onFencedReport(String hostId, boolean fenced) {
        Host host = host(hostId);
        if (host.reportsFenced != fenced) {
            host.reportsFenced = fenced;
            watch(host);
        }
    }

    /** Keeps {@link #watched} up to date after a host's state or fenced report changed. */
    private void watch(Host host) {
        boolean needsLook = switch (host.state) {
            case SUSPECTED, LOST -> true;
            case UP -> host.reportsFenced;
            case FENCED -> !host.reportsFenced;
            case MAINTENANCE -> false;
        };
        if (needsLook) {
            watched.put(host.hostId, host);
        } else {
            watched.remove(host.hostId);
        }
    }

    /**
     * Decides the state changes, probes and recoveries due at {@code nowNanos}, without changing anything.
     *
     * <p>It looks at every host only when some UP or FENCED host may have been silent past the suspicion timer (or a
     * host changed state since); otherwise only at the {@link #watched} hosts, in the same host id order. The hosts it
     * skips would yield nothing: their silence is at most the suspicion timer and their fenced report agrees with
     * their state.
     */
    public HealthAssessment evaluate(long nowNanos) {
        if (fullPassDue || nowNanos - earliestHeardNanos > timers.suspectAfterNanos()) {
            fullPassDue = false;
            long longestSilence = Long.MIN_VALUE;
            for (Host host : hosts.values()) {
                if (host.state == HostState.UP || host.state == HostState.FENCED) {
                    longestSilence = Math.max(longestSilence, tracker.silenceNanos(host.hostId, nowNanos));
                }
            }
            // With no UP or FENCED host, only apply() can make one: it asks for a full pass.
            earliestHeardNanos = longestSilence == Long.MIN_VALUE ? nowNanos : nowNanos - longestSilence;
            return evaluate(hosts.values(), nowNanos);
        }
        if (watched.isEmpty()) {
            return NOTHING;
        }
        return evaluate(watched.values(), nowNanos);
    }

    private HealthAssessment evaluate(Iterable<Host> candidates, long nowNanos) {
        List<HostTransition> transitions = new ArrayList<>();
        List<ProbeRequest> probes = new ArrayList<>();
        List<String> recoveryDue = new ArrayList<>();
        List<String> voters = this.voters;
        int majority = VoterPlacement.majority(voters.size());
        int newlyLost = 0;
        for (Host host : candidates) {
            long silence = tracker.silenceNanos(host.hostId, nowNanos);
            switch (host.state) {
                case UP, FENCED -> {
                    if (silence > timers.suspectAfterNanos()) {
                        transitions.add(new HostTransition(host.hostId, host.state, HostState.SUSPECTED, nowNanos,
                                silence, List.of(), false, "silent for " + LeaseTimers.show(silence)));
                        prober(host.hostId, nowNanos).ifPresent(p -> probes.add(new ProbeRequest(host.hostId, p)));
                    } else if (host.state == HostState.UP && host.reportsFenced) {
                        transitions.add(new HostTransition(host.hostId, host.state, HostState.FENCED, nowNanos,
                                silence, List.of(), false, "host reports it fenced itself (lease lost)"));
                    } else if (host.state == HostState.FENCED && !host.reportsFenced) {
                        transitions.add(new HostTransition(host.hostId, host.state, HostState.UP, nowNanos,
                                silence, List.of(), false, "host holds a lease again"));
                    }
                }
                case SUSPECTED -> {
                    // Only a host actually heard is back: after a restart, silence counts from the start.
                    if (silence <= timers.suspectAfterNanos() && tracker.heardFrom(host.hostId)) {
                        transitions.add(new HostTransition(host.hostId, host.state, back(host), nowNanos, silence,
                                List.of(), false, "heard again after " + LeaseTimers.show(silence)));
                        continue;
                    }
                    boolean secondSignal = host.probeResultNanos >= host.stateSinceNanos
                            && host.probeResultNanos != Long.MIN_VALUE && !host.probeReachedHost;
                    List<String> agreeing = tracker.votersSilentOn(host.hostId, voters, nowNanos,
                            timers.leaseTtlNanos());
                    if (secondSignal && agreeing.size() >= majority) {
                        newlyLost++;
                        transitions.add(lost(host, nowNanos, silence, agreeing, newlyLost));
                    } else if (host.probeRequestedNanos == Long.MIN_VALUE
                            || nowNanos - host.probeRequestedNanos >= timers.suspectAfterNanos()
                            || host.probeRequestedNanos < host.stateSinceNanos) {
                        prober(host.hostId, nowNanos).ifPresent(p -> probes.add(new ProbeRequest(host.hostId, p)));
                    }
                }
                case LOST -> {
                    if (silence <= timers.suspectAfterNanos() && tracker.heardFrom(host.hostId)) {
                        transitions.add(new HostTransition(host.hostId, host.state, back(host), nowNanos, silence,
                                List.of(), false, "lost host heard again; its guests stay with their current owner"));
                    } else if (host.failoverArmed && (host.adminConfirmed || !massFailure(nowNanos))
                            && tracker.votersSilentOn(host.hostId, voters, nowNanos,
                            timers.recoveryStartNanos()).size() >= majority) {
                        recoveryDue.add(host.hostId);
                    }
                }
                case MAINTENANCE -> {
                    // An admin took the host out of failure detection.
                }
            }
        }
        return new HealthAssessment(transitions, probes, recoveryDue);
    }

    private HostTransition lost(Host host, long nowNanos, long silence, List<String> agreeing, int newlyLost) {
        String why = "";
        if (placementProblem.isPresent()) {
            why = "automatic failover not armed: " + placementProblem.get();
        } else if (!host.canFence) {
            why = "host " + host.hostId + " cannot fence itself: manual failover only, an admin must confirm it is off";
        } else if (hosts.size() >= 3) {
            long recentlyLost = hosts.values().stream()
                    .filter(h -> h.state == HostState.LOST && h.lostAtNanos != Long.MIN_VALUE
                            && nowNanos - h.lostAtNanos <= timers.massFailureWindowNanos())
                    .count() + newlyLost;
            if (recentlyLost * 2 > hosts.size()) {
                why = "mass failure: " + recentlyLost + " of " + hosts.size() + " hosts lost within "
                        + LeaseTimers.show(timers.massFailureWindowNanos())
                        + "; automatic failover paused, an admin must confirm";
            }
        }
        String reason = "silent for " + LeaseTimers.show(silence) + " to " + agreeing
                + ", probe reached neither hypervisor API nor SSH" + (why.isEmpty() ? "" : "; " + why);
        return new HostTransition(host.hostId, HostState.SUSPECTED, HostState.LOST, nowNanos, silence, agreeing,
                why.isEmpty(), reason);
    }

    private static HostState back(Host host) {
        return host.reportsFenced ? HostState.FENCED : HostState.UP;
    }

    /** Whether more than half of the hosts (of a site with three or more) were lost within the damping window. */
    private boolean massFailure(long nowNanos) {
        if (hosts.size() < 3) {
            return false;
        }
        long recentlyLost = hosts.values().stream()
                .filter(h -> h.state == HostState.LOST && h.lostAtNanos != Long.MIN_VALUE
                        && nowNanos - h.lostAtNanos <= timers.massFailureWindowNanos())
                .count();
        return recentlyLost * 2 > hosts.size();
    }

    private Optional<String> prober(String hostId, long nowNanos) {
        return hosts.values().stream()
                .filter(h -> !h.hostId.equals(hostId) && h.state == HostState.UP
                        && tracker.silenceNanos(h.hostId, nowNanos) <= timers.suspectAfterNanos())
                .map(h -> h.hostId)
                .findFirst();
    }

    /** Notes that probes were just sent for the given requests, so that they are not repeated every tick. */
    public void probesSent(List<ProbeRequest> probes, long nowNanos) {
        for (ProbeRequest probe : probes) {
            host(probe.hostId()).probeRequestedNanos = nowNanos;
        }
    }

    /**
     * An admin confirms that a LOST host is off (or accepts a mass failure): returns the transition that arms its
     * failover, to journal and apply.
     *
     * @throws IllegalStateException when the host is not LOST
     */
    public HostTransition confirmHostOff(String hostId, String user, long nowNanos) {
        Host host = host(hostId);
        if (host.state != HostState.LOST) {
            throw new IllegalStateException("host " + hostId + " is " + host.state + ", not LOST: nothing to confirm");
        }
        return new HostTransition(hostId, HostState.LOST, HostState.LOST, nowNanos,
                tracker.silenceNanos(hostId, nowNanos), List.of(), true, "admin " + user + " confirmed the host is off");
    }

    /** Applies a journaled transition: the only way a host's state changes. */
    public void apply(HostTransition transition) {
        Host host = host(transition.hostId(), false);
        host.state = transition.to();
        host.stateSinceNanos = transition.atNanos();
        if (transition.to() == HostState.LOST) {
            if (transition.from() != HostState.LOST) {
                host.lostAtNanos = transition.atNanos();
            }
            host.failoverArmed = transition.failoverArmed();
            host.adminConfirmed = transition.from() == HostState.LOST && transition.failoverArmed();
            host.notArmedReason = transition.failoverArmed() ? "" : transition.reason();
        } else {
            host.failoverArmed = false;
            host.adminConfirmed = false;
            host.notArmedReason = "";
        }
        watch(host);
        fullPassDue = true;
    }

    private Host host(String hostId, boolean canFence) {
        Host host = byId.get(hostId);
        if (host == null) {
            host = new Host(hostId, canFence);
            hosts.put(hostId, host);
            byId.put(hostId, host);
        }
        return host;
    }

    private Host host(String hostId) {
        Host host = byId.get(hostId);
        if (host == null) {
            throw new IllegalArgumentException("host " + hostId + " is not registered with the lease table");
        }
        return host;
    }
}
