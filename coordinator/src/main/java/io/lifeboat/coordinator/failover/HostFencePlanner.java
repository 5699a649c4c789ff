package io.lifeboat.coordinator.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.GuestEntry;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.Failure;
import io.lifeboat.protocol.v1.Fence;
import io.lifeboat.protocol.v1.FencePeerHost;
import io.lifeboat.protocol.v1.FenceReason;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.HostFenceFinished;
import io.lifeboat.protocol.v1.HostFenceRequested;
import io.lifeboat.protocol.v1.JournalRecord;

/**
 * Decides the coordinator's fence of a lost host when its recovery starts (belt and braces: recovery is already safe
 * by the lease TTL, and never waits for the fence). It journals a {@code HostFenceRequested} before the command goes
 * out (I4), a {@code HostFenceFinished} when the result comes, the deadline passes or no agent can do it, and resends
 * a pending fence, same command id, after a restart or when its agent relinks.
 */
public final class HostFencePlanner {

    /**
     * Timing of a fence.
     *
     * @param timeout how long the agent may take (connect to the hypervisor and hard-stop the guests)
     * @param resultGrace extra time for the result to travel back before the fence counts as unanswered
     */
    public record Settings(Duration timeout, Duration resultGrace) {

        /** 60 s to fence, 30 s grace. */
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(60), Duration.ofSeconds(30));
        }
    }

    private final String nodeId;
    private final Settings settings;

    /** Creates the planner for coordinator node {@code nodeId}. */
    public HostFencePlanner(String nodeId, Settings settings) {
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /**
     * Fences {@code hostId}, whose failover {@code operationId} of {@code guestIds} starts now, by {@code route}.
     * Does not change {@code state}.
     */
    public Decision request(CoordinatorState state, String operationId, String hostId, List<String> guestIds,
                            FenceRoute route, Instant now) {
        String commandId = Commands.stableId(operationId + "/fence/" + hostId);
        if (state.pendingFences().containsKey(commandId)) {
            return new Decision(List.of(), List.of());
        }
        String reason = "host " + hostId + " lost: failover " + operationId + " by coordinator " + nodeId;
        CommandHeader header = CommandHeader.newBuilder().setCommandId(commandId).setEpoch(state.epoch())
                .setOperationId(operationId).setTimeout(Timestamps.of(settings.timeout())).build();
        Envelope command;
        String agent;
        if (route instanceof FenceRoute.OwnAgent own) {
            agent = own.hostId();
            command = Commands.envelope(nodeId, state.epoch(), Fence.newBuilder().setHeader(header)
                    .setReason(reason).build());
        } else if (route instanceof FenceRoute.Peer peer) {
            agent = peer.agentHostId();
            FencePeerHost.Builder fence = FencePeerHost.newBuilder().setHeader(header).setPeerHostId(hostId)
                    .setHypervisorUri(peer.hypervisorUri()).setReason(reason);
            for (String guestId : guestIds) {
                state.guest(guestId).map(GuestEntry::spec).ifPresent(spec -> fence.addGuests(GuestSpec.newBuilder()
                        .setGuestId(guestId).setName(spec.getName()).setHypervisorUuid(spec.getHypervisorUuid())));
            }
            command = Commands.envelope(nodeId, state.epoch(), fence.build());
        } else {
            String why = ((FenceRoute.None) route).reason();
            return new Decision(List.of(JournalRecord.newBuilder().setHostFenceFinished(HostFenceFinished
                    .newBuilder().setHostId(hostId).setOperationId(operationId).setSucceeded(false)
                    .setFailure(Failure.newBuilder().setErrorClass(ErrorClass.ERROR_CLASS_PERMANENT)
                            .setCode("cannot_fence").setMessage(why))
                    .setAt(Timestamps.of(now))).build()), List.of());
        }
        JournalRecord requested = JournalRecord.newBuilder().setHostFenceRequested(HostFenceRequested.newBuilder()
                .setHostId(hostId).setCommandId(commandId).setAgentHostId(agent).setCommand(command)
                .setOperationId(operationId).setRequestedAt(Timestamps.of(now))
                .setDeadline(Timestamps.of(now.plus(settings.timeout()).plus(settings.resultGrace())))).build();
        return new Decision(List.of(requested), List.of(new OutboundCommand(agent, command)));
    }

    /** Whether {@code commandId} is a pending fence of this coordinator. */
    public static boolean owns(CoordinatorState state, String commandId) {
        return state.pendingFences().containsKey(commandId);
    }

    /** The agent's result (or refusal, as a failed result) of a pending fence: journals how it ended. */
    public Decision onResult(CoordinatorState state, CommandResult result, Instant now) {
        HostFenceRequested pending = state.pendingFences().get(result.getCommandId());
        if (pending == null) {
            return new Decision(List.of(), List.of());
        }
        boolean ok = result.getOutcome() == CommandOutcome.COMMAND_OUTCOME_SUCCEEDED;
        HostFenceFinished.Builder finished = finished(pending, now).setSucceeded(ok)
                .addAllStoppedGuestIds(result.getFence().getStoppedGuestIdsList());
        if (!ok) {
            finished.setFailure(result.hasFailure() ? result.getFailure() : Failure.newBuilder()
                    .setErrorClass(ErrorClass.ERROR_CLASS_PERMANENT)
                    .setCode("fence_" + result.getOutcome().name().substring("COMMAND_OUTCOME_".length())
                            .toLowerCase(Locale.ROOT))
                    .setMessage(what(pending) + " ended " + result.getOutcome()).build());
        }
        return new Decision(List.of(JournalRecord.newBuilder().setHostFenceFinished(finished).build()), List.of());
    }

    /** Counts every pending fence past its deadline as failed (unanswered). */
    public Decision tick(CoordinatorState state, Instant now) {
        List<JournalRecord> records = new ArrayList<>();
        for (HostFenceRequested pending : state.pendingFences().values()) {
            if (now.isAfter(Timestamps.instant(pending.getDeadline()))) {
                records.add(JournalRecord.newBuilder().setHostFenceFinished(finished(pending, now)
                        .setSucceeded(false).setFailure(Failure.newBuilder()
                                .setErrorClass(ErrorClass.ERROR_CLASS_RETRIABLE).setCode("timed_out")
                                .setMessage(what(pending) + " got no result by "
                                        + Timestamps.instant(pending.getDeadline())))).build());
            }
        }
        return new Decision(records, List.of());
    }

    /**
     * The pending fences whose agent is {@code hostId} (every pending fence when {@code hostId} is null), at the
     * current epoch with their original command ids: resent after a restart and when that agent's link comes back.
     */
    public List<OutboundCommand> outstanding(CoordinatorState state, String hostId) {
        List<OutboundCommand> out = new ArrayList<>();
        for (HostFenceRequested pending : state.pendingFences().values()) {
            if (hostId == null || pending.getAgentHostId().equals(hostId)) {
                out.add(new OutboundCommand(pending.getAgentHostId(),
                        Commands.atEpoch(pending.getCommand(), state.epoch())));
            }
        }
        return out;
    }

    private static HostFenceFinished.Builder finished(HostFenceRequested pending, Instant now) {
        boolean peer = pending.getCommand().hasFencePeerHost();
        return HostFenceFinished.newBuilder().setHostId(pending.getHostId()).setCommandId(pending.getCommandId())
                .setAgentHostId(pending.getAgentHostId()).setOperationId(pending.getOperationId())
                .setReason(peer ? FenceReason.FENCE_REASON_REMOTE_POWER_OFF : FenceReason.FENCE_REASON_COMMAND)
                .setHypervisorUri(peer ? pending.getCommand().getFencePeerHost().getHypervisorUri() : "")
                .setAt(Timestamps.of(now));
    }

    private static String what(HostFenceRequested pending) {
        return pending.getCommand().hasFencePeerHost()
                ? "fence of host " + pending.getHostId() + " by agent " + pending.getAgentHostId() + " through "
                        + pending.getCommand().getFencePeerHost().getHypervisorUri()
                : "fence of host " + pending.getHostId() + " by its own agent";
    }
}
