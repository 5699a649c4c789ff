package io.lifeboat.agent.hypervisor;

import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HypervisorKind;
import io.lifeboat.protocol.v1.PowerState;
import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.ImageRange;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * The behaviour every {@link HypervisorDriver} must show, run against each implementation: the in-memory fake
 * (unit), libvirt and VMware (lab). A subclass provides a primary host running a test guest and a standby host.
 */
public abstract class HypervisorDriverContract {

    private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");

    /** The driver of the host running {@link #runningGuest()}. */
    protected abstract HypervisorDriver primary();

    /** The driver of another host, where a copy of the guest is registered. */
    protected abstract HypervisorDriver standby();

    /** A guest running on the primary, with at least one disk holding data and one NIC. */
    protected abstract GuestRef runningGuest();

    /** A line the guest prints on its serial console when it has booted. */
    protected abstract String bootMarker();

    /**
     * Copies the frozen base disks of {@code snapshot} to the standby host and returns their paths there, in the
     * snapshot's disk order (what materialising a restore point does in production).
     */
    protected abstract List<String> copyToStandby(BackupSnapshot snapshot) throws Exception;

    /** How long a guest may take to print {@link #bootMarker()}. */
    protected Duration bootTimeout() {
        return Duration.ofSeconds(10);
    }

    /** How long one driver call may take. */
    protected Duration callTimeout() {
        return Duration.ofSeconds(60);
    }

