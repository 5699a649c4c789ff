package io.lifeboat.agent.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lifeboat.agent.hypervisor.GuestRef;
import io.lifeboat.agent.hypervisor.Registration;
import io.lifeboat.agent.hypervisor.libvirt.LibvirtDriver;
import io.lifeboat.agent.hypervisor.libvirt.LocalHostFiles;
import io.lifeboat.agent.link.DrillCommandHandler;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.DrillTeardown;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.agent.restore.RestorePointMaterialiser;
import io.lifeboat.protocol.v1.DiskBus;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.DrillBoot;
import io.lifeboat.protocol.v1.DrillTeardownResult;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import io.lifeboat.storage.replication.PushRequest;
import io.lifeboat.storage.replication.ReceiverOptions;
import io.lifeboat.storage.replication.ReplicationReceiver;
import io.lifeboat.storage.replication.ReplicationSender;
import io.lifeboat.storage.replication.SenderOptions;
import io.lifeboat.storage.store.ChunkStore;
import io.lifeboat.storage.store.RestorePointId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;

/**
 * Drills on libvirt's test driver with real qemu-img overlays over bases materialised from a store that received a
 * real push: a drill copy boots with no NIC and no guest id, teardown leaves nothing, the point is unchanged, a
 * point a scrub marked bad fails the drill naming why, and leftovers of a crash are swept.
 */
class DrillRunnerTest {
  private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
  private static final String GUEST_ID = "6f1c2a9e-0000-4000-8000-0000000000d1";
  private static final String PRODUCTION_MAC = "52:54:00:12:34:56";
  private static final long CAPACITY = (2L << 20) + 4096;

  @TempDir
  Path dir;

