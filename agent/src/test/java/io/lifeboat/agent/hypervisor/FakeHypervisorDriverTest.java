package io.lifeboat.agent.hypervisor;

import io.lifeboat.protocol.v1.GuestSpec;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the driver contract against the in-memory fake, plus what only the fake can show directly. */
class FakeHypervisorDriverTest extends HypervisorDriverContract {

    @TempDir
    Path dir;

    private Vertx vertx;
    private FakeHypervisorDriver primary;
    private FakeHypervisorDriver standby;
    private GuestRef guest;

    @BeforeEach
    void hosts() {
        vertx = Vertx.vertx();
        primary = new FakeHypervisorDriver(vertx, "hostA", dir.resolve("hostA"));
        standby = new FakeHypervisorDriver(vertx, "hostB", dir.resolve("hostB"));
        guest = GuestRef.of(primary.createGuest("mail", 2, 8L << 20, true));
    }

    @AfterEach
    void close() throws Exception {
        primary.close();
        standby.close();
        result(vertx.close());
    }

    @Override
    protected HypervisorDriver primary() {
        return primary;
    }

    @Override
    protected HypervisorDriver standby() {
        return standby;
    }

    @Override
    protected GuestRef runningGuest() {
        return guest;
    }

    @Override
    protected String bootMarker() {
        return "LIFEBOAT-BOOT-OK";
    }

    @Override
    protected List<String> copyToStandby(BackupSnapshot snapshot) throws Exception {
        Path target = Files.createDirectories(dir.resolve("hostB").resolve("copy-" + System.nanoTime()));
        List<String> paths = new ArrayList<>();
        for (FrozenDisk d : snapshot.disks()) {
            Path src = Path.of(d.basePath());
            paths.add(Files.copy(src, target.resolve(src.getFileName())).toString());
        }
        return paths;
    }

    @Test
    void writesDuringASnapshotLeaveTheBaseFrozenAndLandOnRelease() throws Exception {
        byte[] after = "written during the backup".getBytes(StandardCharsets.UTF_8);
        BackupSnapshot snapshot = result(primary.snapshotForBackup(guest));

        primary.guestWrite(guest, 1, 4096, after);

        ByteBuffer seen = ByteBuffer.allocate(after.length);
        try (var image = result(primary.openFrozenBase(snapshot, 1))) {
            image.read(4096, seen);
        }
        assertThat(seen.array()).containsOnly(0);
        result(primary.releaseSnapshot(snapshot));
        assertThat(Files.readAllBytes(Path.of(snapshot.disks().get(1).basePath())))
                .containsSequence(after);
        assertThat(primary.activeSnapshots(guest)).isEmpty();
    }

    @Test
    void fenceDoesNotQueueBehindBusyWorkers() throws Exception {
        java.util.concurrent.CompletableFuture<Void> release = new java.util.concurrent.CompletableFuture<>();
        primary.stallWorkers(release);
        try {
            var inventory = primary.inventory();

            List<GuestRef> fenced = result(primary.fence(List.of(guest)));

            assertThat(fenced).containsExactly(guest);
            assertThat(inventory.isComplete()).as("the main pool is still busy").isFalse();
        } finally {
            release.complete(null);
        }
        assertThat(result(primary.guest(guest)).getPowerState()).isEqualTo(io.lifeboat.protocol.v1.PowerState.POWER_STATE_OFF);
    }

    @Test
    void registrationDisablesAutostartAndPersistKeepsATransientGuestAfterStop() throws Exception {
        GuestSpec spec = result(primary.guest(guest)).toBuilder().setName("copy").setHypervisorUuid("").build();
        GuestRef copy = GuestRef.of(result(standby.register(spec, Registration.TRANSIENT)));
        result(standby.start(copy));
        result(standby.persist(copy));

        result(standby.stop(copy, java.time.Duration.ofSeconds(1)));

        assertThat(result(standby.inventory())).anyMatch(copy::matches);
        assertThat(standby.autostart(copy)).isFalse();
    }
}
