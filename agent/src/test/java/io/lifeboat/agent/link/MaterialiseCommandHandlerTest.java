package io.lifeboat.agent.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lifeboat.agent.fence.MonotonicClock;
import io.lifeboat.agent.restore.RestorePointMaterialiser;
import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.MaterialiseRestorePoint;
import io.lifeboat.protocol.v1.VmdkCreateType;
import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.DiskImages;
import io.lifeboat.storage.ImageFormat;
import io.lifeboat.storage.replication.PushRequest;
import io.lifeboat.storage.replication.ReceiverOptions;
import io.lifeboat.storage.replication.ReplicationReceiver;
import io.lifeboat.storage.replication.ReplicationSender;
import io.lifeboat.storage.replication.SenderOptions;
import io.lifeboat.storage.store.ChunkStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MaterialiseRestorePoint through the command dispatcher, from a store that received a real push. */
class MaterialiseCommandHandlerTest {
  private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
  private static final String GUEST_ID = "6f1c2a9e-0000-4000-8000-000000000003";
  private static final long CAPACITY = (4L << 20) + 4096;

  @TempDir
  Path dir;

  private Vertx vertx;
  private Path guests;
  private List<Path> sources;
  private String pointId;
  private CommandDispatcher dispatcher;
  private final List<Envelope> replies = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    ChunkStore store = ChunkStore.open(dir.resolve("store"));
    ReplicationReceiver receiver = new ReplicationReceiver(store, ReceiverOptions.plain("127.0.0.1", 0, SECRET));
    get(vertx.deployVerticle(receiver));
    sources = List.of(disk(dir.resolve("mail-0.img"), "system"), disk(dir.resolve("mail-1.img"), "data"));
    pointId = get(new ReplicationSender(vertx, SenderOptions.plain("127.0.0.1", receiver.actualPort(), SECRET))
        .push(PushRequest.of(GUEST_ID, sources, dir.resolve("digests")))).pointId();
    guests = dir.resolve("guests");
    CommandHandler handler = new MaterialiseCommandHandler("hostB", new RestorePointMaterialiser("hostB", store,
        "main", List.of(guests)), vertx.createSharedWorkerExecutor("lifeboat-materialise", 2));
    dispatcher = new CommandDispatcher("hostB", EpochStore.open(dir.resolve("epoch")),
        vertx.createSharedWorkerExecutor("test-state", 1), () -> false, () -> true, handler, MonotonicClock.SYSTEM);
  }

  @AfterEach
  void tearDown() throws Exception {
    get(vertx.close());
  }

  @Test
  void aPointMaterialisesAsRawAndAsVmdkWithTheSourceBytesAndARepeatIsANoOp() throws Exception {
    Path dest = guests.resolve(GUEST_ID);
    Path leftover = Files.createDirectories(dest).resolve("." + GUEST_ID + "-0.raw.tmp-1f2e3d");
    Files.write(leftover, new byte[4096]);
    CommandResult raw = run("m-raw", DiskFormat.DISK_FORMAT_RAW, dest.toString());
    assertThat(leftover).as("a dead attempt's temporary is swept").doesNotExist();
    assertThat(raw.getOutcome()).as(raw.getFailure().getMessage()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
    assertThat(raw.getMaterialise().getDisksList()).extracting(DiskSpec::getPath)
        .containsExactly(dest.resolve(GUEST_ID + "-0.raw").toString(), dest.resolve(GUEST_ID + "-1.raw").toString());
    assertThat(raw.getMaterialise().getDisksList()).allSatisfy(d -> {
      assertThat(d.getFormat()).isEqualTo(DiskFormat.DISK_FORMAT_RAW);
      assertThat(d.getCapacityBytes()).isEqualTo(CAPACITY);
    });
    assertThat(raw.getMaterialise().getBytesWritten()).isPositive();

    CommandResult vmdk = run("m-vmdk", DiskFormat.DISK_FORMAT_VMDK, dest.toString());
    assertThat(vmdk.getOutcome()).as(vmdk.getFailure().getMessage())
        .isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
    assertThat(vmdk.getMaterialise().getDisksList()).allSatisfy(d -> {
      assertThat(d.getFormat()).isEqualTo(DiskFormat.DISK_FORMAT_VMDK);
      assertThat(d.getVmdkCreateType()).isEqualTo(VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE);
    });
    for (int i = 0; i < 2; i++) {
      Path rawFile = Path.of(raw.getMaterialise().getDisks(i).getPath());
      Path vmdkFile = Path.of(vmdk.getMaterialise().getDisks(i).getPath());
      assertThat(DiskImages.detect(vmdkFile)).isEqualTo(ImageFormat.VMDK);
      assertThat(guestBytes(rawFile)).isEqualTo(Files.readAllBytes(sources.get(i)));
      assertThat(guestBytes(vmdkFile)).isEqualTo(Files.readAllBytes(sources.get(i)));
      assertThat(Files.size(rawFile)).isEqualTo(CAPACITY);
      assertThat(allocatedBytes(rawFile)).as("a sparse raw file").isLessThan(CAPACITY / 2);
      if (Files.isExecutable(Path.of("/usr/bin/qemu-img"))) {
        assertThat(qemuImgCompare(sources.get(i), "raw", rawFile, "raw")).isZero();
        assertThat(qemuImgCompare(sources.get(i), "raw", vmdkFile, "vmdk")).isZero();
      }
    }

    FileTime before = Files.getLastModifiedTime(dest.resolve(GUEST_ID + "-0.vmdk"));
    CommandResult again = run("m-vmdk-again", DiskFormat.DISK_FORMAT_VMDK, dest.toString());
    assertThat(again.getMaterialise()).isEqualTo(vmdk.getMaterialise());
    assertThat(Files.getLastModifiedTime(dest.resolve(GUEST_ID + "-0.vmdk"))).isEqualTo(before);
    // Formats this agent does not write map to the nearest one the same hypervisors run, and the result says so.
    CommandResult flat = run("m-flat", DiskFormat.DISK_FORMAT_VMDK, VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_FLAT,
        dest.toString(), pointId);
    assertThat(flat.getMaterialise()).isEqualTo(vmdk.getMaterialise());
    CommandResult qcow = run("m-qcow", DiskFormat.DISK_FORMAT_QCOW2, VmdkCreateType.VMDK_CREATE_TYPE_UNSPECIFIED,
        dest.toString(), pointId);
    assertThat(qcow.getMaterialise()).isEqualTo(raw.getMaterialise());
    assertThat(Files.getLastModifiedTime(dest.resolve(GUEST_ID + "-0.vmdk"))).isEqualTo(before);

    // Once a guest wrote to the disk, no command overwrites it.
    try (RandomAccessFile f = new RandomAccessFile(dest.resolve(GUEST_ID + "-1.vmdk").toFile(), "rw")) {
      f.seek(f.length());
      f.write(1);
    }
    CommandResult refused = run("m-vmdk-used", DiskFormat.DISK_FORMAT_VMDK, dest.toString());
    assertThat(refused.getOutcome()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_FAILED);
    assertThat(refused.getFailure().getCode()).isEqualTo("destination_exists");
    assertThat(refused.getFailure().getMessage()).contains(dest.resolve(GUEST_ID + "-1.vmdk").toString())
        .contains("not overwriting");
  }

  @Test
  void hostileOrWrongCommandsFailClearlyAndWriteNothing() throws Exception {
    Path outside = Files.createDirectories(dir.resolve("elsewhere"));
    Files.createDirectories(guests);
    Files.createSymbolicLink(guests.resolve("link"), outside);
    String[][] cases = {
        {guests + "/../etc", pointId, "invalid_destination", "'..'"},
        {"guests/x", pointId, "invalid_destination", "not an absolute path"},
        {outside.toString(), pointId, "invalid_destination", "outside the guest directories"},
        {guests + "/link/x", pointId, "invalid_destination", "outside the guest directories"},
        {guests + "/x", GUEST_ID + "/20200101T000000Z", "no_such_point", "has no restore point"},
        {guests + "/x", "6f1c2a9e-0000-4000-8000-00000000ffff/20200101T000000Z", "invalid_point", "belongs to guest"},
        {guests + "/x", "not-a-point", "invalid_point", "not-a-point"},
    };
    int n = 0;
    for (String[] c : cases) {
      CommandResult r = run("bad-" + n++, DiskFormat.DISK_FORMAT_RAW, c[0], c[1]);
      assertThat(r.getOutcome()).as(c[0] + " " + c[1]).isEqualTo(CommandOutcome.COMMAND_OUTCOME_FAILED);
      assertThat(r.getFailure().getCode()).as(r.getFailure().getMessage()).isEqualTo(c[2]);
      assertThat(r.getFailure().getMessage()).contains("hostB").contains(c[3]);
    }
    CommandResult vmfs = run("bad-vmfs", DiskFormat.DISK_FORMAT_VMDK, VmdkCreateType.VMDK_CREATE_TYPE_VMFS,
        guests + "/x", pointId);
    assertThat(vmfs.getFailure().getCode()).isEqualTo("unsupported_format");
    assertThat(vmfs.getFailure().getMessage()).contains("VMDK_CREATE_TYPE_VMFS");
    CommandResult none = run("bad-none", DiskFormat.DISK_FORMAT_UNSPECIFIED, VmdkCreateType.VMDK_CREATE_TYPE_UNSPECIFIED,
        guests + "/x", pointId);
    assertThat(none.getFailure().getCode()).isEqualTo("unsupported_format");
    try (Stream<Path> written = Files.walk(dir.getParent().resolve(dir.getFileName()))) {
      assertThat(written.filter(p -> p.startsWith(guests) || p.startsWith(outside)).filter(Files::isRegularFile))
          .isEmpty();
    }
    assertThat(outside).isEmptyDirectory();
    assertThat(guests.resolve("x")).doesNotExist();
  }

  private CommandResult run(String id, DiskFormat format, String dest) {
    return run(id, format, dest, pointId);
  }

  private CommandResult run(String id, DiskFormat format, String dest, String point) {
    return run(id, format, VmdkCreateType.VMDK_CREATE_TYPE_UNSPECIFIED, dest, point);
  }

  private CommandResult run(String id, DiskFormat format, VmdkCreateType createType, String dest, String point) {
    Envelope command = Envelope.newBuilder().setMaterialiseRestorePoint(MaterialiseRestorePoint.newBuilder()
        .setHeader(CommandHeader.newBuilder().setCommandId(id).setEpoch(1)).setGuestId(GUEST_ID).setPointId(point)
        .setTargetFormat(format).setTargetVmdkCreateType(createType).setDestinationDir(dest)).build();
    vertx.runOnContext(v -> dispatcher.dispatch(command, r -> replies.add(r.build())));
    await().atMost(30, TimeUnit.SECONDS).until(() -> replies.stream()
        .anyMatch(e -> e.hasCommandResult() && e.getCommandResult().getCommandId().equals(id)));
    return replies.stream().filter(e -> e.hasCommandResult() && e.getCommandResult().getCommandId().equals(id))
        .findFirst().orElseThrow().getCommandResult();
  }

  private static Path disk(Path file, String text) throws Exception {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(CAPACITY);
      for (long off = 0; off < CAPACITY; off += 768 * 1024) {
        raf.seek(off);
        raf.write((text + " at " + off).getBytes(StandardCharsets.UTF_8));
      }
      raf.seek(CAPACITY - 16);
      raf.write("the very end....".getBytes(StandardCharsets.UTF_8));
    }
    return file;
  }

  private static byte[] guestBytes(Path image) throws Exception {
    try (DiskImage img = DiskImages.open(image)) {
      ByteBuffer all = ByteBuffer.allocate((int) img.capacity());
      img.read(0, all);
      return all.array();
    }
  }

  private static long allocatedBytes(Path file) throws Exception {
    Process p = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true).start();
    String[] out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip().split(" ");
    p.waitFor();
    return Long.parseLong(out[0]) * Long.parseLong(out[1]);
  }

  private static int qemuImgCompare(Path a, String fa, Path b, String fb) throws Exception {
    Process p = new ProcessBuilder("qemu-img", "compare", "-f", fa, "-F", fb, a.toString(), b.toString())
        .redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor();
  }

  private static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