  private Vertx vertx;
  private ChunkStore store;
  private String pointId;
  private Path guests;
  private LibvirtDriver driver;
  private DrillRunner runner;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    store = ChunkStore.open(dir.resolve("store"));
    ReplicationReceiver receiver = new ReplicationReceiver(store, ReceiverOptions.plain("127.0.0.1", 0, SECRET));
    get(vertx.deployVerticle(receiver));
    pointId = get(new ReplicationSender(vertx, SenderOptions.plain("127.0.0.1", receiver.actualPort(), SECRET))
        .push(PushRequest.of(GUEST_ID, List.of(disk(dir.resolve("mail-0.img"))), dir.resolve("digests"))))
        .pointId();
    guests = dir.resolve("guests");
    driver = get(LibvirtDriver.connect(vertx, "test:///default", new LocalHostFiles(), "test-drill-libvirt",
        dir.resolve("consoles").toString()));
    runner = new DrillRunner(vertx, "hostB", driver, store, new RestorePointMaterialiser("hostB", store, "main",
        List.of(guests)), guests, vertx.createSharedWorkerExecutor("lifeboat-drill", 2), new QemuImg("qemu-img"));
  }

  @AfterEach
  void tearDown() throws Exception {
    driver.close();
    get(vertx.close());
  }

  @Test
  void aDrillCopyBootsOnAnOverlayWithoutNicOrGuestIdAndTeardownLeavesNothingAndThePointIsUnchanged()
      throws Exception {
    String digestBefore = store.load(RestorePointId.parse(pointId)).rootDigest();
    byte[] manifestBefore = pointFile();
    String drillId = UUID.randomUUID().toString();
    Future<DrillRunner.BootOutcome> booting = runner.boot(drill(drillId, 20), System.nanoTime());
    String name = "drill-mail-" + drillId.substring(0, 8);
    Path drillDir = guests.resolve(".drills").resolve(drillId);

    // The guest prints its marker on the serial console the drill copy's domain XML names.
    await().atMost(20, TimeUnit.SECONDS).until(() -> domainXml(name) != null);
    String xml = domainXml(name);
    String serial = xml.replaceAll("(?s).*<serial type=.file.>\\s*<source path='([^']+)'.*", "$1");
    assertThat(Path.of(serial).getParent()).isEqualTo(drillDir);
    Files.writeString(Path.of(serial), "BIOS\nLinux version 6.1\nmail login: LIFEBOAT-BOOT-OK\n");

    DrillRunner.BootOutcome outcome = get(booting);
    assertThat(outcome.passed()).as(outcome.result().getReason()).isTrue();
    assertThat(outcome.result().getDrillName()).isEqualTo(name);
    assertThat(outcome.result().getPointId()).isEqualTo(pointId);
    assertThat(outcome.result().getRootDigest()).isEqualTo(digestBefore);
    assertThat(outcome.result().getEvidence()).endsWith("LIFEBOAT-BOOT-OK");
    assertThat(outcome.result().getBootDuration().getSeconds() * 1_000_000_000L
        + outcome.result().getBootDuration().getNanos()).isPositive();

    // I1: no NIC, never the production MAC, no Lifeboat guest id; disks are the overlays on the read-only bases.
    assertThat(xml).doesNotContain("<interface").doesNotContain(PRODUCTION_MAC).doesNotContain(GUEST_ID)
        .doesNotContain("lifeboat:guest");
    Path overlay = drillDir.resolve("overlay-0.qcow2");
    assertThat(xml).contains(overlay.toString()).contains("type='qcow2'");
    assertThat(qemuImgInfo(overlay)).contains("\"backing-filename\": \"" + drillDir.resolve("base-0.vmdk") + "\"")
        .contains("\"backing-filename-format\": \"vmdk\"");
    assertThat(drillDir.resolve("base-0.vmdk")).isReadable();
    Process compare = new ProcessBuilder("qemu-img", "compare", "-f", "qcow2", "-F", "raw", overlay.toString(),
        dir.resolve("mail-0.img").toString()).redirectErrorStream(true).start();
    String verdict = new String(compare.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(compare.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(compare.exitValue()).as("qemu-img compare: %s", verdict).isZero();
    assertThat(verdict).contains("Images are identical");
    assertThat(Files.getPosixFilePermissions(drillDir.resolve("base-0.vmdk"))).noneMatch(p -> p.name()
        .endsWith("_WRITE"));
    assertThat(get(driver.inventory())).noneMatch(g -> g.getGuestId().equals(GUEST_ID));

    DrillTeardownResult torn = get(runner.teardown(drillId, name));
    assertThat(torn.getNothingLeft()).as(torn.getLeftoversList().toString()).isTrue();
    assertThat(torn.getRemovedDomainsList()).containsExactly(name);
    assertThat(torn.getRemovedFiles()).isGreaterThanOrEqualTo(3);
    assertThat(drillDir).doesNotExist();
    assertThat(domainXml(name)).isNull();
    assertThat(get(driver.inventory())).noneMatch(g -> g.getName().startsWith("drill-"));

    DrillTeardownResult again = get(runner.teardown(drillId, name));
    assertThat(again.getNothingLeft()).isTrue();
    assertThat(again.getRemovedDomainsList()).isEmpty();
    assertThat(again.getRemovedFiles()).isZero();

    // Drills change nothing: the point's digest and manifest are the same, and it is still verified.
    assertThat(store.load(RestorePointId.parse(pointId)).rootDigest()).isEqualTo(digestBefore);
    assertThat(pointFile()).isEqualTo(manifestBefore);
    assertThat(store.isVerified(store.load(RestorePointId.parse(pointId)))).isTrue();
    assertThat(store.pins(RestorePointId.parse(pointId))).isEmpty();
  }

  @Test
  void aPointWithACorruptChunkMarkedByAScrubFailsTheDrillNamingThePointAndWhyAndLeavesNothing() throws Exception {
    Path pack;
    try (Stream<Path> s = Files.list(dir.resolve("store/packs"))) {
      pack = s.filter(f -> f.toString().endsWith(".pack")).findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(pack);
    bytes[100] ^= 0x10;
    Files.write(pack, bytes);
    assertThat(store.scrub().unusablePoints()).containsExactly(RestorePointId.parse(pointId));

    String drillId = UUID.randomUUID().toString();
    DrillRunner.BootOutcome outcome = get(runner.boot(drill(drillId, 5), System.nanoTime()));
    assertThat(outcome.passed()).isFalse();
    assertThat(outcome.failure().code()).isEqualTo("point_unusable");
    assertThat(outcome.result().getReason()).contains(pointId).contains("not usable").contains("corrupt");
    assertThat(outcome.result().getPassed()).isFalse();
    assertThat(guests.resolve(".drills").resolve(drillId)).doesNotExist();
    assertThat(get(driver.inventory())).noneMatch(g -> g.getName().startsWith("drill-"));

    // Over the wire: the command fails, and still carries the drill's detail for the report.
    CommandResult wire = get(new DrillCommandHandler("hostB", runner).handle(Envelope.newBuilder()
        .setDrillBoot(drill(UUID.randomUUID().toString(), 5)).build()));
    assertThat(wire.getOutcome()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_FAILED);
    assertThat(wire.getFailure().getCode()).isEqualTo("point_unusable");
    assertThat(wire.getDrillBoot().getPointId()).isEqualTo(pointId);
    assertThat(wire.getDrillBoot().getPassed()).isFalse();
    CommandResult teardown = get(new DrillCommandHandler("hostB", runner).handle(Envelope.newBuilder()
        .setDrillTeardown(DrillTeardown.newBuilder().setDrillId(drillId)).build()));
    assertThat(teardown.getOutcome()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
    assertThat(teardown.getDrillTeardown().getNothingLeft()).isTrue();
  }

  @Test
  void aDrillCopyThatNeverShowsItsMarkerFailsWithItsConsoleAsEvidenceAndIsTornDown() throws Exception {
    String drillId = UUID.randomUUID().toString();
    String name = "drill-mail-" + drillId.substring(0, 8);
    Future<DrillRunner.BootOutcome> booting = runner.boot(drill(drillId, 2), System.nanoTime());
    await().atMost(20, TimeUnit.SECONDS).until(() -> domainXml(name) != null);
    String serial = domainXml(name).replaceAll("(?s).*<serial type=.file.>\\s*<source path='([^']+)'.*", "$1");
    Files.writeString(Path.of(serial), "BIOS\nKernel panic - not syncing: VFS\n");

    DrillRunner.BootOutcome outcome = get(booting);
    assertThat(outcome.passed()).isFalse();
    assertThat(outcome.failure().code()).isEqualTo("boot_not_verified");
    assertThat(outcome.result().getReason()).contains(name).contains("LIFEBOAT-BOOT-OK").contains("2 s");
    assertThat(outcome.result().getEvidence()).contains("Kernel panic");
    assertThat(domainXml(name)).isNull();
    assertThat(guests.resolve(".drills").resolve(drillId)).doesNotExist();
  }

  @Test
  void drillsLeftByACrashAreSweptAtStart() throws Exception {
    Path stale = Files.createDirectories(guests.resolve(".drills/0badc0de"));
    Files.writeString(stale.resolve("drill.json"), "{\"drillId\":\"0badc0de\",\"drillName\":\"drill-old-0badc0de\"}");
    Files.write(stale.resolve("overlay-0.qcow2"), new byte[512]);
    Path disk = Files.write(dir.resolve("stray.raw"), new byte[4096]);
    get(driver.register(GuestSpec.newBuilder().setName("drill-stray-12345678").setVcpus(1).setMemoryBytes(64L << 20)
        .addDisks(DiskSpec.newBuilder().setPath(disk.toString()).setFormat(DiskFormat.DISK_FORMAT_RAW)
            .setBus(DiskBus.DISK_BUS_VIRTIO).setTarget("vda")).build(), Registration.TRANSIENT));
    get(driver.start(GuestRef.named("drill-stray-12345678")));

    List<DrillTeardownResult> swept = get(runner.sweepLeftovers());
    assertThat(swept).anySatisfy(t -> assertThat(t.getDrillId()).isEqualTo("0badc0de"));
    assertThat(swept).anySatisfy(t -> assertThat(t.getRemovedDomainsList()).contains("drill-stray-12345678"));
    assertThat(stale).doesNotExist();
    assertThat(get(driver.inventory())).noneMatch(g -> g.getName().startsWith("drill-"));
    assertThat(get(runner.sweepLeftovers())).isEmpty();
  }

  private DrillBoot drill(String drillId, int timeoutSeconds) {
    GuestSpec production = GuestSpec.newBuilder().setGuestId(GUEST_ID).setName("mail").setVcpus(1)
        .setMemoryBytes(256L << 20)
        .addDisks(DiskSpec.newBuilder().setPath("/var/lib/libvirt/images/mail.vmdk")
            .setFormat(DiskFormat.DISK_FORMAT_VMDK).setBus(DiskBus.DISK_BUS_VIRTIO).setTarget("vda"))
        .addNics(NicSpec.newBuilder().setMacAddress(PRODUCTION_MAC).setModel(NicModel.NIC_MODEL_E1000)
            .setNetwork("bridge:br0"))
        .build();
    return DrillBoot.newBuilder().setDrillId(drillId).setGuestId(GUEST_ID).setPointId(pointId)
        .setBootMarker("LIFEBOAT-BOOT-OK").setBootTimeout(com.google.protobuf.Duration.newBuilder()
            .setSeconds(timeoutSeconds)).setSpec(production).build();
  }

  private byte[] pointFile() throws Exception {
    RestorePointId id = RestorePointId.parse(pointId);
    return Files.readAllBytes(dir.resolve("store/points").resolve(id.guestId()).resolve(id.stamp() + ".point"));
  }

  /** The domain's XML as libvirt holds it (test:///default is shared by the connections of a process), or null. */
  private static String domainXml(String name) throws Exception {
    Connect c = new Connect("test:///default", true);
    try {
      for (int id : c.listDomains()) {
        var d = c.domainLookupByID(id);
        if (d.getName().equals(name)) {
          return d.getXMLDesc(0);
        }
      }
      return null;
    } finally {
      c.close();
    }
  }

  private static String qemuImgInfo(Path image) throws Exception {
    Process p = new ProcessBuilder("qemu-img", "info", "--output=json", image.toString()).redirectErrorStream(true)
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  private static Path disk(Path file) throws Exception {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(CAPACITY);
      for (long off = 0; off < CAPACITY; off += 256 * 1024) {
        raf.seek(off);
        raf.write(("mail disk at " + off).getBytes(StandardCharsets.UTF_8));
      }
    }
    return file;
  }

  private static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
