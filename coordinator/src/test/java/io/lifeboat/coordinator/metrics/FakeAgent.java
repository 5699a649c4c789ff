package io.lifeboat.coordinator.metrics;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.FramedConnection;
import io.lifeboat.protocol.HelloCredentials;
import io.lifeboat.protocol.v1.BackupResult;
import io.lifeboat.protocol.v1.BootResult;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.FencingCapability;
import io.lifeboat.protocol.v1.GuestBitness;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.Heartbeat;
import io.lifeboat.protocol.v1.Hello;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HypervisorKind;
import io.lifeboat.protocol.v1.Inventory;
import io.lifeboat.protocol.v1.MaterialiseResult;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import io.lifeboat.protocol.v1.PeerObservation;
import io.lifeboat.protocol.v1.ProbeResult;
import io.lifeboat.protocol.v1.RegisterResult;
import io.lifeboat.protocol.v1.ReplicationCommitted;
import io.lifeboat.protocol.v1.Role;
import io.lifeboat.protocol.v1.VirtualizationExtension;
import io.lifeboat.protocol.v1.VmdkCreateType;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;

/**
 * An in-process agent link for tests of what the coordinator shows (metrics, REST, CLI): it says hello, heartbeats
 * every 200 ms (reporting its peer silent once told so), and answers commands through a responder; {@link #primary}
 * answers backups with a committed restore point, {@link #standby} answers the failover steps.
 */
public final class FakeAgent {

    private static final byte[] NONCE = "nonce-0123456789".getBytes(StandardCharsets.UTF_8);

    final String hostId;
    private final Vertx vertx;
    // Held for as long as its socket lives: Vert.x 5 closes a garbage-collected NetClient.
    private final NetClient client;
    private final FramedConnection connection;
    private final long timer;
    private volatile Function<Envelope, List<Envelope.Builder>> responder = e -> List.of();
    private volatile java.util.function.Consumer<Envelope> listener = e -> { };
    private volatile String peerId;
    private volatile Instant peerSilentSince;
    private long sequence;
    /** Every envelope the coordinator sent. */
    public final List<Envelope> received = new CopyOnWriteArrayList<>();

    /** Links {@code hostId} to the coordinator's agent port with the site's shared secret. */
    public FakeAgent(Vertx vertx, int port, String hostId, String keyId, String secret) throws Exception {
        this.vertx = vertx;
        this.hostId = hostId;
        client = vertx.createNetClient();
        NetSocket socket = client.connect(port, "127.0.0.1").toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        connection = new FramedConnection(socket, this::receive, e -> { });
        send(Envelope.newBuilder().setMessageId("hello-" + hostId).setHello(Hello.newBuilder()
                .setRole(Role.ROLE_AGENT).setSenderId(hostId).setProtocolMajor(1).setIncarnation(1)
                .setCredentials(new HelloCredentials(keyId, secret.getBytes(StandardCharsets.UTF_8))
                        .sign(Role.ROLE_AGENT, hostId, 1, NONCE))));
        timer = vertx.setPeriodic(200, id -> {
            Heartbeat.Builder hb = Heartbeat.newBuilder().setHostId(hostId);
            if (peerId != null) {
                long silentNanos = peerSilentSince == null ? 0
                        : Duration.between(peerSilentSince, Instant.now()).toNanos();
                hb.addPeers(PeerObservation.newBuilder().setVoterId(peerId)
                        .setSinceLastHeard(Timestamps.of(Duration.ofNanos(silentNanos))));
            }
            send(Envelope.newBuilder().setMessageId(hostId + "-hb-" + id + "-" + sequence).setHeartbeat(hb));
        });
    }

    /** Reports {@code peer} in heartbeats, heard just now. */
    public FakeAgent peer(String peer) {
        this.peerId = peer;
        return this;
    }

    /** From now on, reports the peer silent. */
    public void peerWentSilent() {
        this.peerSilentSince = Instant.now();
    }

    /** Sends its inventory: facts of a KVM host and {@code guests}. */
    public FakeAgent inventory(GuestSpec... guests) {
        send(Envelope.newBuilder().setMessageId("inv-" + hostId).setInventory(Inventory.newBuilder().setHostId(hostId)
                .setFacts(kvm(hostId)).addAllGuests(List.of(guests))));
        return this;
    }

