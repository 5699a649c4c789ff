package io.lifeboat.coordinator.bench.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;

import io.lifeboat.coordinator.bench.internal.ScaleNames;
import io.lifeboat.protocol.FramedConnection;
import io.lifeboat.protocol.HelloCredentials;
import io.lifeboat.protocol.ProtocolVersion;
import io.lifeboat.protocol.v1.CommandAck;
import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.CpuVendor;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.Failure;
import io.lifeboat.protocol.v1.FencingCapability;
import io.lifeboat.protocol.v1.GuestBitness;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.Heartbeat;
import io.lifeboat.protocol.v1.Hello;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HypervisorKind;
import io.lifeboat.protocol.v1.Inventory;
import io.lifeboat.protocol.v1.LeaseRenew;
import io.lifeboat.protocol.v1.PeerObservation;
import io.lifeboat.protocol.v1.PowerState;
import io.lifeboat.protocol.v1.ProbeResult;
import io.lifeboat.protocol.v1.Role;
import io.lifeboat.protocol.v1.VirtualizationExtension;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

/**
 * A slice of the simulated agents on one event loop: each holds a real lifeboat.v1 link to the coordinator (Hello
 * with the site's credentials, Inventory of its guests, then a LeaseRenew and a Heartbeat with its peer observations
 * every interval, staggered over ten slots), answers ProbePeerHost by whether the probed agent was killed, and
 * answers every other command with a failure.
 */
public final class SimulatedAgentGroup extends VerticleBase {

    private static final int SLOTS = 10;

    private final SimulatedFleet fleet;
    private final int from;
    private final int to;
    private final int guestsPerAgent;
    private final String coordinatorHost;
    private final int coordinatorPort;
    private final HelloCredentials credentials;
    private final long heartbeatMillis;
    private final List<Agent> agents = new ArrayList<>();
    /** Held while its sockets live: Vert.x 5 closes a NetClient once it is garbage-collected. */
    private NetClient client;
    private long timerId = -1;
    private long tick;
    private volatile boolean stopping;

    /**
     * Creates the slice of agents {@code from} (inclusive) to {@code to} (exclusive).
     *
     * @param heartbeatMillis the heartbeat and renewal interval
     */
    public SimulatedAgentGroup(SimulatedFleet fleet, int from, int to, int guestsPerAgent, String coordinatorHost,
                               int coordinatorPort, HelloCredentials credentials, long heartbeatMillis) {
        this.fleet = Objects.requireNonNull(fleet, "fleet");
        this.from = from;
        this.to = to;
        this.guestsPerAgent = guestsPerAgent;
        this.coordinatorHost = Objects.requireNonNull(coordinatorHost, "coordinatorHost");
        this.coordinatorPort = coordinatorPort;
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.heartbeatMillis = heartbeatMillis;
    }

    @Override
    public Future<?> start() {
        client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(10_000).setTcpNoDelay(true));
        for (int i = from; i < to; i++) {
            Agent agent = new Agent(i);
            agents.add(agent);
            agent.connect();
        }
        timerId = vertx.setPeriodic(Math.max(1, heartbeatMillis / SLOTS), id -> beat());
        return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() {
        stopping = true;
        vertx.cancelTimer(timerId);
        List<Future<?>> closing = new ArrayList<>();
        agents.forEach(a -> {
            if (a.connection != null) {
                closing.add(a.connection.close());
            }
        });
        return Future.join(closing).eventually(() -> client.close());
    }

    private void beat() {
        long slot = tick++ % SLOTS;
        long now = System.nanoTime();
        List<PeerObservation> observations = null;
        for (Agent agent : agents) {
            if (agent.index % SLOTS != slot || !agent.linked || fleet.isKilled(agent.index)) {
                continue;
            }
            if (observations == null) {
                observations = fleet.silentPeers(now, 2 * heartbeatMillis * 1_000_000L);
            }
            agent.beat(now, observations);
        }
    }

    /** One simulated agent and its link. */
    private final class Agent {
        final int index;
        final String hostId;
        final long incarnation = System.currentTimeMillis();
        final List<String> running = new ArrayList<>();
        FramedConnection connection;
        boolean linked;
        long sequence;
        long renewals;

        Agent(int index) {
            this.index = index;
            this.hostId = ScaleNames.hostId(index);
            for (int g = 0; g < guestsPerAgent; g++) {
                running.add(ScaleNames.guestId(index, g));
            }
        }

        void connect() {
            client.connect(coordinatorPort, coordinatorHost).onSuccess(socket -> {
                connection = new FramedConnection(socket, this::receive, e -> { });
                connection.closed().onComplete(v -> {
                    linked = false;
                    if (!stopping && !fleet.isKilled(index)) {
                        vertx.setTimer(1000, id -> connect());
                    }
                });
                send(Envelope.newBuilder().setHello(Hello.newBuilder().setRole(Role.ROLE_AGENT).setSenderId(hostId)
                        .setProtocolMajor(ProtocolVersion.CURRENT.major())
                        .setProtocolMinor(ProtocolVersion.CURRENT.minor()).setIncarnation(incarnation)
                        .setCredentials(credentials.sign(Role.ROLE_AGENT, hostId, incarnation))
                        .setSoftwareVersion("bench-sim")));
            }).onFailure(e -> {
                if (!stopping) {
                    vertx.setTimer(1000, id -> connect());
                }
            });
        }

        void send(Envelope.Builder envelope) {
            if (connection != null && !fleet.isKilled(index)) {
                long seq = ++sequence;
                connection.send(envelope.setMessageId(hostId + "-" + incarnation + "-" + seq).setSender(hostId)
                        .setIncarnation(incarnation).setSequence(seq).build());
            }
        }

