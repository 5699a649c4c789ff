package io.lifeboat.agent.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Message;
import io.lifeboat.agent.backup.BackupCycle;
import io.lifeboat.agent.backup.ChunkPusher;
import io.lifeboat.agent.backup.ReplicationPusher;
import io.lifeboat.agent.fence.MonotonicClock;
import io.lifeboat.agent.hypervisor.FakeHypervisorDriver;
import io.lifeboat.agent.hypervisor.GuestRef;
import io.lifeboat.protocol.v1.BackupGuest;
import io.lifeboat.protocol.v1.Cancel;
import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.ReplicationCommitted;
import io.lifeboat.protocol.v1.ReplicationFailed;
import io.lifeboat.protocol.v1.ReplicationStarted;
import io.lifeboat.protocol.v1.StoreTarget;
import io.lifeboat.storage.replication.ReceiverOptions;
import io.lifeboat.storage.replication.ReplicationReceiver;
import io.lifeboat.storage.store.ChunkStore;
import io.lifeboat.storage.store.RestorePoint;
import io.lifeboat.storage.store.RestorePointId;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BackupGuest and Cancel through the command dispatcher, on the fake driver, into a real receiver on loopback. */
class BackupCommandHandlerTest {
  private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
  private static final String GUEST_ID = "6f1c2a9e-0000-4000-8000-000000000001";

  @TempDir
  Path dir;