    /** Answers backups of {@code guestId} with a point committed on {@code storeHostId}, reporting bytes and time. */
    public FakeAgent primary(String guestId, String storeHostId, long bytesRead, long bytesSent) {
        Instant snapshot = Instant.now().minusSeconds(5);
        String pointId = guestId + "/20261130T100000Z";
        responder = e -> {
            if (!e.hasBackupGuest()) {
                return List.of();
            }
            String id = e.getBackupGuest().getHeader().getCommandId();
            return List.of(Envelope.newBuilder().setMessageId("committed-" + id).setReplicationCommitted(
                            ReplicationCommitted.newBuilder().setGuestId(guestId).setCycleId(id).setPointId(pointId)
                                    .setSnapshotTime(Timestamps.of(snapshot)).setTargetHostId(storeHostId)
                                    .setBytesRead(bytesRead).setBytesSent(bytesSent)
                                    .setDuration(com.google.protobuf.Duration.newBuilder().setSeconds(3))),
                    result(e, id).setCommandResult(CommandResult.newBuilder().setCommandId(id)
                            .setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED)
                            .setBackup(BackupResult.newBuilder().setPointId(pointId)
                                    .setSnapshotTime(Timestamps.of(snapshot)))));
        };
        return this;
    }

    /** Answers probes (peer unreachable) and the failover steps: materialise, register, start with a verified boot. */
    public FakeAgent standby(String peerHostId) {
        responder = e -> switch (e.getPayloadCase()) {
            case PROBE_PEER_HOST -> List.of(succeeded(e, e.getProbePeerHost().getHeader().getCommandId(),
                    r -> r.setProbe(ProbeResult.newBuilder().setPeerHostId(peerHostId))));
            case MATERIALISE_RESTORE_POINT -> {
                var m = e.getMaterialiseRestorePoint();
                yield List.of(succeeded(e, m.getHeader().getCommandId(), r -> r.setMaterialise(MaterialiseResult
                        .newBuilder().setBytesWritten(1 << 20).addDisks(DiskSpec.newBuilder()
                                .setPath(m.getDestinationDir() + "/disk-0.raw").setFormat(m.getTargetFormat())
                                .setCapacityBytes(1L << 30)))));
            }
            case REGISTER_GUEST -> List.of(succeeded(e, e.getRegisterGuest().getHeader().getCommandId(),
                    r -> r.setRegister(RegisterResult.newBuilder().setHypervisorUuid("uuid-on-" + hostId))));
            case START_GUEST -> List.of(succeeded(e, e.getStartGuest().getHeader().getCommandId(),
                    r -> r.setBoot(BootResult.newBuilder().setBootVerified(true))));
            default -> List.of();
        };
        return this;
    }

    /** Shows {@code seen} each envelope the coordinator sends, before it is answered. */
    public FakeAgent listener(java.util.function.Consumer<Envelope> seen) {
        listener = seen;
        return this;
    }

    /** Also answers what the current responder leaves unanswered, with {@code more} (a test's own script). */
    public FakeAgent also(Function<Envelope, List<Envelope.Builder>> more) {
        Function<Envelope, List<Envelope.Builder>> first = responder;
        responder = e -> {
            List<Envelope.Builder> answers = first.apply(e);
            return answers.isEmpty() ? more.apply(e) : answers;
        };
        return this;
    }

    /** Stops heartbeating and closes the link. */
    public void die() throws Exception {
        vertx.cancelTimer(timer);
        connection.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** A 64-bit guest with one VMDK disk and one virtio NIC. */
    public static GuestSpec guest(String name) {
        return GuestSpec.newBuilder().setName(name).setBitness(GuestBitness.GUEST_BITNESS_64).setVcpus(1)
                .setMemoryBytes(512L << 20)
                .addDisks(DiskSpec.newBuilder().setPath("/var/lib/libvirt/images/" + name + ".vmdk")
                        .setFormat(DiskFormat.DISK_FORMAT_VMDK)
                        .setVmdkCreateType(VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE)
                        .setCapacityBytes(1L << 30))
                .addNics(NicSpec.newBuilder().setMacAddress("52:54:00:12:34:56").setModel(NicModel.NIC_MODEL_VIRTIO)
                        .setNetwork("VM Network"))
                .build();
    }

    private void receive(Envelope e) {
        received.add(e);
        listener.accept(e);
        for (Envelope.Builder answer : responder.apply(e)) {
            send(answer);
        }
    }

    private Future<Void> send(Envelope.Builder e) {
        return connection.send(e.setSender(hostId).setIncarnation(1).setSequence(++sequence).build());
    }

    /** Facts of a KVM host with VT-x that fences itself (shared by tests that feed a core by hand). */
    public static HostFacts kvm(String id) {
        return HostFacts.newBuilder().setHostId(id).setHypervisorKind(HypervisorKind.HYPERVISOR_KIND_LIBVIRT_KVM)
                .setHypervisorVersion("9.0.0").setVirtualizationExtension(
                        VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X)
                .setCpu64BitCapable(true).setCpuCount(4).setMemoryBytes(8L << 30).setMemoryFreeBytes(6L << 30)
                .setDatastoreFreeBytes(100L << 30).setFencingCapability(FencingCapability.FENCING_CAPABILITY_SELF_FENCE)
                .build();
    }

    private static Envelope.Builder result(Envelope command, String commandId) {
        return Envelope.newBuilder().setMessageId("result-" + commandId).setInReplyTo(command.getMessageId());
    }

    /** The successful result of {@code command}, with the details {@code detail} adds. */
    public static Envelope.Builder succeeded(Envelope command, String commandId,
                                             java.util.function.UnaryOperator<CommandResult.Builder> detail) {
        return result(command, commandId).setCommandResult(detail.apply(CommandResult.newBuilder()
                .setCommandId(commandId).setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED)));
    }
}