        void beat(long nowNanos, List<PeerObservation> observations) {
            fleet.beat(index, nowNanos);
            send(Envelope.newBuilder().setLeaseRenew(LeaseRenew.newBuilder().setHostId(hostId)
                    .setRenewalNumber(++renewals).addAllRunningGuestIds(running)));
            send(Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder().setHostId(hostId)
                    .setLeaseRemaining(com.google.protobuf.Duration.newBuilder().setSeconds(6))
                    .addAllRunningGuestIds(running).addAllPeers(observations.stream()
                            .filter(o -> !o.getVoterId().equals(hostId)).toList())));
        }

        void receive(Envelope envelope) {
            if (fleet.isKilled(index)) {
                return;
            }
            switch (envelope.getPayloadCase()) {
                case HELLO_ACK -> {
                    linked = true;
                    fleet.linked(index);
                    send(Envelope.newBuilder().setInventory(inventory()));
                    // The first heartbeat goes out in this agent's slot, within one interval: building every
                    // peer's observation for each of 1,000 links at once would stall the event loop at start.
                }
                case HELLO_REFUSED -> System.err.println("simulated agent " + hostId + ": hello refused: "
                        + envelope.getHelloRefused().getMessage());
                case LEASE_GRANT, PAYLOAD_NOT_SET -> {
                    // Grants keep a real agent's lease; the simulated ones never fence.
                }
                default -> command(envelope);
            }
        }

        void command(Envelope envelope) {
            String commandId = commandId(envelope);
            if (commandId == null) {
                return;
            }
            send(Envelope.newBuilder().setInReplyTo(envelope.getMessageId()).setCommandAck(CommandAck.newBuilder()
                    .setCommandId(commandId).setAccepted(true).setHighestEpochSeen(envelope.getEpoch())));
            CommandResult.Builder result = CommandResult.newBuilder().setCommandId(commandId);
            if (envelope.hasProbePeerHost()) {
                String peer = envelope.getProbePeerHost().getPeerHostId();
                int peerIndex = ScaleNames.hostIndex(peer);
                boolean answered = peerIndex >= 0 && peerIndex < fleet.size() && !fleet.isKilled(peerIndex);
                ProbeResult.Builder probe = ProbeResult.newBuilder().setPeerHostId(peer)
                        .setHypervisorApiAnswered(answered).setSshAnswered(answered);
                if (!answered) {
                    probe.setFailure(Failure.newBuilder().setErrorClass(ErrorClass.ERROR_CLASS_RETRIABLE)
                            .setCode("peer_silent").setMessage("simulated agent " + hostId + ": peer " + peer
                                    + " answered neither at its hypervisor API nor at SSH"));
                }
                result.setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED).setProbe(probe);
            } else {
                result.setOutcome(CommandOutcome.COMMAND_OUTCOME_FAILED).setFailure(Failure.newBuilder()
                        .setErrorClass(ErrorClass.ERROR_CLASS_PERMANENT).setCode("simulated")
                        .setMessage("simulated agent " + hostId + " does not run " + envelope.getPayloadCase()));
            }
            send(Envelope.newBuilder().setInReplyTo(envelope.getMessageId()).setCommandResult(result));
        }

        Inventory inventory() {
            Inventory.Builder inv = Inventory.newBuilder().setHostId(hostId).setFacts(HostFacts.newBuilder()
                    .setHostId(hostId).setHostname(hostId + ".bench").setHypervisorKind(HypervisorKind
                            .HYPERVISOR_KIND_LIBVIRT_KVM).setHypervisorVersion("simulated")
                    .setCpuVendor(CpuVendor.CPU_VENDOR_INTEL).setCpuModel("simulated")
                    .setVirtualizationExtension(VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X)
                    .setCpu64BitCapable(true).setCpuCount(64).setMemoryBytes(1L << 40)
                    .setMemoryFreeBytes(1L << 39).setDatastoreFreeBytes(1L << 44)
                    .setFencingCapability(FencingCapability.FENCING_CAPABILITY_SELF_FENCE));
            for (int g = 0; g < guestsPerAgent; g++) {
                inv.addGuests(GuestSpec.newBuilder().setGuestId(ScaleNames.guestId(index, g))
                        .setName(ScaleNames.guestName(index, g)).setGuestOs("linux")
                        .setBitness(GuestBitness.GUEST_BITNESS_64).setVcpus(1).setMemoryBytes(512L << 20)
                        .setPowerState(PowerState.POWER_STATE_RUNNING));
            }
            return inv.build();
        }
    }

    /** The command id in the payload's {@code header}, or null when the payload is no command. */
    static String commandId(Envelope envelope) {
        if (envelope.getPayloadCase() == Envelope.PayloadCase.PAYLOAD_NOT_SET) {
            return null;
        }
        FieldDescriptor payloadField = Envelope.getDescriptor()
                .findFieldByNumber(envelope.getPayloadCase().getNumber());
        Object payload = envelope.getField(payloadField);
        if (!(payload instanceof Message message)) {
            return null;
        }
        FieldDescriptor header = message.getDescriptorForType().findFieldByName("header");
        if (header == null || header.getType() != FieldDescriptor.Type.MESSAGE
                || !header.getMessageType().getFullName().equals(CommandHeader.getDescriptor().getFullName())) {
            return null;
        }
        String id = ((CommandHeader) message.getField(header)).getCommandId();
        return id.isEmpty() ? envelope.getMessageId() : id;
    }
}