  private Vertx vertx;
  private FakeHypervisorDriver driver;
  private ChunkStore store;
  private GuestRef guest;
  private StoreTarget target;
  private CommandDispatcher dispatcher;
  private final List<Message> events = new CopyOnWriteArrayList<>();
  private final List<Envelope> replies = new CopyOnWriteArrayList<>();
  private Promise<Void> gate;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    driver = new FakeHypervisorDriver(vertx, "hostA", dir.resolve("hostA"));
    guest = GuestRef.of(driver.createGuest("mail", 2, 4L << 20, true));
    store = ChunkStore.open(dir.resolve("hostB-store"));
    ReplicationReceiver receiver = new ReplicationReceiver(store, ReceiverOptions.plain("127.0.0.1", 0, SECRET));
    get(vertx.deployVerticle(receiver));
    target = StoreTarget.newBuilder().setHostId("hostB").setAddress("127.0.0.1:" + receiver.actualPort())
        .setStoreId("main").build();
    gate = Promise.promise();
    ChunkPusher real = new ReplicationPusher(vertx, t -> AgentRuntime.senderOptions(t, SECRET, null));
    ChunkPusher gated = (t, req) -> gate.future().compose(v -> real.push(t, req));
    BackupCycle cycles = new BackupCycle("hostA", driver, gated, dir.resolve("digests"), events::add);
    GuestDirectory guests = new GuestDirectory(Map.of(GUEST_ID,
        guest.hypervisorUuid().isEmpty() ? guest.name() : guest.hypervisorUuid()));
    CommandHandler handler = new CompositeCommandHandler(List.of(new DriverCommandHandler(vertx, driver, guests),
        new BackupCommandHandler("hostA", cycles, guests)));
    dispatcher = new CommandDispatcher("hostA", EpochStore.open(dir.resolve("epoch")),
        vertx.createSharedWorkerExecutor("test-state", 1), () -> false, () -> true, handler, MonotonicClock.SYSTEM);
  }

  @AfterEach
  void tearDown() throws Exception {
    driver.close();
    get(vertx.close());
  }

  @Test
  void aBackupCommandCommitsAPointReportsItAndRefusesAnOverlappingOneForTheSameGuest() throws Exception {
    dispatch(backup("b-1"));
    await().atMost(10, TimeUnit.SECONDS).until(() -> ack("b-1").isPresent() && !driver.activeSnapshots(guest)
        .isEmpty());
    assertThat(ack("b-1").orElseThrow().getCommandAck().getAccepted()).isTrue();

    dispatch(backup("b-2"));
    CommandResult overlapping = result("b-2");
    assertThat(overlapping.getOutcome()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_FAILED);
    assertThat(overlapping.getFailure().getCode()).isEqualTo("backup_in_progress");
    assertThat(overlapping.getFailure().getMessage()).contains(GUEST_ID).contains("hostA");
    assertThat(driver.activeSnapshots(guest)).as("the running cycle keeps its one snapshot").hasSize(1);

    vertx.runOnContext(v -> gate.complete());
    CommandResult done = result("b-1");
    assertThat(done.getOutcome()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
    assertThat(done.getBackup().getPointId()).isNotEmpty();
    RestorePoint point = store.load(RestorePointId.parse(done.getBackup().getPointId()));
    assertThat(point.disks()).hasSize(2);
    assertThat(driver.activeSnapshots(guest)).isEmpty();
    assertThat(events.get(0)).isInstanceOfSatisfying(ReplicationStarted.class,
        e -> assertThat(e.getCycleId()).isEqualTo("b-1"));
    assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(ReplicationCommitted.class,
        e -> assertThat(e.getPointId()).isEqualTo(done.getBackup().getPointId()));

    dispatch(backup("b-3"));
    assertThat(result("b-3").getOutcome()).as("the guest is free again once its cycle ended")
        .isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
  }

  @Test
  void aCancelStopsTheRunningBackupWhichReleasesItsSnapshotAndReportsCancelled() throws Exception {
    dispatch(backup("b-1"));
    await().atMost(10, TimeUnit.SECONDS).until(() -> !driver.activeSnapshots(guest).isEmpty());
    dispatch(Envelope.newBuilder().setCancel(Cancel.newBuilder().setHeader(header("c-1"))
        .setTargetCommandId("b-1").setReason("admin asked")).build());
    assertThat(result("c-1").getOutcome()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
    vertx.runOnContext(v -> gate.complete());

    CommandResult cancelled = result("b-1");
    assertThat(cancelled.getOutcome()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_CANCELLED);
    assertThat(cancelled.getFailure().getMessage()).contains("admin asked");
    assertThat(driver.activeSnapshots(guest)).isEmpty();
    assertThat(events.get(events.size() - 1)).isInstanceOf(ReplicationFailed.class);

    dispatch(Envelope.newBuilder().setCancel(Cancel.newBuilder().setHeader(header("c-2"))
        .setTargetCommandId("b-1")).build());
    assertThat(result("c-2").getFailure().getCode()).isEqualTo("not_running");
  }

  @Test
  void aBackupOfAnUnprotectedGuestFailsNamingIt() throws Exception {
    dispatch(Envelope.newBuilder().setBackupGuest(BackupGuest.newBuilder().setHeader(header("b-x"))
        .setGuestId("6f1c2a9e-0000-4000-8000-00000000ffff").setTarget(target)).build());
    CommandResult r = result("b-x");
    assertThat(r.getOutcome()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_FAILED);
    assertThat(r.getFailure().getCode()).isEqualTo("no_such_guest");
    assertThat(r.getFailure().getMessage()).contains("00000000ffff").contains("hostA");
  }

  @Test
  void replicationEventsTravelInTheirOwnEnvelopeFields() {
    assertThat(CoordinatorEventSink.envelope(ReplicationStarted.newBuilder().setCycleId("c").build())
        .getPayloadCase()).isEqualTo(Envelope.PayloadCase.REPLICATION_STARTED);
    assertThat(CoordinatorEventSink.envelope(ReplicationCommitted.newBuilder().setPointId("p").build())
        .getReplicationCommitted().getPointId()).isEqualTo("p");
    assertThat(CoordinatorEventSink.envelope(ReplicationFailed.getDefaultInstance()).getPayloadCase())
        .isEqualTo(Envelope.PayloadCase.REPLICATION_FAILED);
  }

  private Envelope backup(String commandId) {
    return Envelope.newBuilder().setBackupGuest(BackupGuest.newBuilder().setHeader(header(commandId))
        .setGuestId(GUEST_ID).setTarget(target)).build();
  }

  private static CommandHeader header(String commandId) {
    return CommandHeader.newBuilder().setCommandId(commandId).setEpoch(1).build();
  }

  private void dispatch(Envelope command) {
    vertx.runOnContext(v -> dispatcher.dispatch(command, r -> replies.add(r.build())));
  }

  private Optional<Envelope> ack(String commandId) {
    return replies.stream().filter(e -> e.hasCommandAck() && e.getCommandAck().getCommandId().equals(commandId))
        .findFirst();
  }

  private CommandResult result(String commandId) {
    await().atMost(30, TimeUnit.SECONDS).until(() -> replies.stream()
        .anyMatch(e -> e.hasCommandResult() && e.getCommandResult().getCommandId().equals(commandId)));
    return replies.stream().filter(e -> e.hasCommandResult()
        && e.getCommandResult().getCommandId().equals(commandId)).findFirst().orElseThrow().getCommandResult();
  }

  private static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
