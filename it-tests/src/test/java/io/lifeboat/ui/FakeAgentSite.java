package io.lifeboat.ui;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import io.lifeboat.coordinator.CoordinatorVerticle;
import io.lifeboat.coordinator.api.auth.PasswordHasher;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.FramedConnection;
import io.lifeboat.protocol.HelloCredentials;
import io.lifeboat.protocol.v1.BackupResult;
import io.lifeboat.protocol.v1.BootResult;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.DrillBootResult;
import io.lifeboat.protocol.v1.DrillTeardownResult;
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
import io.lifeboat.protocol.v1.ReplicationProgress;
import io.lifeboat.protocol.v1.Role;
import io.lifeboat.protocol.v1.VirtualizationExtension;
import io.lifeboat.protocol.v1.VmdkCreateType;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;

/**
 * A real coordinator (its verticle, REST API and web page, with an admin and a viewer) fed by two in-process fake
 * agent links over TCP: hostA runs guests {@code mail} and {@code web} and answers each backup slowly, reporting
 * replication progress of a 4 GiB disk every 400 ms before it commits; hostB is the standby that answers probes as
 * unanswered, every recovery step as done, each drill boot as verified (with a serial tail) after a short while and
 * each teardown as leaving nothing, and the failback's transfers and stop after a short while each.
 * {@link #killPrimary()} silences hostA as a host kill does; {@link #revivePrimary()} brings it back as a restarted
 * agent that keeps its old disk state as a restore point and materialises, registers and starts a guest failed back.
 *
 * <p>It stands in for the lab site until the lab can configure coordinator users: the page sees exactly the REST
 * API a lab-fed coordinator serves, only the agents are scripted.
 */
final class FakeAgentSite implements AutoCloseable {

    static final String ADMIN = "alice";
    static final String ADMIN_PASSWORD = "alice's long passphrase 1";
    static final String VIEWER = "victor";
    static final String VIEWER_PASSWORD = "victor's long passphrase 2";
    static final String MAIL = "7f1c8d2e-0000-4000-8000-000000000001";
    static final String WEB = "7f1c8d2e-0000-4000-8000-000000000002";
    static final long DISK_BYTES = 4L << 30;
    private static final String SECRET = "correct horse battery staple 42";
    private static final byte[] NONCE = "nonce-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final int PROGRESS_STEPS = 24;
    private static final long PROGRESS_EVERY_MS = 400;
    /** How long the standby takes for each failback transfer or stop and each drill boot, so the page shows them. */
    private static final long STANDBY_STEP_MS = 1500;
    /** The serial console tail a drill copy "printed". */
    static final String DRILL_SERIAL_TAIL = "Debian GNU/Linux 12 drill ttyS0\n\ndrill login:";
    /** The time each drill copy "took" to a verified boot. */
    static final Duration DRILL_BOOT = Duration.ofMillis(2500);

    private final Vertx vertx;
    private final CoordinatorVerticle verticle;
    private FakeAgent hostA;
    private final FakeAgent hostB;
    private final DroppingProxy proxy;

    private FakeAgentSite(Vertx vertx, CoordinatorVerticle verticle, FakeAgent hostA, FakeAgent hostB,
                          DroppingProxy proxy) {
        this.vertx = vertx;
        this.verticle = verticle;
        this.hostA = hostA;
        this.hostB = hostB;
        this.proxy = proxy;
    }

