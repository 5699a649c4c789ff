package io.lifeboat.agent.hypervisor;

import io.lifeboat.protocol.v1.CpuVendor;
import io.lifeboat.protocol.v1.Datastore;
import io.lifeboat.protocol.v1.DiskBus;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HypervisorKind;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import io.lifeboat.protocol.v1.PowerState;
import io.lifeboat.protocol.v1.VirtualizationExtension;
import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.DiskImages;
import io.lifeboat.storage.ImageInfo;
import io.lifeboat.storage.ImageRange;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * An in-memory hypervisor whose guests' disks are real raw files in a directory, for unit tests: snapshots divert
 * the guest's writes ({@link #guestWrite}) into an in-memory overlay that release merges back, so a frozen base
 * really stays frozen. Failures can be injected ({@link #failReadsOf}).
 */
public final class FakeHypervisorDriver implements HypervisorDriver {

    /** Names the fake accepts: what libvirt accepts, minus path separators. */
    private static final Pattern SAFE_NAME = Pattern.compile("[^/\\\\\\x00-\\x1f]{1,200}");

    private final String host;
    private final Path datastore;
    private final Clock clock;
    private final WorkerExecutor worker;
    private final WorkerExecutor fenceWorker;
    private final Map<String, FakeGuest> guests = new LinkedHashMap<>();
    private final AtomicInteger snapshotCounter = new AtomicInteger();
    private volatile String bootMessage = "LIFEBOAT-BOOT-OK";
    private volatile boolean closed;

    /** A fake host named {@code host} keeping its guests' disks under {@code datastore}. */
    public FakeHypervisorDriver(Vertx vertx, String host, Path datastore) {
        this(vertx, host, datastore, Clock.systemUTC());
    }

    public FakeHypervisorDriver(Vertx vertx, String host, Path datastore, Clock clock) {
        this.host = host;
        this.datastore = datastore;
        this.clock = clock;
        this.worker = vertx.createSharedWorkerExecutor("lifeboat-fake-driver-" + host, 2);
        this.fenceWorker = vertx.createSharedWorkerExecutor("lifeboat-fake-fence-" + host, 1);
    }

    // ---- test helpers (not part of the SPI) ----

    /** The line every guest prints on its console when it boots (followed by its name). */
    public void bootMessage(String message) {
        this.bootMessage = message;
    }

    /**
     * Creates a guest with {@code diskCount} raw disks of {@code capacity} bytes each in the datastore, every
     * disk holding a few grains of data, and one e1000 NIC; runs it when {@code running}.
     */
    public synchronized GuestSpec createGuest(String name, int diskCount, long capacity, boolean running) {
        GuestSpec.Builder spec = GuestSpec.newBuilder().setName(name).setHypervisorUuid(UUID.randomUUID().toString())
                .setGuestOs("linux").setVcpus(1).setMemoryBytes(256L << 20);
        try {
            Files.createDirectories(datastore);
            for (int d = 0; d < diskCount; d++) {
                Path file = datastore.resolve(name + "-disk" + d + ".img");
                try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                    raf.setLength(0);
                    raf.setLength(capacity); // sparse: only the writes below allocate
                    for (long off = 0; off < capacity; off += 1L << 20) {
                        raf.seek(off);
                        raf.write((name + " disk " + d + " at " + off).getBytes(StandardCharsets.UTF_8));
                    }
                }
                spec.addDisks(DiskSpec.newBuilder().setPath(file.toString()).setFormat(DiskFormat.DISK_FORMAT_RAW)
                        .setCapacityBytes(capacity).setBus(DiskBus.DISK_BUS_VIRTIO).setTarget("vd" + (char) ('a' + d)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        spec.addNics(NicSpec.newBuilder().setMacAddress(String.format("52:54:00:00:00:%02x", guests.size() + 1))
                .setModel(NicModel.NIC_MODEL_E1000).setNetwork("default"));
        FakeGuest g = new FakeGuest(spec.build(), true);
        guests.put(name, g);
        if (running) {
            g.boot(bootMessage);
        }
        return g.spec();
    }

    /** The running guest writes {@code data} at {@code offset} of disk {@code disk}; an active snapshot diverts it. */
    public synchronized void guestWrite(GuestRef ref, int disk, long offset, byte[] data) {
        FakeGuest g = find(ref);
        if (g.state != PowerState.POWER_STATE_RUNNING) {
            throw new IllegalStateException("guest " + ref + " is not running on " + host);
        }
        if (g.snapshot != null) {
            g.overlays.get(disk).put(offset, data.clone());
        } else {
            writeFile(g.spec().getDisks(disk).getPath(), offset, data);
        }
    }

    /** Every later {@link #openFrozenBase} of this guest returns an image whose reads fail. */
    public synchronized void failReadsOf(GuestRef ref) {
        find(ref).failReads = true;
    }

    /**
     * Occupies every thread of the driver's main worker pool until {@code release} completes, as long disk reads or
     * slow graceful stops would.
     */
    public void stallWorkers(java.util.concurrent.CompletableFuture<Void> release) {
        for (int i = 0; i < 2; i++) {
            worker.executeBlocking(() -> release.get(), false);
        }
    }

    /** Ids of the snapshots of {@code ref} not yet released. */
    public synchronized List<String> activeSnapshots(GuestRef ref) {
        FakeGuest g = find(ref);
        return g.snapshot == null ? List.of() : List.of(g.snapshot);
    }

    /** Whether autostart is enabled for the guest. */
    public synchronized boolean autostart(GuestRef ref) {
        return find(ref).autostart;
    }

    // ---- the SPI ----

    @Override
    public String endpoint() {
        return "fake://" + host;
    }

    @Override
    public Future<HostFacts> hostFacts() {
        return run(() -> {
            long free = Files.getFileStore(Files.createDirectories(datastore)).getUsableSpace();
            return HostFacts.newBuilder().setHostname(host).setHypervisorKind(HypervisorKind.HYPERVISOR_KIND_LIBVIRT_KVM)
                    .setHypervisorVersion("0.0.0-fake").setCpuVendor(CpuVendor.CPU_VENDOR_INTEL)
                    .setCpuModel("Fake CPU").setVirtualizationExtension(VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X)
                    .setCpu64BitCapable(true).setCpuCount(2).setMemoryBytes(4L << 30).setMemoryFreeBytes(2L << 30)
                    .addDatastores(Datastore.newBuilder().setName("default").setPath(datastore.toString())
                            .setFreeBytes(free))
                    .setDatastoreFreeBytes(free).build();
        });
    }

    @Override
    public Future<List<GuestSpec>> inventory() {
        return run(() -> {
            synchronized (this) {
                return guests.values().stream().map(FakeGuest::spec).toList();
            }
        });
    }

    @Override
    public Future<GuestSpec> guest(GuestRef guest) {
        return run(() -> {
            synchronized (this) {
                return find(guest).spec();
            }
        });
    }

    @Override
    public Future<BackupSnapshot> snapshotForBackup(GuestRef guest) {
        return run(() -> {
            synchronized (this) {
                FakeGuest g = find(guest);
                if (g.snapshot != null) {
                    throw new HypervisorException(ErrorClass.ERROR_CLASS_RETRIABLE, "snapshot_in_progress",
                            endpoint() + ": guest " + guest + " already has snapshot " + g.snapshot);
                }
                String id = BackupSnapshot.ID_PREFIX + snapshotCounter.incrementAndGet();
                boolean live = g.state == PowerState.POWER_STATE_RUNNING;
                g.snapshot = id;
                g.overlays.clear();
                List<FrozenDisk> disks = new ArrayList<>();
                for (DiskSpec d : g.base.getDisksList()) {
                    g.overlays.add(new TreeMap<>());
                    disks.add(new FrozenDisk(d, d.getPath(), live ? d.getPath() + "." + id : ""));
                }
                return new BackupSnapshot(GuestRef.of(g.base), id, clock.instant(), live, disks);
            }
        });
    }

    @Override
    public Future<DiskImage> openFrozenBase(BackupSnapshot snapshot, int diskIndex) {
        return run(() -> {
            boolean fail;
            synchronized (this) {
                FakeGuest g = find(snapshot.guest());
                if (!snapshot.snapshotId().equals(g.snapshot)) {
                    throw HypervisorException.permanent("no_such_snapshot",
                            endpoint() + ": guest " + snapshot.guest() + " has no snapshot " + snapshot.snapshotId());
                }
                fail = g.failReads;
            }
            DiskImage image = DiskImages.open(Path.of(snapshot.disks().get(diskIndex).basePath()));
            return fail ? new FailingImage(image) : image;
        });
    }

    @Override
    public Future<Void> releaseSnapshot(BackupSnapshot snapshot) {
        return run(() -> {
            synchronized (this) {
                FakeGuest g = guests.values().stream().filter(x -> snapshot.guest().matches(x.spec())).findFirst()
                        .orElse(null);
                if (g != null && snapshot.snapshotId().equals(g.snapshot)) {
                    g.commitOverlays();
                }
                return null;
            }
        });
    }

    @Override
    public Future<List<String>> releaseStaleSnapshots(GuestRef guest) {
        return run(() -> {
            synchronized (this) {
                FakeGuest g = find(guest);
                if (g.snapshot == null) {
                    return List.of();
                }
                String id = g.snapshot;
                g.commitOverlays();
                return List.of(id);
            }
        });
    }

    @Override
    public Future<GuestSpec> register(GuestSpec spec, Registration registration) {
        return run(() -> {
            synchronized (this) {
                if (!SAFE_NAME.matcher(spec.getName()).matches() || spec.getName().contains("..")) {
                    throw HypervisorException.permanent("invalid_name",
                            endpoint() + ": guest name '" + spec.getName() + "' is not allowed");
                }
                if (guests.containsKey(spec.getName())) {
                    throw HypervisorException.permanent("guest_exists",
                            endpoint() + ": a guest named '" + spec.getName() + "' already exists");
                }
                for (DiskSpec d : spec.getDisksList()) {
                    if (!Files.isRegularFile(Path.of(d.getPath()))) {
                        throw HypervisorException.permanent("no_such_disk",
                                endpoint() + ": disk " + d.getPath() + " of guest '" + spec.getName() + "' not found");
                    }
                }
                GuestSpec registered = spec.toBuilder().setHypervisorUuid(UUID.randomUUID().toString())
                        .setPowerState(PowerState.POWER_STATE_OFF).build();
                FakeGuest g = new FakeGuest(registered, registration == Registration.PERSISTENT);
                if (!g.persistent) {
                    g.state = PowerState.POWER_STATE_PAUSED;
                }
                guests.put(spec.getName(), g);
                return g.spec();
            }
        });
    }

    @Override
    public Future<Void> persist(GuestRef guest) {
        return run(() -> {
            synchronized (this) {
                FakeGuest g = find(guest);
                g.persistent = true;
                g.autostart = false;
                return null;
            }
        });
    }

    @Override
    public Future<Void> disableAutostart(GuestRef guest) {
        return run(() -> {
            synchronized (this) {
                find(guest).autostart = false;
                return null;
            }
        });
    }

    @Override
    public Future<Void> unregister(GuestRef guest) {
        return run(() -> {
            synchronized (this) {
                FakeGuest g = find(guest);
                if (g.state == PowerState.POWER_STATE_RUNNING || g.state == PowerState.POWER_STATE_PAUSED && g.persistent) {
                    throw HypervisorException.permanent("guest_running",
                            endpoint() + ": guest " + guest + " is running; stop it before unregistering");
                }
                guests.remove(g.base.getName());
                return null;
            }
        });
    }

    @Override
    public Future<Void> start(GuestRef guest) {
        return run(() -> {
            synchronized (this) {
                FakeGuest g = find(guest);
                if (g.state != PowerState.POWER_STATE_RUNNING) {
                    g.boot(bootMessage);
                }
                return null;
            }
        });
    }

    @Override
    public Future<PowerState> stop(GuestRef guest, Duration grace) {
        return run(() -> {
            synchronized (this) {
                FakeGuest g = find(guest);
                powerOff(g, grace.isZero() ? "power off" : "acpi shutdown");
                return PowerState.POWER_STATE_OFF;
            }
        });
    }

    @Override
    public Future<List<GuestRef>> fence(Collection<GuestRef> protectedGuests) {
        return fenceWorker.executeBlocking(() -> {
            synchronized (this) {
                List<GuestRef> stopped = new ArrayList<>();
                for (GuestRef ref : protectedGuests) {
                    FakeGuest g = guests.values().stream().filter(x -> ref.matches(x.spec())).findFirst().orElse(null);
                    if (g != null && (g.state == PowerState.POWER_STATE_RUNNING || g.state == PowerState.POWER_STATE_PAUSED)) {
                        powerOff(g, "fenced");
                        stopped.add(ref);
                    }
                }
                return stopped;
            }
        }, false);
    }

    @Override
    public Future<BootEvidence> bootEvidence(GuestRef guest, int maxBytes) {
        return run(() -> {
            synchronized (this) {
                FakeGuest g = find(guest);
                String all = g.console.toString();
                byte[] bytes = all.getBytes(StandardCharsets.UTF_8);
                int from = Math.max(0, bytes.length - maxBytes);
                return new BootEvidence(g.state, new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8));
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        worker.close();
        fenceWorker.close();
    }

    // ---- internals ----

    private void powerOff(FakeGuest g, String how) {
        if (g.state == PowerState.POWER_STATE_OFF) {
            return;
        }
        g.console.append("[fake ").append(host).append("] ").append(how).append('\n');
        g.state = PowerState.POWER_STATE_OFF;
        if (!g.persistent) {
            guests.remove(g.base.getName());
        }
    }

    private <T> Future<T> run(Callable<T> work) {
        if (closed) {
            return Future.failedFuture(new HypervisorException(ErrorClass.ERROR_CLASS_FATAL, "driver_closed",
                    endpoint() + ": driver closed"));
        }
        return worker.executeBlocking(work, false);
    }

    private FakeGuest find(GuestRef ref) {
        return guests.values().stream().filter(g -> ref.matches(g.spec())).findFirst()
                .orElseThrow(() -> HypervisorException.permanent("no_such_guest",
                        endpoint() + ": no guest " + ref));
    }

    private static void writeFile(String path, long offset, byte[] data) {
        try (FileChannel ch = FileChannel.open(Path.of(path), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(data), offset);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One guest of the fake host. */
    private static final class FakeGuest {
        final GuestSpec base;
        final StringBuilder console = new StringBuilder();
        final List<TreeMap<Long, byte[]>> overlays = new ArrayList<>();
        PowerState state = PowerState.POWER_STATE_OFF;
        boolean persistent;
        boolean autostart;
        boolean failReads;
        String snapshot;

        FakeGuest(GuestSpec base, boolean persistent) {
            this.base = base;
            this.persistent = persistent;
        }

        GuestSpec spec() {
            GuestSpec.Builder b = base.toBuilder().setPowerState(state);
            if (snapshot != null && !overlays.isEmpty() && state == PowerState.POWER_STATE_RUNNING) {
                for (int i = 0; i < b.getDisksCount(); i++) {
                    b.setDisks(i, b.getDisks(i).toBuilder().setPath(base.getDisks(i).getPath() + "." + snapshot));
                }
            }
            return b.build();
        }

        void boot(String message) {
            state = PowerState.POWER_STATE_RUNNING;
            console.append("[fake] booting ").append(base.getName()).append('\n');
            console.append(message).append(' ').append(base.getName()).append('\n');
        }

        void commitOverlays() {
            for (int d = 0; d < overlays.size(); d++) {
                for (Map.Entry<Long, byte[]> w : overlays.get(d).entrySet()) {
                    writeFile(base.getDisks(d).getPath(), w.getKey(), w.getValue());
                }
            }
            overlays.clear();
            snapshot = null;
        }
    }

    /** An image whose reads fail, as a disk that went away mid-backup would. */
    private static final class FailingImage implements DiskImage {
        private final DiskImage delegate;

        FailingImage(DiskImage delegate) {
            this.delegate = Objects.requireNonNull(delegate);
        }

        @Override
        public Path path() {
            return delegate.path();
        }

        @Override
        public ImageInfo info() {
            return delegate.info();
        }

        @Override
        public long capacity() {
            return delegate.capacity();
        }

        @Override
        public int grainSize() {
            return delegate.grainSize();
        }

        @Override
        public List<ImageRange> map() throws IOException {
            return delegate.map();
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            throw new IOException(delegate.path() + ": injected read failure at offset " + offset);
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }
}
