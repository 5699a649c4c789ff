package io.lifeboat.agent.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lifeboat.agent.backup.BackupCycle;
import io.lifeboat.agent.backup.ReplicationPusher;
import io.lifeboat.agent.fence.MonotonicClock;
import io.lifeboat.agent.hypervisor.FakeHypervisorDriver;
import io.lifeboat.agent.hypervisor.GuestRef;
import io.lifeboat.agent.restore.MaterialisedDiskCleaner;
import io.lifeboat.agent.restore.RestorePointMaterialiser;
import io.lifeboat.protocol.v1.BackupGuest;
import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.MaterialiseResult;
import io.lifeboat.protocol.v1.RegisterGuest;
import io.lifeboat.protocol.v1.ReverseReplicate;
import io.lifeboat.protocol.v1.StartGuest;
import io.lifeboat.protocol.v1.StopGuest;
import io.lifeboat.protocol.v1.StopMode;
import io.lifeboat.protocol.v1.StoreTarget;
import io.lifeboat.protocol.v1.UnregisterGuest;
import io.lifeboat.protocol.v1.VmdkCreateType;
import io.lifeboat.storage.replication.ReceiverOptions;
import io.lifeboat.storage.replication.ReplicationReceiver;
import io.lifeboat.storage.store.ChunkStore;
import io.lifeboat.storage.store.RestorePointId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agents' side of a failback, on fake drivers with real stores and replication over loopback: the primary keeps
 * its shut-off guest's old disk as a point in its own store, the standby reverse-replicates only what changed while
 * failed over (a final delta only once the guest is stopped), and the standby copy's disks are deleted on unregister.
 */
class FailbackCommandsTest {
  private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
  private static final String GUEST_ID = "6f1c2a9e-0000-4000-8000-0000000000fb";
  private static final long CAPACITY = 16L << 20;

  @TempDir
  Path dir;