    /** Writes the configuration into {@code dir}, starts the coordinator and links both fake agents. */
    static FakeAgentSite start(Path dir) throws Exception {
        Files.writeString(dir.resolve("site.secret"), SECRET + "\n");
        String yaml = """
                nodeId: c1
                box: nas
                listen:
                  host: 127.0.0.1
                  port: 0
                http:
                  listen: "127.0.0.1:0"
                users:
                  - {name: %s, role: admin, passwordHash: "%s"}
                  - {name: %s, role: viewer, passwordHash: "%s"}
                journalDir: journal
                secrets:
                  site: site.secret
                hosts:
                  - id: hostA
                    box: boxA
                    store: "127.0.0.1:7402"
                    probe:
                      hypervisor: "127.0.0.1:16509"
                      ssh: "127.0.0.1:2222"
                  - id: hostB
                    box: boxB
                    store: "127.0.0.1:7403"
                    probe:
                      hypervisor: "127.0.0.1:16510"
                      ssh: "127.0.0.1:2223"
                timers:
                  heartbeatSeconds: 0.2
                  suspectSeconds: 0.6
                  fenceDeadlineSeconds: 1.2
                  leaseTtlSeconds: 1.6
                  recoveryStartSeconds: 2.0
                  peerReportFreshSeconds: 0.6
                plans:
                  - name: office
                    target: hostB
                    destinationDir: /srv/lifeboat
                    networks:
                      VM Network: br0
                    guests:
                      - id: %s
                        group: 0
                        boot: {serialMarker: "login:", timeoutSeconds: 120}
                      - id: %s
                        group: 1
                        boot: {serialMarker: "login:", timeoutSeconds: 120}
                guests:
                  - {id: %s, name: mail, primary: hostA, standby: hostB, plan: office, rpo: 30}
                  - {id: %s, name: web, primary: hostA, standby: hostB, plan: office, rpo: 30}
                """.formatted(ADMIN, PasswordHasher.hash(ADMIN_PASSWORD.toCharArray()), VIEWER,
                PasswordHasher.hash(VIEWER_PASSWORD.toCharArray()), MAIL, WEB, MAIL, WEB);
        Path file = dir.resolve("coordinator.yaml");
        Files.writeString(file, yaml);
        Vertx vertx = Vertx.vertx();
        try {
            CoordinatorVerticle verticle = new CoordinatorVerticle(CoordinatorConfigLoader.load(file));
            join(vertx.deployVerticle(verticle));
            FakeAgent a = new FakeAgent(vertx, verticle.actualPort(), "hostA");
            FakeAgent b = new FakeAgent(vertx, verticle.actualPort(), "hostB");
            a.peerId = "hostB";
            b.peerId = "hostA";
            a.responder = a::slowBackup;
            b.responder = b::standby;
            a.send(Envelope.newBuilder().setMessageId("inv-A").setInventory(Inventory.newBuilder()
                    .setHostId("hostA").setFacts(kvm("hostA")).addGuests(guest("mail", "52:54:00:12:34:56"))
                    .addGuests(guest("web", "52:54:00:12:34:57"))));
            b.send(Envelope.newBuilder().setMessageId("inv-B").setInventory(Inventory.newBuilder()
                    .setHostId("hostB").setFacts(kvm("hostB"))));
            return new FakeAgentSite(vertx, verticle, a, b, join(DroppingProxy.start(vertx, verticle.httpPort())));
        } catch (Exception | Error e) {
            vertx.close();
            throw e;
        }
    }

    /** The page's address, through a proxy that can drop the browser's connections. */
    String baseUrl() {
        return "http://127.0.0.1:" + proxy.port();
    }

    /** Cuts every connection the browser has open to the coordinator (its event stream included). */
    void dropBrowserConnections() {
        proxy.dropAll();
    }

    /** hostA stops heartbeating and drops its link, and hostB stops hearing it: what a host kill looks like. */
    void killPrimary() throws Exception {
        hostB.peerSilentSince = Instant.now();
        hostA.die();
    }

    /**
     * hostA's agent restarts (a new incarnation) with no guest running, and hostB hears it again: the coordinator
     * sees the lost host UP. The new agent keeps its old disk state as a restore point when asked, materialises,
     * registers and starts what it is sent, and backs up slowly as before.
     */
    void revivePrimary() throws Exception {
        FakeAgent a = new FakeAgent(vertx, verticle.actualPort(), "hostA", 2);
        a.peerId = "hostB";
        a.responder = a::revivedPrimary;
        hostA = a;
        hostB.peerSilentSince = null;
    }

