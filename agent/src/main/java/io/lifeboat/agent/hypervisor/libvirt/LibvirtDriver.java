package io.lifeboat.agent.hypervisor.libvirt;

import io.lifeboat.agent.hypervisor.BackupSnapshot;
import io.lifeboat.agent.hypervisor.BootEvidence;
import io.lifeboat.agent.hypervisor.FrozenDisk;
import io.lifeboat.agent.hypervisor.GuestRef;
import io.lifeboat.agent.hypervisor.HypervisorDriver;
import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.agent.hypervisor.Registration;
import io.lifeboat.protocol.v1.Datastore;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HypervisorKind;
import io.lifeboat.protocol.v1.PowerState;
import io.lifeboat.protocol.v1.VmdkCreateType;
import io.lifeboat.storage.DiskImage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainBlockJobInfo;
import org.libvirt.DomainInfo;
import org.libvirt.Error;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import org.libvirt.StoragePoolInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@link HypervisorDriver} for libvirt (QEMU/KVM, Xen) through libvirt-java: {@code qemu:///system} (optionally
 * {@code ?socket=}), {@code qemu+ssh://}, {@code qemu+tcp://}, {@code xen:///}. Backups use a disk-only external
 * snapshot of all disks at once (atomic, no metadata) and an active block commit with pivot on release; guests
 * registered for failover are transient ({@code createXML}, paused until started) until {@link #persist}. Every
 * native call runs on the named worker pool, fencing on a pool of its own.
 */
public final class LibvirtDriver implements HypervisorDriver {

    private static final Logger LOG = LoggerFactory.getLogger(LibvirtDriver.class);
    private static final Pattern OVERLAY = Pattern.compile("^(.+)\\.(" + Pattern.quote(BackupSnapshot.ID_PREFIX)
            + "[A-Za-z0-9-]+)\\.qcow2$");
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final long POLL_MILLIS = 100;
    private static final Duration COMMIT_TIMEOUT = Duration.ofMinutes(30);

    private final Vertx vertx;
    private final String endpoint;
    private final Connect conn;
    private final HostFiles files;
    private final WorkerExecutor worker;
    private final WorkerExecutor fenceWorker;
    private final HostCapabilities caps;
    private final String domainType;
    private final String consoleDir;
    private final Clock clock;
    private volatile boolean closed;

    private LibvirtDriver(Vertx vertx, String endpoint, Connect conn, HostFiles files, WorkerExecutor worker,
                          WorkerExecutor fenceWorker, HostCapabilities caps, String domainType, String consoleDir,
                          Clock clock) {
        this.vertx = vertx;
        this.endpoint = endpoint;
        this.conn = conn;
        this.files = files;
        this.worker = worker;
        this.fenceWorker = fenceWorker;
        this.caps = caps;
        this.domainType = domainType;
        this.consoleDir = consoleDir;
        this.clock = clock;
    }

    /**
     * Connects to {@code uri} on the worker pool {@code workerPool} (created shared, 4 threads; fencing gets
     * {@code workerPool + "-fence"}, 1 thread).
     *
     * @param files      how the driver reaches files on the host (local when the agent runs there)
     * @param consoleDir directory on the host for the serial logs of guests the driver registers without disks
     */
    public static Future<LibvirtDriver> connect(Vertx vertx, String uri, HostFiles files, String workerPool,
                                                String consoleDir) {
        String endpoint = redact(uri);
        WorkerExecutor worker = vertx.createSharedWorkerExecutor(workerPool, 4);
        WorkerExecutor fence = vertx.createSharedWorkerExecutor(workerPool + "-fence", 1);
        return worker.<LibvirtDriver>executeBlocking(() -> {
            Connect c = new Connect(uri, false);
            try {
                HostCapabilities caps = HostCapabilities.parse(c.getCapabilities(), endpoint + ": capabilities");
                String type = c.getType();
                String domainType = "xen".equalsIgnoreCase(type) ? "xen" : caps.qemuDomainType();
                LOG.info("connected to {} ({} {}, domain type {})", endpoint, type, version(c.getLibVersion()),
                        domainType);
                return new LibvirtDriver(vertx, endpoint, c, files, worker, fence, caps, domainType, consoleDir,
                        Clock.systemUTC());
            } catch (LibvirtException | RuntimeException e) {
                c.close();
                throw e;
            }
        }, false).recover(e -> {
            worker.close();
            fence.close();
            return Future.failedFuture(LibvirtErrors.classify("connect to " + endpoint, e));
        });
    }

    /** The libvirt domain type this driver gives guests it registers: {@code kvm}, {@code qemu} or {@code xen}. */
    public String domainType() {
        return domainType;
    }

    @Override
    public String endpoint() {
        return endpoint;
    }

    // ---- facts and inventory ----

    @Override
    public Future<HostFacts> hostFacts() {
        return run("host facts", () -> {
            var node = conn.nodeInfo();
            String type = conn.getType();
            HypervisorKind kind = "xen".equalsIgnoreCase(type) ? HypervisorKind.HYPERVISOR_KIND_LIBVIRT_XEN
                    : caps.kvm() ? HypervisorKind.HYPERVISOR_KIND_LIBVIRT_KVM : HypervisorKind.HYPERVISOR_KIND_LIBVIRT_QEMU;
            HostFacts.Builder f = caps.fill(HostFacts.newBuilder())
                    .setHostname(conn.getHostName())
                    .setHypervisorKind(kind)
                    .setHypervisorVersion(version(conn.getLibVersion()))
                    .setCpuCount(node.cpus)
                    .setMemoryBytes(node.memory * 1024)
                    .setMemoryFreeBytes(conn.getFreeMemory());
            if (f.getCpuModel().isEmpty()) {
                f.setCpuModel(node.model);
            }
            long free = 0;
            for (String name : conn.listStoragePools()) {
                StoragePool pool = conn.storagePoolLookupByName(name);
                StoragePoolInfo info = pool.getInfo();
                String xml = pool.getXMLDesc(0);
                Matcher m = Pattern.compile("<path>([^<]*)</path>").matcher(xml);
                f.addDatastores(Datastore.newBuilder().setName(name).setPath(m.find() ? m.group(1) : "")
                        .setCapacityBytes(info.capacity).setFreeBytes(info.available));
                free += info.available;
            }
            return f.setDatastoreFreeBytes(free).build();
        });
    }

    @Override
    public Future<List<GuestSpec>> inventory() {
        return run("inventory", () -> {
            List<GuestSpec> out = new ArrayList<>();
            for (int id : conn.listDomains()) {
                describeIfPresent(() -> conn.domainLookupByID(id), out);
            }
            for (String name : conn.listDefinedDomains()) {
                describeIfPresent(() -> conn.domainLookupByName(name), out);
            }
            return out;
        });
    }

    private void describeIfPresent(Callable<Domain> lookup, List<GuestSpec> out) throws Exception {
        try {
            out.add(describe(lookup.call()).spec());
        } catch (LibvirtException e) {
            if (!isNoDomain(e)) {
                throw e;
            }
        }
    }

    @Override
    public Future<GuestSpec> guest(GuestRef guest) {
        return run("describe guest " + guest, () -> describe(lookup(guest)).spec());
    }

    /** The parsed domain with power state and disk capacities filled in. */
    private ParsedDomain describe(Domain d) throws LibvirtException {
        ParsedDomain p = DomainXmlParser.parse(d.getXMLDesc(0), endpoint + ": domain " + d.getName());
        GuestSpec.Builder b = p.spec().toBuilder().setPowerState(powerState(d.getInfo().state));
        for (int i = 0; i < b.getDisksCount(); i++) {
            DiskSpec disk = b.getDisks(i);
            if (disk.getFormat() == DiskFormat.DISK_FORMAT_VMDK) {
                disk = disk.toBuilder().setVmdkCreateType(vmdkCreateType(disk.getPath())).build();
                b.setDisks(i, disk);
            }
            if (!disk.getTarget().isEmpty()) {
                try {
                    b.setDisks(i, disk.toBuilder().setCapacityBytes(d.blockInfo(disk.getTarget()).getCapacity()));
                } catch (LibvirtException e) {
                    LOG.debug("{}: no block info for {} of {}: {}", endpoint, disk.getTarget(), d.getName(), e.getMessage());
                }
            }
        }
        return new ParsedDomain(b.build(), p.serialLogPath(), p.backingPaths());
    }

    /** The VMDK subformat from the image's own header or descriptor; unspecified when it cannot be read. */
    private VmdkCreateType vmdkCreateType(String path) {
        try (DiskImage image = files.openImage(path)) {
            return createType(image.info().createType());
        } catch (java.io.IOException | RuntimeException e) {
            LOG.debug("{}: cannot read the VMDK subformat of {}: {}", endpoint, path, e.getMessage());
            return VmdkCreateType.VMDK_CREATE_TYPE_UNSPECIFIED;
        }
    }

    /** Maps a VMDK descriptor's {@code createType} to the protocol enum. */
    static VmdkCreateType createType(String createType) {
        if (createType == null) {
            return VmdkCreateType.VMDK_CREATE_TYPE_UNSPECIFIED;
        }
        switch (createType) {
            case "monolithicSparse":
                return VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE;
            case "monolithicFlat":
                return VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_FLAT;
            case "twoGbMaxExtentSparse":
                return VmdkCreateType.VMDK_CREATE_TYPE_TWO_GB_MAX_EXTENT_SPARSE;
            case "twoGbMaxExtentFlat":
                return VmdkCreateType.VMDK_CREATE_TYPE_TWO_GB_MAX_EXTENT_FLAT;
            case "streamOptimized":
                return VmdkCreateType.VMDK_CREATE_TYPE_STREAM_OPTIMIZED;
            case "vmfs":
                return VmdkCreateType.VMDK_CREATE_TYPE_VMFS;
            case "vmfsSparse":
                return VmdkCreateType.VMDK_CREATE_TYPE_VMFS_SPARSE;
            default:
                return VmdkCreateType.VMDK_CREATE_TYPE_UNSPECIFIED;
        }
    }

    // ---- backup snapshots ----

    @Override
    public Future<BackupSnapshot> snapshotForBackup(GuestRef guest) {
        return run("snapshot " + guest, () -> {
            Domain d = lookup(guest);
            ParsedDomain p = describe(d);
            GuestSpec spec = p.spec();
            Instant now = clock.instant();
            String id = BackupSnapshot.ID_PREFIX + STAMP.format(now) + "-"
                    + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
            for (int i = 0; i < spec.getDisksCount(); i++) {
                if (OVERLAY.matcher(spec.getDisks(i).getPath()).matches()) {
                    throw new HypervisorException(ErrorClass.ERROR_CLASS_RETRIABLE, "snapshot_in_progress", endpoint
                            + ": guest " + guest + " disk " + spec.getDisks(i).getTarget() + " already runs on overlay "
                            + spec.getDisks(i).getPath() + "; release stale snapshots first");
                }
            }
            boolean live = d.isActive() == 1;
            List<FrozenDisk> disks = new ArrayList<>();
            for (DiskSpec disk : spec.getDisksList()) {
                disks.add(new FrozenDisk(disk, disk.getPath(), live ? overlayPath(disk.getPath(), id) : ""));
            }
            if (live && !disks.isEmpty()) {
                d.snapshotCreateXML(snapshotXml(id, disks), Domain.SnapshotCreateFlags.DISK_ONLY
                        | Domain.SnapshotCreateFlags.ATOMIC | Domain.SnapshotCreateFlags.NO_METADATA);
                LOG.info("{}: guest {} frozen for backup as {} ({} disks)", endpoint, guest, id, disks.size());
            }
            return new BackupSnapshot(new GuestRef(spec.getName(), spec.getHypervisorUuid()), id, now, live, disks);
        });
    }

    static String overlayPath(String base, String snapshotId) {
        return base + "." + snapshotId + ".qcow2";
    }

    private static String snapshotXml(String id, List<FrozenDisk> disks) {
        StringWriter out = new StringWriter();
        try {
            XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
            x.writeStartElement("domainsnapshot");
            x.writeStartElement("name");
            x.writeCharacters(id);
            x.writeEndElement();
            x.writeStartElement("description");
            x.writeCharacters("Lifeboat backup snapshot");
            x.writeEndElement();
            x.writeStartElement("disks");
            for (FrozenDisk f : disks) {
                x.writeStartElement("disk");
                x.writeAttribute("name", f.disk().getTarget());
                x.writeAttribute("snapshot", "external");
                x.writeEmptyElement("driver");
                x.writeAttribute("type", "qcow2");
                x.writeEmptyElement("source");
                x.writeAttribute("file", f.overlayPath());
                x.writeEndElement();
            }
            x.writeEndElement();
            x.writeEndElement();
            x.writeEndDocument();
            x.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }

    @Override
    public Future<DiskImage> openFrozenBase(BackupSnapshot snapshot, int diskIndex) {
        FrozenDisk disk = snapshot.disks().get(diskIndex);
        return run("open frozen base " + disk.basePath() + " of guest " + snapshot.guest(),
                () -> files.openImage(disk.basePath()));
    }

    @Override
    public Future<Void> releaseSnapshot(BackupSnapshot snapshot) {
        return releaseDisks(snapshot.guest(), snapshot.snapshotId(), snapshot.disks());
    }

    @Override
    public Future<List<String>> releaseStaleSnapshots(GuestRef guest) {
        return run("find stale snapshots of " + guest, () -> {
            ParsedDomain p = describe(lookup(guest));
            List<FrozenDisk> stale = new ArrayList<>();
            Set<String> ids = new LinkedHashSet<>();
            for (int i = 0; i < p.spec().getDisksCount(); i++) {
                DiskSpec disk = p.spec().getDisks(i);
                Matcher m = OVERLAY.matcher(disk.getPath());
                if (m.matches()) {
                    String base = p.backingPaths().get(i).isEmpty() ? m.group(1) : p.backingPaths().get(i);
                    stale.add(new FrozenDisk(disk.toBuilder().setPath(base).build(), base, disk.getPath()));
                    ids.add(m.group(2));
                }
            }
            return new Stale(List.copyOf(ids), stale);
        }).compose(s -> s.disks.isEmpty() ? Future.succeededFuture(List.<String>of())
                : releaseDisks(guest, String.join(",", s.ids), s.disks).map(v -> {
                    LOG.warn("{}: released stale snapshots {} of guest {}", endpoint, s.ids, guest);
                    return s.ids;
                }));
    }

    private record Stale(List<String> ids, List<FrozenDisk> disks) {
    }

    /** Commits each overlay back into its base (active commit, pivot) and deletes it, one disk after another. */
    private Future<Void> releaseDisks(GuestRef guest, String snapshotId, List<FrozenDisk> disks) {
        Future<Void> chain = Future.succeededFuture();
        for (FrozenDisk disk : disks) {
            if (disk.hasOverlay()) {
                chain = chain.compose(v -> releaseDisk(guest, snapshotId, disk));
            }
        }
        return chain;
    }

    private Future<Void> releaseDisk(GuestRef guest, String snapshotId, FrozenDisk disk) {
        String target = disk.disk().getTarget();
        String what = "release snapshot " + snapshotId + " disk " + target + " of guest " + guest;
        return run(what, () -> {
            Domain d;
            try {
                d = lookup(guest);
            } catch (HypervisorException gone) {
                if ("no_such_guest".equals(gone.code())) {
                    files.deleteIfExists(disk.overlayPath());
                    return false; // transient guest stopped since: nothing runs on the overlay any more
                }
                throw gone;
            }
            String current = currentSource(d, target);
            if (!disk.overlayPath().equals(current)) {
                files.deleteIfExists(disk.overlayPath());
                return false; // already released
            }
            if (d.isActive() != 1) {
                throw new HypervisorException(ErrorClass.ERROR_CLASS_PERMANENT, "offline_commit_needed", endpoint
                        + ": guest " + guest + " stopped while disk " + target + " ran on overlay "
                        + disk.overlayPath() + "; commit it offline (qemu-img commit) and point the disk back at "
                        + disk.basePath());
            }
            try {
                // DELETE: libvirt removes the overlay after the pivot, also when the host's files are out of reach
                d.blockCommit(target, null, null, 0, Domain.BlockCommitFlags.ACTIVE | Domain.BlockCommitFlags.DELETE);
            } catch (LibvirtException e) {
                if (!isUnsupported(e)) {
                    throw e;
                }
                d.blockCommit(target, null, null, 0, Domain.BlockCommitFlags.ACTIVE);
            }
            return true;
        }).compose(started -> {
            if (!started) {
                return Future.succeededFuture();
            }
            long deadline = System.nanoTime() + COMMIT_TIMEOUT.toNanos();
            return until(what + ": wait for the commit job, then pivot", () -> {
                Domain d = lookup(guest);
                DomainBlockJobInfo info = d.getBlockJobInfo(target, 0);
                if (info == null || info.end <= 0 || info.cur != info.end) {
                    return false;
                }
                try {
                    d.blockJobAbort(target, Domain.BlockJobAbortFlags.PIVOT);
                    return true;
                } catch (LibvirtException e) {
                    if (e.getError() != null && e.getError().getCode() == Error.ErrorNumber.VIR_ERR_BLOCK_COPY_ACTIVE) {
                        return false; // QEMU reports the job ready a little after cur == end
                    }
                    throw e;
                }
            }, deadline).compose(v -> run(what + ": check the pivot", () -> {
                String now = currentSource(lookup(guest), target);
                if (!disk.basePath().equals(now)) {
                    throw new HypervisorException(ErrorClass.ERROR_CLASS_RETRIABLE, "pivot_failed", endpoint + ": "
                            + "guest " + guest + " disk " + target + " runs on " + now + " after the pivot, not on "
                            + disk.basePath());
                }
                files.deleteIfExists(disk.overlayPath());
                return null;
            }));
        });
    }

    private String currentSource(Domain d, String target) throws LibvirtException {
        ParsedDomain p = DomainXmlParser.parse(d.getXMLDesc(0), endpoint + ": domain " + d.getName());
        for (DiskSpec disk : p.spec().getDisksList()) {
            if (disk.getTarget().equals(target)) {
                return disk.getPath();
            }
        }
        return "";
    }

    // ---- registration and power ----

    @Override
    public Future<GuestSpec> register(GuestSpec spec, Registration registration) {
        return run("register guest '" + spec.getName() + "'", () -> {
            DomainXmlWriter.checkName(spec.getName());
            try {
                conn.domainLookupByName(spec.getName());
                throw HypervisorException.permanent("guest_exists", endpoint + ": a guest named '" + spec.getName()
                        + "' already exists");
            } catch (LibvirtException e) {
                if (!isNoDomain(e)) {
                    throw e;
                }
            }
            String uuid = UUID.randomUUID().toString();
            String logDir = spec.getDisksCount() > 0 ? parentOf(DomainXmlWriter.checkPath("disk", spec.getDisks(0).getPath()))
                    : consoleDir;
            String xml = DomainXmlWriter.write(spec, domainType, uuid, logDir + "/" + uuid + ".serial.log");
            Domain d;
            if (registration == Registration.TRANSIENT) {
                try {
                    d = conn.domainCreateXML(xml, Domain.CreateFlags.PAUSED);
                } catch (LibvirtException e) {
                    if (!isUnsupported(e) || e.getMessage() == null || !e.getMessage().contains("unsupported flags")) {
                        throw e;
                    }
                    // A driver that cannot create paused (libvirt's test driver) creates it running: start() is
                    // then a no-op. QEMU, Xen (libxl) and LXC all support the flag.
                    LOG.warn("{}: cannot create guest '{}' paused ({}); creating it running", endpoint,
                            spec.getName(), e.getMessage());
                    d = conn.domainCreateXML(xml, 0);
                }
            } else {
                d = conn.domainDefineXML(xml);
                d.setAutostart(false);
            }
            LOG.info("{}: registered guest '{}' ({}) {}", endpoint, spec.getName(), uuid,
                    registration == Registration.TRANSIENT ? "transient, paused" : "persistent, off");
            return describe(d).spec();
        });
    }

    private static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    @Override
    public Future<Void> persist(GuestRef guest) {
        return run("persist guest " + guest, () -> {
            Domain d = lookup(guest);
            if (d.isPersistent() != 1) {
                conn.domainDefineXML(d.getXMLDesc(Domain.XMLFlags.MIGRATABLE));
            }
            lookup(guest).setAutostart(false);
            return null;
        });
    }

    @Override
    public Future<Void> disableAutostart(GuestRef guest) {
        return run("disable autostart of " + guest, () -> {
            Domain d = lookup(guest);
            if (d.isPersistent() == 1 && d.getAutostart()) {
                d.setAutostart(false);
            }
            return null;
        });
    }

    @Override
    public Future<Void> unregister(GuestRef guest) {
        return run("unregister guest " + guest, () -> {
            Domain d = lookup(guest);
            if (d.isActive() == 1) {
                throw HypervisorException.permanent("guest_running", endpoint + ": guest " + guest
                        + " is running; stop it before unregistering");
            }
            d.undefine();
            return null;
        });
    }

    @Override
    public Future<Void> start(GuestRef guest) {
        return run("start guest " + guest, () -> {
            Domain d = lookup(guest);
            DomainInfo.DomainState state = d.getInfo().state;
            if (state == DomainInfo.DomainState.VIR_DOMAIN_PAUSED) {
                d.resume();
            } else if (d.isActive() != 1) {
                d.create();
            }
            return null;
        });
    }

    @Override
    public Future<PowerState> stop(GuestRef guest, Duration grace) {
        String what = "stop guest " + guest;
        return run(what, () -> {
            Domain d = lookup(guest);
            if (d.isActive() != 1) {
                return false;
            }
            if (grace.isZero() || grace.isNegative()) {
                d.destroy();
                return false;
            }
            d.shutdown();
            return true;
        }).compose(waiting -> {
            if (!waiting) {
                return Future.succeededFuture(PowerState.POWER_STATE_OFF);
            }
            long deadline = System.nanoTime() + grace.toNanos();
            return until(what + ": wait for shutdown", () -> !isActive(guest), deadline)
                    .recover(timeout -> run(what + ": hard power off after " + grace.toSeconds() + " s", () -> {
                        destroyIfActive(guest);
                        return null;
                    }).mapEmpty())
                    .map(PowerState.POWER_STATE_OFF);
        });
    }

    private boolean isActive(GuestRef guest) throws LibvirtException {
        try {
            return lookup(guest).isActive() == 1;
        } catch (HypervisorException e) {
            if ("no_such_guest".equals(e.code())) {
                return false;
            }
            throw e;
        }
    }

    private boolean destroyIfActive(GuestRef guest) throws LibvirtException {
        try {
            Domain d = lookup(guest);
            if (d.isActive() == 1) {
                d.destroy();
                return true;
            }
            return false;
        } catch (HypervisorException e) {
            if ("no_such_guest".equals(e.code())) {
                return false;
            }
            throw e;
        } catch (LibvirtException e) {
            if (e.getError() != null && e.getError().getCode() == Error.ErrorNumber.VIR_ERR_OPERATION_INVALID) {
                return false; // stopped meanwhile
            }
            throw e;
        }
    }

    @Override
    public Future<List<GuestRef>> fence(Collection<GuestRef> protectedGuests) {
        List<GuestRef> guests = List.copyOf(protectedGuests);
        return fenceWorker.<List<GuestRef>>executeBlocking(() -> {
            List<GuestRef> stopped = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            for (GuestRef g : guests) {
                try {
                    if (destroyIfActive(g)) {
                        stopped.add(g);
                    }
                } catch (LibvirtException | RuntimeException e) {
                    failed.add(g + ": " + e.getMessage());
                }
            }
            if (!failed.isEmpty()) {
                throw new HypervisorException(ErrorClass.ERROR_CLASS_RETRIABLE, "fence_incomplete", endpoint
                        + ": could not hard-stop " + String.join("; ", failed) + " (stopped " + stopped + ")");
            }
            LOG.warn("{}: fenced, hard-stopped {}", endpoint, stopped);
            return stopped;
        }, false).recover(e -> Future.failedFuture(LibvirtErrors.classify("fence on " + endpoint, e)));
    }

    @Override
    public Future<BootEvidence> bootEvidence(GuestRef guest, int maxBytes) {
        return run("boot evidence of " + guest, () -> {
            Domain d = lookup(guest);
            ParsedDomain p = describe(d);
            byte[] tail = p.serialLogPath().isEmpty() ? new byte[0] : files.tail(p.serialLogPath(), maxBytes);
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(java.nio.ByteBuffer.wrap(tail)).toString();
            return new BootEvidence(p.spec().getPowerState(), text);
        });
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            conn.close();
        } catch (LibvirtException e) {
            LOG.warn("{}: closing the connection: {}", endpoint, e.getMessage());
        }
        worker.close();
        fenceWorker.close();
        try {
            files.close();
        } catch (IOException e) {
            LOG.warn("{}: closing the host files: {}", endpoint, e.getMessage());
        }
    }

    // ---- internals ----

    private Domain lookup(GuestRef ref) throws LibvirtException {
        LibvirtException last = null;
        if (!ref.hypervisorUuid().isEmpty()) {
            try {
                return conn.domainLookupByUUIDString(ref.hypervisorUuid());
            } catch (LibvirtException e) {
                if (!isNoDomain(e) && !isInvalidArg(e)) {
                    throw e;
                }
                last = e;
            }
        }
        if (!ref.name().isEmpty()) {
            try {
                return conn.domainLookupByName(ref.name());
            } catch (LibvirtException e) {
                if (!isNoDomain(e)) {
                    throw e;
                }
                last = e;
            }
        }
        throw new HypervisorException(ErrorClass.ERROR_CLASS_PERMANENT, "no_such_guest",
                endpoint + ": no guest " + ref, last);
    }

    private static boolean isNoDomain(LibvirtException e) {
        return e.getError() != null && e.getError().getCode() == Error.ErrorNumber.VIR_ERR_NO_DOMAIN;
    }

    private static boolean isUnsupported(LibvirtException e) {
        if (e.getError() == null) {
            return false;
        }
        Error.ErrorNumber c = e.getError().getCode();
        return c == Error.ErrorNumber.VIR_ERR_INVALID_ARG || c == Error.ErrorNumber.VIR_ERR_ARGUMENT_UNSUPPORTED
                || c == Error.ErrorNumber.VIR_ERR_OPERATION_UNSUPPORTED || c == Error.ErrorNumber.VIR_ERR_NO_SUPPORT;
    }

    private static boolean isInvalidArg(LibvirtException e) {
        return e.getError() != null && e.getError().getCode() == Error.ErrorNumber.VIR_ERR_INVALID_ARG;
    }

    private <T> Future<T> run(String what, Callable<T> work) {
        if (closed) {
            return Future.failedFuture(new HypervisorException(ErrorClass.ERROR_CLASS_FATAL, "driver_closed",
                    endpoint + ": driver closed"));
        }
        return worker.executeBlocking(work, false)
                .recover(e -> Future.failedFuture(LibvirtErrors.classify(what + " on " + endpoint, e)));
    }

    /** Polls {@code check} on the worker pool every {@value #POLL_MILLIS} ms until it holds or the deadline passes. */
    private Future<Void> until(String what, Callable<Boolean> check, long deadlineNanos) {
        return run(what, check).compose(done -> {
            if (done) {
                return Future.succeededFuture();
            }
            if (System.nanoTime() - deadlineNanos > 0) {
                return Future.failedFuture(new HypervisorException(ErrorClass.ERROR_CLASS_RETRIABLE, "timeout",
                        what + " on " + endpoint + ": not done in time"));
            }
            return vertx.timer(POLL_MILLIS, TimeUnit.MILLISECONDS).compose(t -> until(what, check, deadlineNanos));
        });
    }

    static PowerState powerState(DomainInfo.DomainState state) {
        switch (state) {
            case VIR_DOMAIN_RUNNING:
            case VIR_DOMAIN_BLOCKED:
            case VIR_DOMAIN_SHUTDOWN:
                return PowerState.POWER_STATE_RUNNING;
            case VIR_DOMAIN_PAUSED:
                return PowerState.POWER_STATE_PAUSED;
            case VIR_DOMAIN_SHUTOFF:
                return PowerState.POWER_STATE_OFF;
            case VIR_DOMAIN_CRASHED:
                return PowerState.POWER_STATE_CRASHED;
            default:
                return PowerState.POWER_STATE_UNSPECIFIED;
        }
    }

    static String version(long v) {
        return (v / 1_000_000) + "." + (v / 1000 % 1000) + "." + (v % 1000);
    }

    /** The URI without a password, for logs and errors. */
    static String redact(String uri) {
        return uri.replaceAll("//([^:@/]+):[^@/]*@", "//$1:***@");
    }
}