  private Vertx vertx;
  private FakeHypervisorDriver primary;
  private FakeHypervisorDriver standby;
  private ChunkStore primaryStore;
  private ChunkStore standbyStore;
  private StoreTarget primaryTarget;
  private StoreTarget standbyTarget;
  private CommandDispatcher primaryAgent;
  private CommandDispatcher standbyAgent;
  private GuestDirectory standbyGuests;
  private final List<Envelope> replies = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    primary = new FakeHypervisorDriver(vertx, "hostA", dir.resolve("hostA"));
    standby = new FakeHypervisorDriver(vertx, "hostB", dir.resolve("hostB"));
    primaryStore = ChunkStore.open(dir.resolve("hostA-store"));
    standbyStore = ChunkStore.open(dir.resolve("hostB-store"));
    primaryTarget = serve(primaryStore, "hostA");
    standbyTarget = serve(standbyStore, "hostB");
    GuestSpec mail = primary.createGuest("mail", 1, CAPACITY, false);
    primaryAgent = agent("hostA", primary, new GuestDirectory(Map.of(GUEST_ID, mail.getHypervisorUuid())), null);
    standbyGuests = new GuestDirectory(Map.of());
    standbyAgent = agent("hostB", standby, standbyGuests, dir.resolve("hostB-guests"));
  }

  @AfterEach
  void tearDown() throws Exception {
    primary.close();
    standby.close();
    get(vertx.close());
  }

  @Test
  void thePrimaryKeepsItsOldDiskTheStandbySendsOnlyTheChangedGrainBackAndRemovesItsCopy() throws Exception {
    // Before the host loss: the primary replicated the guest to the standby.
    CommandResult replicated = run(primaryAgent, Envelope.newBuilder().setBackupGuest(BackupGuest.newBuilder()
        .setHeader(header("b-1")).setGuestId(GUEST_ID).setTarget(standbyTarget)).build());
    assertThat(replicated.getOutcome()).as(replicated.getFailure().getMessage())
        .isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
    String failoverPoint = replicated.getBackup().getPointId();

    // Failover: the standby materialises the point and runs the guest (persistent, as after the failover committed),
    // which writes one grain.
    MaterialiseResult disks = new RestorePointMaterialiser("hostB", standbyStore, "main",
        List.of(dir.resolve("hostB-guests"))).materialise(GUEST_ID, failoverPoint, DiskFormat.DISK_FORMAT_RAW,
            VmdkCreateType.VMDK_CREATE_TYPE_UNSPECIFIED, dir.resolve("hostB-guests").resolve(GUEST_ID).toString());
    GuestSpec spec = get(primary.guest(GuestRef.named("mail"))).toBuilder().setGuestId(GUEST_ID).clearHypervisorUuid()
        .setDisks(0, disks.getDisks(0).toBuilder().setBus(io.lifeboat.protocol.v1.DiskBus.DISK_BUS_VIRTIO)
            .setTarget("vda")).build();
    assertThat(run(standbyAgent, Envelope.newBuilder().setRegisterGuest(RegisterGuest.newBuilder()
        .setHeader(header("reg")).setSpec(spec)).build()).getOutcome())
        .isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
    assertThat(run(standbyAgent, Envelope.newBuilder().setStartGuest(StartGuest.newBuilder().setHeader(header("st"))
        .setGuestId(GUEST_ID)).build()).getOutcome()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
    GuestRef onStandby = standbyGuests.ref(GUEST_ID).orElseThrow();
    byte[] marker = "written on the standby while failed over".getBytes(StandardCharsets.UTF_8);
    standby.guestWrite(onStandby, 0, 5L << 20, marker);

    // Failback step 1, on the primary (back, guest shut off): keep what only the primary has, in its own store.
    CommandResult kept = run(primaryAgent, Envelope.newBuilder().setBackupGuest(BackupGuest.newBuilder()
        .setHeader(header("keep")).setGuestId(GUEST_ID).setTarget(primaryTarget)).build());
    assertThat(kept.getOutcome()).as(kept.getFailure().getMessage()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
    assertThat(primaryStore.points(GUEST_ID)).contains(RestorePointId.parse(kept.getBackup().getPointId()));
    assertThat(primary.activeSnapshots(GuestRef.named("mail"))).isEmpty();

    // Step 2, on the standby: reverse-replicate while it runs; only the changed grain travels.
    CommandResult reverse = run(standbyAgent, reverse("rr-1", failoverPoint, false));
    assertThat(reverse.getOutcome()).as(reverse.getFailure().getMessage())
        .isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
    long allocated = 16 * 64 * 1024; // one written grain per MiB
    assertThat(reverse.getBackup().getBytesSent()).as("bytes sent for one changed 64 KiB grain")
        .isLessThan(allocated / 4).isLessThan(CAPACITY / 64);
    assertThat(reverse.getBackup().getPointId()).startsWith(GUEST_ID + "/");

    // A final delta while the guest still runs on the standby is refused; once stopped it is a plain read.
    CommandResult early = run(standbyAgent, reverse("rr-2", failoverPoint, true));
    assertThat(early.getFailure().getCode()).isEqualTo("guest_running");
    assertThat(run(standbyAgent, Envelope.newBuilder().setStopGuest(StopGuest.newBuilder().setHeader(header("stop"))
        .setGuestId(GUEST_ID).setMode(StopMode.STOP_MODE_GRACEFUL)).build()).getOutcome())
        .isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
    CommandResult last = run(standbyAgent, reverse("rr-3", failoverPoint, true));
    assertThat(last.getOutcome()).as(last.getFailure().getMessage()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
    assertThat(last.getBackup().getBytesSent()).isLessThan(allocated / 4);
    assertThat(standby.activeSnapshots(onStandby)).isEmpty();

    // The primary's store now holds the standby's disk: materialised there it carries the standby's write.
    Path back = dir.resolve("hostA-guests");
    MaterialiseResult onPrimary = new RestorePointMaterialiser("hostA", primaryStore, "main", List.of(back))
        .materialise(GUEST_ID, last.getBackup().getPointId(), DiskFormat.DISK_FORMAT_RAW,
            VmdkCreateType.VMDK_CREATE_TYPE_UNSPECIFIED, back.resolve(GUEST_ID).toString());
    assertThat(Files.readAllBytes(Path.of(onPrimary.getDisks(0).getPath())))
        .isEqualTo(Files.readAllBytes(Path.of(disks.getDisks(0).getPath())));

    // Step 4, on the standby: unregister and delete its copy's materialised disks (never its restore points).
    CommandResult removed = run(standbyAgent, Envelope.newBuilder().setUnregisterGuest(UnregisterGuest.newBuilder()
        .setHeader(header("unreg")).setGuestId(GUEST_ID).setDeleteDisks(true)).build());
    assertThat(removed.getOutcome()).as(removed.getFailure().getMessage())
        .isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
    assertThat(Path.of(disks.getDisks(0).getPath())).doesNotExist();
    try (var s = Files.list(dir.resolve("hostB-guests").resolve(GUEST_ID))) {
      assertThat(s.toList()).isEmpty();
    }
    assertThat(standbyGuests.ref(GUEST_ID)).isEmpty();
    assertThat(standbyStore.points(GUEST_ID)).contains(RestorePointId.parse(failoverPoint));
  }

  @Test
  void registeringTheGuestBackOnItsPrimaryReplacesTheStoppedOldDefinitionByOneOnTheNewDisks() throws Exception {
    // The primary still defines the guest (stopped) on its old disk; the failback materialised a new one there.
    GuestSpec old = get(primary.guest(GuestRef.named("mail")));
    Path fresh = Files.write(Files.createDirectories(dir.resolve("hostA-guests").resolve(GUEST_ID))
        .resolve(GUEST_ID + "-0.raw"), new byte[4096]);
    GuestSpec back = old.toBuilder().setGuestId(GUEST_ID).clearHypervisorUuid()
        .setDisks(0, old.getDisks(0).toBuilder().setPath(fresh.toString())).build();

    CommandResult registered = run(primaryAgent, Envelope.newBuilder().setRegisterGuest(RegisterGuest.newBuilder()
        .setHeader(header("fb-reg")).setSpec(back).setDisableAutostart(true)).build());

    assertThat(registered.getOutcome()).as(registered.getFailure().getMessage())
        .isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
    GuestSpec now = get(primary.guest(GuestRef.named("mail")));
    assertThat(now.getDisks(0).getPath()).as("the disk the primary's definition boots").isEqualTo(fresh.toString());
    assertThat(registered.getRegister().getHypervisorUuid()).isEqualTo(now.getHypervisorUuid())
        .isNotEqualTo(old.getHypervisorUuid());
    assertThat(Path.of(old.getDisks(0).getPath())).as("the old disk is kept").exists();

    // While a copy runs from other disks, it is refused instead.
    get(primary.start(GuestRef.of(now)));
    GuestSpec elsewhere = back.toBuilder().setDisks(0, back.getDisks(0).toBuilder()
        .setPath(old.getDisks(0).getPath())).build();
    CommandResult refused = run(primaryAgent, Envelope.newBuilder().setRegisterGuest(RegisterGuest.newBuilder()
        .setHeader(header("fb-reg-2")).setSpec(elsewhere)).build());
    assertThat(refused.getFailure().getCode()).isEqualTo("guest_running");
  }

  @Test
  void theCleanerDeletesOnlyMaterialisedDisksOfThatGuestInsideTheGuestDirectories() throws Exception {
    Path guests = Files.createDirectories(dir.resolve("g/" + GUEST_ID));
    Path disk = Files.write(guests.resolve(GUEST_ID + "-0.raw"), new byte[16]);
    Path marker = Files.write(guests.resolve("." + GUEST_ID + "-0.raw.lifeboat.json"), "{}".getBytes());
    Path other = Files.write(guests.resolve("6f1c2a9e-0000-4000-8000-000000000999-0.raw"), new byte[16]);
    Files.write(guests.resolve(".6f1c2a9e-0000-4000-8000-000000000999-0.raw.lifeboat.json"), "{}".getBytes());
    Path drill = Files.createDirectories(dir.resolve("g/.drills/d1"));
    Path drillBase = Files.write(drill.resolve(GUEST_ID + "-0.raw"), new byte[16]);
    Files.write(drill.resolve("." + GUEST_ID + "-0.raw.lifeboat.json"), "{}".getBytes());
    Path outside = Files.write(dir.resolve("outside.raw"), new byte[16]);

    List<Path> deleted = new MaterialisedDiskCleaner(List.of(dir.resolve("g")))
        .delete(GUEST_ID, List.of(outside.toString()));
    assertThat(deleted).containsExactlyInAnyOrder(disk, marker);
    assertThat(other).exists();
    assertThat(drillBase).exists();
    assertThat(outside).exists();
  }

  private Envelope reverse(String id, String since, boolean finalDelta) {
    return Envelope.newBuilder().setReverseReplicate(ReverseReplicate.newBuilder().setHeader(header(id))
        .setGuestId(GUEST_ID).setTarget(primaryTarget).setSincePointId(since).setFinalDelta(finalDelta)).build();
  }

  private StoreTarget serve(ChunkStore store, String host) throws Exception {
    ReplicationReceiver receiver = new ReplicationReceiver(store, ReceiverOptions.plain("127.0.0.1", 0, SECRET));
    get(vertx.deployVerticle(receiver));
    return StoreTarget.newBuilder().setHostId(host).setAddress("127.0.0.1:" + receiver.actualPort())
        .setStoreId("main").build();
  }

  private CommandDispatcher agent(String host, FakeHypervisorDriver driver, GuestDirectory guests, Path guestDir)
      throws Exception {
    BackupCycle cycles = new BackupCycle(host, driver, new ReplicationPusher(vertx,
        t -> AgentRuntime.senderOptions(t, SECRET, null)), dir.resolve(host + "-digests"), e -> { });
    CommandHandler handler = new CompositeCommandHandler(List.of(new DriverCommandHandler(vertx, driver, guests,
        () -> { }, guestDir == null ? null : new MaterialisedDiskCleaner(List.of(guestDir))),
        new BackupCommandHandler(host, cycles, guests, driver)));
    return new CommandDispatcher(host, EpochStore.open(dir.resolve(host + "-epoch")),
        vertx.createSharedWorkerExecutor("test-state-" + host, 1), () -> false, () -> true, handler,
        MonotonicClock.SYSTEM);
  }

  private CommandResult run(CommandDispatcher agent, Envelope command) {
    String id = commandId(command);
    vertx.runOnContext(v -> agent.dispatch(command, r -> replies.add(r.build())));
    await().atMost(30, TimeUnit.SECONDS).until(() -> replies.stream()
        .anyMatch(e -> e.hasCommandResult() && e.getCommandResult().getCommandId().equals(id)));
    return replies.stream().filter(e -> e.hasCommandResult() && e.getCommandResult().getCommandId().equals(id))
        .findFirst().orElseThrow().getCommandResult();
  }

  private static String commandId(Envelope e) {
    return switch (e.getPayloadCase()) {
      case BACKUP_GUEST -> e.getBackupGuest().getHeader().getCommandId();
      case REVERSE_REPLICATE -> e.getReverseReplicate().getHeader().getCommandId();
      case REGISTER_GUEST -> e.getRegisterGuest().getHeader().getCommandId();
      case START_GUEST -> e.getStartGuest().getHeader().getCommandId();
      case STOP_GUEST -> e.getStopGuest().getHeader().getCommandId();
      case UNREGISTER_GUEST -> e.getUnregisterGuest().getHeader().getCommandId();
      default -> throw new IllegalArgumentException(e.getPayloadCase().toString());
    };
  }

  private static CommandHeader header(String commandId) {
    return CommandHeader.newBuilder().setCommandId(commandId).setEpoch(1).build();
  }

  private static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