    @Override
    public void close() {
        try {
            join(vertx.close());
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("fake agent site: Vert.x did not close: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static <T> T join(Future<T> future) throws InterruptedException, ExecutionException, TimeoutException {
        return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static HostFacts kvm(String id) {
        return HostFacts.newBuilder().setHostId(id).setHypervisorKind(HypervisorKind.HYPERVISOR_KIND_LIBVIRT_KVM)
                .setHypervisorVersion("9.0.0")
                .setVirtualizationExtension(VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X)
                .setCpu64BitCapable(true).setCpuCount(4).setMemoryBytes(8L << 30).setMemoryFreeBytes(6L << 30)
                .setDatastoreFreeBytes(100L << 30)
                .setFencingCapability(FencingCapability.FENCING_CAPABILITY_SELF_FENCE).build();
    }

    private static GuestSpec guest(String name, String mac) {
        return GuestSpec.newBuilder().setName(name).setBitness(GuestBitness.GUEST_BITNESS_64).setVcpus(1)
                .setMemoryBytes(512L << 20)
                .addDisks(DiskSpec.newBuilder().setPath("/var/lib/libvirt/images/" + name + ".vmdk")
                        .setFormat(DiskFormat.DISK_FORMAT_VMDK)
                        .setVmdkCreateType(VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE)
                        .setCapacityBytes(DISK_BYTES))
                .addNics(NicSpec.newBuilder().setMacAddress(mac).setModel(NicModel.NIC_MODEL_VIRTIO)
                        .setNetwork("VM Network"))
                .build();
    }

    private static Envelope.Builder succeeded(Envelope command, String commandId, CommandResult.Builder result) {
        return Envelope.newBuilder().setMessageId("result-" + commandId).setInReplyTo(command.getMessageId())
                .setCommandResult(result.setCommandId(commandId).setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED));
    }

    /** The id of a restore point of a guest taken at {@code at}: {@code <guest id>/<UTC yyyyMMddTHHmmssZ>}. */
    private static String pointId(String guestId, Instant at) {
        return guestId + "/" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                .withZone(java.time.ZoneOffset.UTC).format(at);
    }

    /** What a host does on materialise, register and start: each succeeds at once (the boot verified). */
    private static List<Envelope.Builder> runGuest(Envelope e) {
        return switch (e.getPayloadCase()) {
            case MATERIALISE_RESTORE_POINT -> {
                var m = e.getMaterialiseRestorePoint();
                yield List.of(succeeded(e, m.getHeader().getCommandId(), CommandResult.newBuilder()
                        .setMaterialise(MaterialiseResult.newBuilder().setBytesWritten(1 << 20)
                                .addDisks(DiskSpec.newBuilder().setPath(m.getDestinationDir() + "/disk-0.raw")
                                        .setFormat(m.getTargetFormat()).setCapacityBytes(DISK_BYTES)))));
            }
            case REGISTER_GUEST -> List.of(succeeded(e, e.getRegisterGuest().getHeader().getCommandId(),
                    CommandResult.newBuilder().setRegister(RegisterResult.newBuilder()
                            .setHypervisorUuid("uuid-" + e.getRegisterGuest().getSpec().getGuestId()))));
            case START_GUEST -> List.of(succeeded(e, e.getStartGuest().getHeader().getCommandId(),
                    CommandResult.newBuilder().setBoot(BootResult.newBuilder().setBootVerified(true))));
            default -> List.of();
        };
    }

    /** An agent link that heartbeats every 200 ms and answers commands through {@code responder}. */
    private static final class FakeAgent {
        final Vertx vertx;
        final String hostId;
        final NetClient client; // held while its socket lives (Vert.x 5 closes a collected client)
        final FramedConnection connection;
        final Map<String, Long> backups = new ConcurrentHashMap<>();
        final List<Long> timers = new CopyOnWriteArrayList<>();
        volatile Function<Envelope, List<Envelope.Builder>> responder = e -> List.of();
        volatile String peerId;
        volatile Instant peerSilentSince;
        volatile boolean dead;
        final long incarnation;
        long sequence;

        FakeAgent(Vertx vertx, int port, String hostId) throws Exception {
            this(vertx, port, hostId, 1);
        }

        FakeAgent(Vertx vertx, int port, String hostId, long incarnation) throws Exception {
            this.vertx = vertx;
            this.hostId = hostId;
            this.incarnation = incarnation;
            client = vertx.createNetClient();
            NetSocket socket = join(client.connect(port, "127.0.0.1"));
            connection = new FramedConnection(socket, this::receive, e -> { });
            send(Envelope.newBuilder().setMessageId("hello-" + hostId).setHello(Hello.newBuilder()
                    .setRole(Role.ROLE_AGENT).setSenderId(hostId).setProtocolMajor(1).setIncarnation(incarnation)
                    .setCredentials(new HelloCredentials("site", SECRET.getBytes(StandardCharsets.UTF_8))
                            .sign(Role.ROLE_AGENT, hostId, incarnation, NONCE))));
            timers.add(vertx.setPeriodic(200, id -> {
                Heartbeat.Builder hb = Heartbeat.newBuilder().setHostId(hostId);
                if (peerId != null) {
                    long silentNanos = peerSilentSince == null ? 0
                            : Duration.between(peerSilentSince, Instant.now()).toNanos();
                    hb.addPeers(PeerObservation.newBuilder().setVoterId(peerId)
                            .setSinceLastHeard(Timestamps.of(Duration.ofNanos(silentNanos))));
                }
                send(Envelope.newBuilder().setMessageId(hostId + "-hb-" + id + "-" + sequence).setHeartbeat(hb));
            }));
        }

        void receive(Envelope e) {
            if (dead) {
                return;
            }
            for (Envelope.Builder answer : responder.apply(e)) {
                send(answer);
            }
        }

        synchronized Future<Void> send(Envelope.Builder e) {
            if (dead) {
                return Future.succeededFuture();
            }
            return connection.send(e.setSender(hostId).setIncarnation(incarnation).setSequence(++sequence).build());
        }

        /** Answers after {@code ms}, as a command that takes a while does. */
        List<Envelope.Builder> later(long ms, Envelope.Builder answer) {
            timers.add(vertx.setTimer(ms, id -> send(answer)));
            return List.of();
        }

        /**
         * The standby: probes of hostA reach nothing, every recovery step succeeds; a drill copy boots verified and
         * its teardown leaves nothing; the failback's reverse replication commits a point, its stop and the clean-up
         * succeed. Drill boots, transfers and the stop take {@link #STANDBY_STEP_MS} each.
         */
        List<Envelope.Builder> standby(Envelope e) {
            return switch (e.getPayloadCase()) {
                case PROBE_PEER_HOST -> List.of(succeeded(e, e.getProbePeerHost().getHeader().getCommandId(),
                        CommandResult.newBuilder().setProbe(ProbeResult.newBuilder().setPeerHostId("hostA"))));
                case DRILL_BOOT -> {
                    var d = e.getDrillBoot();
                    yield later(STANDBY_STEP_MS, succeeded(e, d.getHeader().getCommandId(), CommandResult.newBuilder()
                            .setDrillBoot(DrillBootResult.newBuilder().setDrillId(d.getDrillId())
                                    .setDrillName(d.getDrillName()).setPointId(d.getPointId()).setPassed(true)
                                    .setBootDuration(Timestamps.of(DRILL_BOOT))
                                    .setEvidence(DRILL_SERIAL_TAIL.replace("drill", d.getDrillName()))
                                    .setHypervisorUuid("uuid-" + d.getDrillName()))));
                }
                case DRILL_TEARDOWN -> {
                    var t = e.getDrillTeardown();
                    yield List.of(succeeded(e, t.getHeader().getCommandId(), CommandResult.newBuilder()
                            .setDrillTeardown(DrillTeardownResult.newBuilder().setDrillId(t.getDrillId())
                                    .setDrillName(t.getDrillName()).setNothingLeft(true)
                                    .addRemovedDomains(t.getDrillName()).setRemovedFiles(3))));
                }
                case REVERSE_REPLICATE -> {
                    var r = e.getReverseReplicate();
                    yield later(STANDBY_STEP_MS, succeeded(e, r.getHeader().getCommandId(), CommandResult.newBuilder()
                            .setBackup(BackupResult.newBuilder().setPointId(pointId(r.getGuestId(), Instant.now()))
                                    .setSnapshotTime(Timestamps.of(Instant.now())))));
                }
                case STOP_GUEST -> later(STANDBY_STEP_MS, succeeded(e, e.getStopGuest().getHeader().getCommandId(),
                        CommandResult.newBuilder()));
                case UNREGISTER_GUEST -> List.of(succeeded(e, e.getUnregisterGuest().getHeader().getCommandId(),
                        CommandResult.newBuilder()));
                default -> runGuest(e);
            };
        }

        /**
         * hostA after its restart: a backup into its own store (the failback keeping its old disk state) commits at
         * once; materialise, register and start succeed; backups to the standby run slowly as before.
         */
        List<Envelope.Builder> revivedPrimary(Envelope e) {
            if (e.hasBackupGuest() && "hostA".equals(e.getBackupGuest().getTarget().getHostId())) {
                var b = e.getBackupGuest();
                return List.of(succeeded(e, b.getHeader().getCommandId(), CommandResult.newBuilder()
                        .setBackup(BackupResult.newBuilder().setPointId(pointId(b.getGuestId(), Instant.now()))
                                .setSnapshotTime(Timestamps.of(Instant.now())))));
            }
            return e.hasBackupGuest() ? slowBackup(e) : runGuest(e);
        }

        /** A backup that reports progress for a while, then commits a point and answers the command. */
        List<Envelope.Builder> slowBackup(Envelope e) {
            if (!e.hasBackupGuest()) {
                return List.of();
            }
            String commandId = e.getBackupGuest().getHeader().getCommandId();
            String guestId = e.getBackupGuest().getGuestId();
            if (backups.putIfAbsent(commandId, 0L) != null) {
                return List.of();
            }
            Instant snapshot = Instant.now();
            long started = System.nanoTime();
            timers.add(vertx.setPeriodic(PROGRESS_EVERY_MS, id -> {
                long n = backups.merge(commandId, 1L, Long::sum);
                Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
                if (n < PROGRESS_STEPS) {
                    long read = DISK_BYTES * n / PROGRESS_STEPS;
                    send(Envelope.newBuilder().setMessageId("progress-" + commandId + "-" + n)
                            .setReplicationProgress(ReplicationProgress.newBuilder().setGuestId(guestId)
                                    .setCycleId(commandId).setBytesRead(read).setBytesSent(read / 4)
                                    .setBytesTotal(DISK_BYTES).setElapsed(Timestamps.of(elapsed))));
                    return;
                }
                vertx.cancelTimer(id);
                String pointId = pointId(guestId, snapshot);
                send(Envelope.newBuilder().setMessageId("committed-" + commandId).setReplicationCommitted(
                        ReplicationCommitted.newBuilder().setGuestId(guestId).setCycleId(commandId)
                                .setPointId(pointId).setBytesRead(DISK_BYTES).setBytesSent(DISK_BYTES / 4)
                                .setDuration(Timestamps.of(elapsed)).setSnapshotTime(Timestamps.of(snapshot))
                                .setTargetHostId("hostB")));
                send(succeeded(e, commandId, CommandResult.newBuilder().setBackup(BackupResult.newBuilder()
                        .setPointId(pointId).setSnapshotTime(Timestamps.of(snapshot)))));
            }));
            return List.of();
        }

        void die() throws Exception {
            dead = true;
            for (long t : timers) {
                vertx.cancelTimer(t);
            }
            join(connection.close());
        }
    }
}