    protected final <T> T result(Future<T> future) throws Exception {
        try {
            return future.toCompletionStage().toCompletableFuture().get(callTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        } catch (TimeoutException e) {
            throw new AssertionError("driver call did not finish in " + callTimeout(), e);
        }
    }

    @Test
    void hostFactsDescribeTheHypervisor() throws Exception {
        HostFacts facts = result(primary().hostFacts());

        assertThat(facts.getHypervisorKind()).isNotEqualTo(HypervisorKind.HYPERVISOR_KIND_UNSPECIFIED);
        assertThat(facts.getHypervisorVersion()).isNotBlank();
        assertThat(facts.getCpuCount()).isPositive();
        assertThat(facts.getMemoryBytes()).isPositive();
        assertThat(facts.getHostId()).as("host id is the agent's to set").isEmpty();
    }

    @Test
    void inventoryReportsTheRunningGuestWithDisksAndNics() throws Exception {
        List<GuestSpec> guests = result(primary().inventory());

        assertThat(guests).filteredOn(g -> runningGuest().matches(g)).singleElement().satisfies(g -> {
            assertThat(g.getPowerState()).isEqualTo(PowerState.POWER_STATE_RUNNING);
            assertThat(g.getHypervisorUuid()).isNotBlank();
            assertThat(g.getVcpus()).isPositive();
            assertThat(g.getMemoryBytes()).isPositive();
            assertThat(g.getDisksList()).isNotEmpty().allSatisfy(d -> {
                assertThat(d.getPath()).isNotBlank();
                assertThat(d.getFormat()).isNotEqualTo(DiskFormat.DISK_FORMAT_UNSPECIFIED);
                assertThat(d.getTarget()).isNotBlank();
            });
            assertThat(g.getNicsList()).isNotEmpty().allSatisfy(n -> assertThat(n.getMacAddress()).matches(MAC));
        });
        GuestSpec one = result(primary().guest(runningGuest()));
        assertThat(guests).filteredOn(g -> runningGuest().matches(g)).singleElement()
                .extracting(GuestSpec::getHypervisorUuid).isEqualTo(one.getHypervisorUuid());
    }

    @Test
    void unknownGuestFailsPermanently() {
        Throwable t = catchThrowable(() -> result(primary().guest(GuestRef.named("lifeboat-no-such-guest"))));

        assertThat(t).isInstanceOfSatisfying(HypervisorException.class, e -> {
            assertThat(e.code()).isEqualTo("no_such_guest");
            assertThat(e.isRetriable()).isFalse();
            assertThat(e.getMessage()).contains("lifeboat-no-such-guest");
        });
    }

    @Test
    void snapshotFreezesEveryDiskReadableWhileTheGuestRunsAndReleaseRestoresIt() throws Exception {
        GuestSpec before = result(primary().guest(runningGuest()));
        BackupSnapshot snapshot = result(primary().snapshotForBackup(runningGuest()));
        try {
            assertThat(snapshot.live()).isTrue();
            assertThat(snapshot.snapshotId()).startsWith(BackupSnapshot.ID_PREFIX);
            assertThat(snapshot.disks()).hasSameSizeAs(before.getDisksList());
            for (int i = 0; i < snapshot.disks().size(); i++) {
                FrozenDisk disk = snapshot.disks().get(i);
                assertThat(disk.basePath()).isEqualTo(before.getDisks(i).getPath());
                assertThat(disk.hasOverlay()).isTrue();
                try (DiskImage image = result(primary().openFrozenBase(snapshot, i))) {
                    assertThat(image.capacity()).isPositive();
                    List<ImageRange> data = image.map().stream().filter(ImageRange::data).toList();
                    assertThat(data).as("allocated ranges of disk %s", disk.basePath()).isNotEmpty();
                    ByteBuffer grain = ByteBuffer.allocate((int) Math.min(image.grainSize(), data.get(0).length()));
                    image.read(data.get(0).start(), grain);
                    assertThat(grain.hasRemaining()).isFalse();
                }
            }
            assertThat(result(primary().guest(runningGuest())).getPowerState())
                    .as("the guest keeps running while its base is read").isEqualTo(PowerState.POWER_STATE_RUNNING);
        } finally {
            result(primary().releaseSnapshot(snapshot));
        }
        GuestSpec after = result(primary().guest(runningGuest()));
        assertThat(after.getDisksList()).extracting(DiskSpec::getPath)
                .containsExactlyElementsOf(before.getDisksList().stream().map(DiskSpec::getPath).toList());
        assertThat(after.getPowerState()).isEqualTo(PowerState.POWER_STATE_RUNNING);

        result(primary().releaseSnapshot(snapshot)); // idempotent
        assertThat(result(primary().releaseStaleSnapshots(runningGuest()))).isEmpty();
    }

    @Test
    void aStaleSnapshotLeftByAnInterruptedCycleIsReleased() throws Exception {
        GuestSpec before = result(primary().guest(runningGuest()));
        BackupSnapshot abandoned = result(primary().snapshotForBackup(runningGuest()));

        List<String> released = result(primary().releaseStaleSnapshots(runningGuest()));

        assertThat(released).containsExactly(abandoned.snapshotId());
        assertThat(result(primary().guest(runningGuest())).getDisksList()).extracting(DiskSpec::getPath)
                .containsExactlyElementsOf(before.getDisksList().stream().map(DiskSpec::getPath).toList());
        result(primary().releaseSnapshot(abandoned)); // already released: still fine
        BackupSnapshot next = result(primary().snapshotForBackup(runningGuest()));
        result(primary().releaseSnapshot(next));
    }

    @Test
    void aCopyRegisteredTransientlyOnAnotherHostBootsAndIsFencedThenGone() throws Exception {
        GuestSpec source = result(primary().guest(runningGuest()));
        BackupSnapshot snapshot = result(primary().snapshotForBackup(runningGuest()));
        List<String> paths;
        try {
            paths = copyToStandby(snapshot);
        } finally {
            result(primary().releaseSnapshot(snapshot));
        }
        GuestSpec copy = withDisks(source, "lifeboat-contract-" + Long.toHexString(System.nanoTime()), paths, snapshot);

        GuestSpec registered = result(standby().register(copy, Registration.TRANSIENT));
        GuestRef ref = GuestRef.of(registered);
        try {
            assertThat(registered.getHypervisorUuid()).isNotBlank();
            GuestSpec listed = result(standby().guest(ref));
            assertThat(listed.getNicsList()).extracting(n -> n.getMacAddress())
                    .containsExactlyElementsOf(source.getNicsList().stream().map(n -> n.getMacAddress()).toList());
            assertThat(listed.getPowerState()).isNotEqualTo(PowerState.POWER_STATE_RUNNING);

            result(standby().start(ref));

            await().atMost(bootTimeout()).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                BootEvidence evidence = result(standby().bootEvidence(ref, 64 * 1024));
                assertThat(evidence.powerState()).isEqualTo(PowerState.POWER_STATE_RUNNING);
                assertThat(evidence.consoleTail()).contains(bootMarker());
            });

            List<GuestRef> fenced = result(standby().fence(List.of(ref, GuestRef.named("lifeboat-not-here"))));
            assertThat(fenced).containsExactly(ref);
            assertThat(result(standby().inventory())).noneMatch(ref::matches);
        } finally {
            result(standby().fence(List.of(ref)));
        }
    }

    @Test
    void aPersistentRegistrationSurvivesStopAndIsUnregistered() throws Exception {
        GuestSpec source = result(primary().guest(runningGuest()));
        BackupSnapshot snapshot = result(primary().snapshotForBackup(runningGuest()));
        List<String> paths;
        try {
            paths = copyToStandby(snapshot);
        } finally {
            result(primary().releaseSnapshot(snapshot));
        }
        GuestSpec copy = withDisks(source, "lifeboat-contract-" + Long.toHexString(System.nanoTime()), paths, snapshot);
        GuestRef ref = GuestRef.of(result(standby().register(copy, Registration.PERSISTENT)));
        try {
            assertThat(result(standby().guest(ref)).getPowerState()).isEqualTo(PowerState.POWER_STATE_OFF);
            result(standby().start(ref));
            result(standby().start(ref)); // starting a running guest succeeds
            assertThat(result(standby().guest(ref)).getPowerState()).isEqualTo(PowerState.POWER_STATE_RUNNING);

            Throwable refused = catchThrowable(() -> result(standby().unregister(ref)));
            assertThat(refused).isInstanceOfSatisfying(HypervisorException.class,
                    e -> assertThat(e.code()).isEqualTo("guest_running"));

            assertThat(result(standby().stop(ref, Duration.ZERO))).isEqualTo(PowerState.POWER_STATE_OFF);
            assertThat(result(standby().guest(ref)).getPowerState()).isEqualTo(PowerState.POWER_STATE_OFF);
            result(standby().stop(ref, Duration.ZERO)); // stopping a stopped guest succeeds
        } finally {
            result(standby().stop(ref, Duration.ZERO));
            result(standby().unregister(ref));
        }
        assertThat(result(standby().inventory())).noneMatch(ref::matches);
    }

    @Test
    void hostileNamesAreRefusedOrKeptVerbatimNeverInjected() throws Exception {
        GuestSpec source = result(primary().guest(runningGuest()));
        List<String> hostile = List.of("x'\"><devices><disk/></devices><name>evil", "a&b;&amp;<c>", "../../etc/passwd");
        for (String name : hostile) {
            GuestSpec spec = source.toBuilder().setName(name).setHypervisorUuid("").clearDisks().build();
            GuestSpec registered;
            try {
                registered = result(standby().register(spec, Registration.PERSISTENT));
            } catch (HypervisorException refused) {
                assertThat(refused.isRetriable()).isFalse();
                assertThat(result(standby().inventory())).noneMatch(g -> g.getName().equals(name));
                continue;
            }
            GuestRef ref = GuestRef.of(registered);
            try {
                GuestSpec listed = result(standby().guest(ref));
                assertThat(listed.getName()).isEqualTo(name);
                assertThat(listed.getDisksList()).isEmpty();
            } finally {
                result(standby().unregister(ref));
            }
        }
    }

    private static GuestSpec withDisks(GuestSpec source, String name, List<String> paths, BackupSnapshot snapshot) {
        GuestSpec.Builder b = source.toBuilder().setName(name).setHypervisorUuid("").setGuestId("").setConfigPath("")
                .clearDisks();
        List<DiskSpec> disks = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            disks.add(snapshot.disks().get(i).disk().toBuilder().setPath(paths.get(i)).build());
        }
        return b.addAllDisks(disks).build();
    }
}
