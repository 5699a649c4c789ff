package io.lifeboat.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lifeboat.coordinator.config.CoordinatorConfig;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;
import io.lifeboat.coordinator.config.SiteConfigs;
import io.lifeboat.coordinator.journal.Journal;
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
import io.lifeboat.protocol.v1.JournalRecord;
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
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;

/**
 * The verticle drives a whole failover over real TCP links with two in-process fake agents: the primary is backed up
 * to the standby's store, goes silent, the standby's probe reaches neither its hypervisor nor its SSH, and the
 * standby is told to materialise, register and start the guest; its answers make the guest FAILED_OVER. This is the
 * sequence a real agent pair sees in the lab.
 */
class CoordinatorVerticleFailoverTest {

    private static final byte[] NONCE = "nonce-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final String MAIL = "7f1c8d2e-0000-4000-8000-000000000001";
    static final String FAST_TIMERS = """
            timers:
              heartbeatSeconds: 0.2
              suspectSeconds: 0.6
              fenceDeadlineSeconds: 1.2
              leaseTtlSeconds: 1.6
              recoveryStartSeconds: 2.0
              peerReportFreshSeconds: 0.6
            """;

    @TempDir
    Path dir;

    private Vertx vertx;
    private CoordinatorConfig config;

    @BeforeEach
    void setUp() throws Exception {
        vertx = Vertx.vertx();
        config = CoordinatorConfigLoader.load(SiteConfigs.write(dir, "nas", FAST_TIMERS
                + "http:\n  listen: \"127.0.0.1:0\"\n"));
    }

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static <T> T join(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** An agent link that heartbeats every 200 ms and answers commands through {@code responder}. */
    final class FakeAgent {
        final String hostId;
        final List<Envelope> received = new CopyOnWriteArrayList<>();
        final NetClient client;
        final FramedConnection connection;
        volatile Function<Envelope, List<Envelope.Builder>> responder = e -> List.of();
        volatile String peerId;
        volatile Instant peerSilentSince;
        long timer;
        long sequence;

        FakeAgent(int port, String hostId, String keyId, String secret) throws Exception {
            this.hostId = hostId;
            client = vertx.createNetClient();
            NetSocket socket = join(client.connect(port, "127.0.0.1"));
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

        void receive(Envelope e) {
            received.add(e);
            for (Envelope.Builder answer : responder.apply(e)) {
                send(answer);
            }
        }

        Future<Void> send(Envelope.Builder e) {
            return connection.send(e.setSender(hostId).setIncarnation(1).setSequence(++sequence).build());
        }

        void die() throws Exception {
            vertx.cancelTimer(timer);
            join(connection.close());
        }

        List<Envelope> commands() {
            return received.stream().filter(e -> e.getPayloadCase() != Envelope.PayloadCase.HELLO_ACK
                    && e.getPayloadCase() != Envelope.PayloadCase.LEASE_GRANT).toList();
        }
    }

    static HostFacts kvm(String id) {
        return HostFacts.newBuilder().setHostId(id).setHypervisorKind(HypervisorKind.HYPERVISOR_KIND_LIBVIRT_KVM)
                .setHypervisorVersion("9.0.0").setVirtualizationExtension(
                        VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X)
                .setCpu64BitCapable(true).setCpuCount(4).setMemoryBytes(8L << 30).setMemoryFreeBytes(6L << 30)
                .setDatastoreFreeBytes(100L << 30).setFencingCapability(FencingCapability.FENCING_CAPABILITY_SELF_FENCE)
                .build();
    }

    static GuestSpec mail() {
        return GuestSpec.newBuilder().setName("mail").setBitness(GuestBitness.GUEST_BITNESS_64).setVcpus(1)
                .setMemoryBytes(512L << 20)
                .addDisks(DiskSpec.newBuilder().setPath("/var/lib/libvirt/images/mail.vmdk")
                        .setFormat(DiskFormat.DISK_FORMAT_VMDK)
                        .setVmdkCreateType(VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE)
                        .setCapacityBytes(1L << 30))
                .addNics(NicSpec.newBuilder().setMacAddress("52:54:00:12:34:56").setModel(NicModel.NIC_MODEL_VIRTIO)
                        .setNetwork("VM Network"))
                .build();
    }

    private static Envelope.Builder result(Envelope command, String commandId) {
        return Envelope.newBuilder().setMessageId("result-" + commandId).setInReplyTo(command.getMessageId())
                .setCommandResult(CommandResult.newBuilder().setCommandId(commandId)
                        .setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED));
    }

    @Test
    void thePrimaryIsBackedUpThenGoesSilentAndTheStandbyMaterialisesRegistersAndStartsTheGuest() throws Exception {
        CoordinatorVerticle verticle = new CoordinatorVerticle(config);
        join(vertx.deployVerticle(verticle));
        FakeAgent hostA = new FakeAgent(verticle.actualPort(), "hostA", "site", SiteConfigs.SECRET);
        FakeAgent hostB = new FakeAgent(verticle.actualPort(), "hostB", "hostb-key", "another secret for hostB only");
        hostA.peerId = "hostB";
        hostB.peerId = "hostA";
        Instant snapshot = Instant.now().minusSeconds(5);
        String pointId = MAIL + "/20261130T100000Z";
        hostA.responder = e -> {
            if (!e.hasBackupGuest()) {
                return List.of();
            }
            String id = e.getBackupGuest().getHeader().getCommandId();
            return List.of(Envelope.newBuilder().setMessageId("committed-" + id).setReplicationCommitted(
                            ReplicationCommitted.newBuilder().setGuestId(MAIL).setCycleId(id).setPointId(pointId)
                                    .setSnapshotTime(Timestamps.of(snapshot)).setTargetHostId("hostB")),
                    result(e, id).setCommandResult(result(e, id).getCommandResult().toBuilder()
                            .setBackup(BackupResult.newBuilder().setPointId(pointId)
                                    .setSnapshotTime(Timestamps.of(snapshot)))));
        };
        List<String> standbySteps = new CopyOnWriteArrayList<>();
        hostB.responder = standby(standbySteps, () -> true);
        hostA.send(Envelope.newBuilder().setMessageId("inv-A").setInventory(Inventory.newBuilder().setHostId("hostA")
                .setFacts(kvm("hostA")).addGuests(mail())));
        hostB.send(Envelope.newBuilder().setMessageId("inv-B").setInventory(Inventory.newBuilder().setHostId("hostB")
                .setFacts(kvm("hostB"))));

        // Replication: the primary is asked for a backup into the standby's store, and the point is recorded.
        await().atMost(Duration.ofSeconds(10)).until(() -> journalRecords().stream()
                .anyMatch(r -> r.hasBackupFinished() && r.getBackupFinished().getSucceeded()));
        assertThat(hostA.commands()).filteredOn(Envelope::hasBackupGuest).singleElement().satisfies(e -> {
            assertThat(e.getBackupGuest().getGuestId()).isEqualTo(MAIL);
            assertThat(e.getBackupGuest().getTarget().getHostId()).isEqualTo("hostB");
            assertThat(e.getBackupGuest().getTarget().getAddress()).isEqualTo("127.0.0.1:7403");
            assertThat(e.getBackupGuest().getTarget().getStoreId()).isEqualTo("main");
        });
        List<JournalRecord> journal = journalRecords();
        int requested = indexOf(journal, JournalRecord::hasBackupRequested);
        assertThat(requested).isGreaterThan(indexOf(journal, JournalRecord::hasGuestProtected));
        assertThat(journal).anySatisfy(r -> assertThat(r.getRestorePointRecorded().getPointId()).isEqualTo(pointId));
        assertThat(hostB.commands()).as("nothing for the standby while the primary is up").isEmpty();
        JsonObject before = status(verticle);
        assertThat(before.getJsonArray("hosts").stream().map(h -> ((JsonObject) h).getString("state")))
                .containsExactly("UP", "UP");
        JsonObject guest = before.getJsonArray("guests").getJsonObject(0);
        assertThat(guest.getString("guestId")).isEqualTo(MAIL);
        assertThat(guest.getString("state")).isEqualTo("PROTECTED");
        assertThat(guest.getString("newestPointId")).isEqualTo(pointId);
        assertThat(guest.getDouble("newestPointAgeSeconds")).isBetween(5.0, 60.0);
        assertThat(guest.getDouble("rpoSeconds")).isEqualTo(600.0);
        assertThat(guest.getBoolean("backupInFlight")).isFalse();

        // The primary dies; the standby no longer hears it either.
        hostB.peerSilentSince = Instant.now();
        hostA.die();

        await().atMost(Duration.ofSeconds(20)).until(() -> journalRecords().stream()
                .anyMatch(JournalRecord::hasGuestFailedOver) && standbySteps.contains("make-persistent"));
        assertThat(standbySteps).containsExactly("materialise", "register", "start", "make-persistent");
        List<Envelope> commands = hostB.commands();
        assertThat(commands).filteredOn(Envelope::hasProbePeerHost).isNotEmpty().allSatisfy(e -> {
            assertThat(e.getProbePeerHost().getPeerHostId()).isEqualTo("hostA");
            assertThat(e.getProbePeerHost().getHypervisorUri()).isEqualTo("qemu+tcp://127.0.0.1/system");
            assertThat(e.getProbePeerHost().getSshAddress()).isEqualTo("127.0.0.1:2222");
        });
        assertThat(commands).filteredOn(Envelope::hasMaterialiseRestorePoint).singleElement().satisfies(e -> {
            assertThat(e.getMaterialiseRestorePoint().getGuestId()).isEqualTo(MAIL);
            assertThat(e.getMaterialiseRestorePoint().getPointId()).isEqualTo(pointId);
            assertThat(e.getMaterialiseRestorePoint().getDestinationDir()).isEqualTo("/srv/lifeboat/" + MAIL);
            assertThat(e.getEpoch()).isEqualTo(1);
        });
        assertThat(commands).filteredOn(Envelope::hasRegisterGuest).first().satisfies(e -> {
            assertThat(e.getRegisterGuest().getTransient()).isTrue();
            assertThat(e.getRegisterGuest().getSpec().getGuestId()).isEqualTo(MAIL);
            assertThat(e.getRegisterGuest().getSpec().getNics(0).getMacAddress()).isEqualTo("52:54:00:12:34:56");
            assertThat(e.getRegisterGuest().getSpec().getDisks(0).getPath())
                    .isEqualTo("/srv/lifeboat/" + MAIL + "/mail-0.raw");
        });
        assertThat(commands).filteredOn(Envelope::hasStartGuest).singleElement().satisfies(e -> {
            assertThat(e.getStartGuest().getGuestId()).isEqualTo(MAIL);
            assertThat(e.getStartGuest().getBootMarker()).isEqualTo("login:");
        });

        journal = journalRecords();
        assertThat(journal).filteredOn(JournalRecord::hasHostStateChanged)
                .extracting(r -> r.getHostStateChanged().getHostId() + " " + r.getHostStateChanged().getTo())
                .containsSubsequence("hostA HOST_HEALTH_SUSPECTED", "hostA HOST_HEALTH_LOST");
        assertThat(journal).filteredOn(JournalRecord::hasGuestFailedOver).singleElement().satisfies(r -> {
            assertThat(r.getGuestFailedOver().getTargetHostId()).isEqualTo("hostB");
            assertThat(r.getGuestFailedOver().getPointId()).isEqualTo(pointId);
            assertThat(r.getGuestFailedOver().getRpo().getSeconds()).isBetween(5L, 60L);
            assertThat(Timestamps.duration(r.getGuestFailedOver().getRto())).isLessThan(Duration.ofSeconds(10));
        });
        JsonObject after = status(verticle);
        assertThat(join(verticle.status()).getJsonArray("guests").getJsonObject(0).getString("state"))
                .isEqualTo("FAILED_OVER");
        assertThat(join(verticle.stateCopy()).guest(MAIL)).hasValueSatisfying(g -> assertThat(g.ownerHostId())
                .isEqualTo("hostB"));
        assertThat(after.getJsonArray("hosts").getJsonObject(0).getString("state")).isEqualTo("LOST");
        assertThat(after.getJsonArray("guests").getJsonObject(0).getString("state")).isEqualTo("FAILED_OVER");
        assertThat(after.getJsonArray("guests").getJsonObject(0).getString("ownerHostId")).isEqualTo("hostB");
        JsonObject recovered = after.getJsonArray("failovers").getJsonObject(0).getJsonArray("guests")
                .getJsonObject(0);
        assertThat(recovered.getBoolean("failedOver")).isTrue();
        assertThat(recovered.getDouble("rtoSeconds")).isBetween(0.0, 10.0);
        assertThat(recovered.getDouble("rpoSeconds")).isBetween(5.0, 60.0);
        HttpResponse<String> metrics = get(verticle, "/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("text/plain; version=0.0.4"));
        // Micrometer's Prometheus registry prints every value as a double.
        assertThat(metrics.body().lines()).contains("lifeboat_hosts{state=\"LOST\"} 1.0",
                "lifeboat_hosts{state=\"UP\"} 1.0", "lifeboat_guests{state=\"FAILED_OVER\"} 1.0",
                "lifeboat_failovers_total 1.0", "lifeboat_guests_failed_over_total 1.0",
                "lifeboat_coordinator_epoch 1.0", "lifeboat_host_up{host=\"hostA\"} 0.0");
        assertThat(metrics.body().lines()).anySatisfy(l -> assertThat(l)
                .startsWith("lifeboat_restore_point_age_seconds{guest=\"" + MAIL + "\",name=\"mail\"} "));
        assertThat(metrics.body().lines()).anySatisfy(l -> assertThat(l)
                .startsWith("lifeboat_last_failover_rto_seconds{guest=\"" + MAIL + "\"} "));
        int journaled = journal.size();
        assertThat(metrics.body().lines()).filteredOn(l -> l.startsWith("lifeboat_journal_records_total "))
                .singleElement().satisfies(l -> assertThat(Double.parseDouble(l.substring(l.indexOf(' ') + 1)))
                        .isGreaterThanOrEqualTo(journaled));
        assertThat(metrics.body().lines()).allSatisfy(l -> assertThat(l).matches(
                "# (HELP|TYPE) lifeboat_\\w+ .*|lifeboat_\\w+(\\{[^}]*\\})? (-?[0-9.]+(E-?[0-9]+)?|NaN|[+-]Inf)"));
        // Without a session every /api/v1 route but the login answers 401 (the REST API); other paths 404.
        assertThat(get(verticle, "/api/v1/nothing").statusCode()).isEqualTo(401);
        assertThat(get(verticle, "/nothing").statusCode()).isEqualTo(404);

        // The old primary comes back: it is UP again, but gets no backup and its late commit is not a point.
        FakeAgent back = new FakeAgent(verticle.actualPort(), "hostA", "site", SiteConfigs.SECRET);
        back.send(Envelope.newBuilder().setMessageId("late-commit").setReplicationCommitted(ReplicationCommitted
                .newBuilder().setGuestId(MAIL).setCycleId("late").setPointId(MAIL + "/20261130T100500Z")
                .setSnapshotTime(Timestamps.of(Instant.now())).setTargetHostId("hostB")));
        await().atMost(Duration.ofSeconds(10)).until(() -> "UP".equals(status(verticle).getJsonArray("hosts")
                .getJsonObject(0).getString("state")));
        assertThat(journalRecords()).filteredOn(JournalRecord::hasRestorePointRecorded)
                .extracting(r -> r.getRestorePointRecorded().getPointId()).containsExactly(pointId);
        assertThat(back.commands()).as("no backup of a guest that failed over").noneMatch(Envelope::hasBackupGuest);

        // I4: each command went out only after the record that started its step was journaled.
        assertThat(indexOf(journal, r -> r.hasRecoveryStepChanged() && r.getRecoveryStepChanged().hasCommand()))
                .isGreaterThan(indexOf(journal, JournalRecord::hasFailoverStarted));
    }

    @Test
    void aCoordinatorRestartedMidFailoverResendsTheOutstandingStepWhenTheStandbyLinksAndCompletesIt()
            throws Exception {
        CoordinatorVerticle first = new CoordinatorVerticle(config);
        String firstId = join(vertx.deployVerticle(first));
        FakeAgent hostA = new FakeAgent(first.actualPort(), "hostA", "site", SiteConfigs.SECRET);
        FakeAgent hostB = new FakeAgent(first.actualPort(), "hostB", "hostb-key", "another secret for hostB only");
        hostA.peerId = "hostB";
        hostB.peerId = "hostA";
        String pointId = MAIL + "/20261130T100000Z";
        Instant snapshot = Instant.now().minusSeconds(5);
        hostA.responder = e -> e.hasBackupGuest() ? List.of(result(e, e.getBackupGuest().getHeader().getCommandId())
                .setCommandResult(CommandResult.newBuilder().setCommandId(e.getBackupGuest().getHeader()
                        .getCommandId()).setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED)
                        .setBackup(BackupResult.newBuilder().setPointId(pointId)
                                .setSnapshotTime(Timestamps.of(snapshot))))) : List.of();
        List<String> steps = new CopyOnWriteArrayList<>();
        hostB.responder = standby(steps, () -> false);
        hostA.send(Envelope.newBuilder().setMessageId("inv-A").setInventory(Inventory.newBuilder().setHostId("hostA")
                .setFacts(kvm("hostA")).addGuests(mail())));
        hostB.send(Envelope.newBuilder().setMessageId("inv-B").setInventory(Inventory.newBuilder().setHostId("hostB")
                .setFacts(kvm("hostB"))));
        await().atMost(Duration.ofSeconds(10)).until(() -> journalRecords().stream()
                .anyMatch(JournalRecord::hasRestorePointRecorded));
        hostB.peerSilentSince = Instant.now();
        hostA.die();
        await().atMost(Duration.ofSeconds(20)).until(() -> steps.contains("register"));
        String registerId = hostB.commands().stream().filter(Envelope::hasRegisterGuest).findFirst().orElseThrow()
                .getRegisterGuest().getHeader().getCommandId();

        // The coordinator dies with REGISTER outstanding; a new one replays the journal.
        join(vertx.undeploy(firstId));
        hostB.die();
        CoordinatorVerticle second = new CoordinatorVerticle(config);
        join(vertx.deployVerticle(second));
        assertThat(second.epoch()).isEqualTo(2);
        List<String> after = new CopyOnWriteArrayList<>();
        FakeAgent hostB2 = new FakeAgent(second.actualPort(), "hostB", "hostb-key", "another secret for hostB only");
        hostB2.peerId = "hostA";
        hostB2.peerSilentSince = hostB.peerSilentSince;
        hostB2.responder = standby(after, () -> true);

        await().atMost(Duration.ofSeconds(20)).until(() -> journalRecords().stream()
                .anyMatch(JournalRecord::hasGuestFailedOver) && after.contains("make-persistent"));
        assertThat(after).containsExactly("register", "start", "make-persistent");
        assertThat(hostB2.commands()).filteredOn(Envelope::hasRegisterGuest).first().satisfies(e -> {
            assertThat(e.getRegisterGuest().getHeader().getCommandId()).as("same command, resent")
                    .isEqualTo(registerId);
            assertThat(e.getEpoch()).isEqualTo(2);
            assertThat(e.getRegisterGuest().getHeader().getEpoch()).isEqualTo(2);
        });
        List<JournalRecord> journal = journalRecords();
        assertThat(journal).filteredOn(JournalRecord::hasFailoverStarted).as("no second failover").hasSize(1);
        assertThat(journal).filteredOn(JournalRecord::hasHostStateChanged)
                .extracting(r -> r.getHostStateChanged().getHostId() + " " + r.getHostStateChanged().getTo())
                .as("a restart does not take the silent lost host for heard again")
                .doesNotContain("hostA HOST_HEALTH_UP");
    }

    /** A standby that answers probes as unanswered and every recovery step with success (REGISTER only while
     * {@code answerRegister} says so), noting each step in {@code standbySteps}. */
    private static Function<Envelope, List<Envelope.Builder>> standby(List<String> standbySteps,
                                                                       java.util.function.BooleanSupplier answerRegister) {
        return e -> switch (e.getPayloadCase()) {
            case PROBE_PEER_HOST -> List.of(result(e, e.getProbePeerHost().getHeader().getCommandId())
                    .setCommandResult(CommandResult.newBuilder()
                            .setCommandId(e.getProbePeerHost().getHeader().getCommandId())
                            .setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED)
                            .setProbe(ProbeResult.newBuilder().setPeerHostId("hostA"))));
            case MATERIALISE_RESTORE_POINT -> {
                var m = e.getMaterialiseRestorePoint();
                standbySteps.add("materialise");
                yield List.of(result(e, m.getHeader().getCommandId()).setCommandResult(CommandResult.newBuilder()
                        .setCommandId(m.getHeader().getCommandId()).setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED)
                        .setMaterialise(MaterialiseResult.newBuilder().setBytesWritten(1 << 20)
                                .addDisks(DiskSpec.newBuilder().setPath(m.getDestinationDir() + "/mail-0.raw")
                                        .setFormat(m.getTargetFormat()).setCapacityBytes(1L << 30)))));
            }
            case REGISTER_GUEST -> {
                standbySteps.add(e.getRegisterGuest().getTransient() ? "register" : "make-persistent");
                if (!answerRegister.getAsBoolean()) {
                    yield List.<Envelope.Builder>of();
                }
                String id = e.getRegisterGuest().getHeader().getCommandId();
                yield List.of(result(e, id).setCommandResult(CommandResult.newBuilder().setCommandId(id)
                        .setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED)
                        .setRegister(RegisterResult.newBuilder().setHypervisorUuid("uuid-on-hostB"))));
            }
            case START_GUEST -> {
                standbySteps.add("start");
                String id = e.getStartGuest().getHeader().getCommandId();
                yield List.of(result(e, id).setCommandResult(CommandResult.newBuilder().setCommandId(id)
                        .setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED)
                        .setBoot(BootResult.newBuilder().setBootVerified(true))));
            }
            default -> List.of();
        };
    }

    private static HttpResponse<String> get(CoordinatorVerticle verticle, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + verticle.httpPort() + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonObject status(CoordinatorVerticle verticle) throws Exception {
        HttpResponse<String> response = get(verticle, "/api/v1/status");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json; charset=utf-8");
        return new JsonObject(response.body());
    }

    private static int indexOf(List<JournalRecord> journal, java.util.function.Predicate<JournalRecord> p) {
        for (int i = 0; i < journal.size(); i++) {
            if (p.test(journal.get(i))) {
                return i;
            }
        }
        return -1;
    }

    private List<JournalRecord> journalRecords() throws Exception {
        Path copy = dir.resolve("journal-copy-" + System.nanoTime());
        Files.createDirectories(copy);
        try (var files = Files.list(config.journalDir())) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        try (Journal journal = Journal.open(copy)) {
            List<JournalRecord> out = new ArrayList<>();
            for (byte[] b : journal.replay().records()) {
                out.add(JournalRecord.parseFrom(b));
            }
            return out;
        }
    }
}
