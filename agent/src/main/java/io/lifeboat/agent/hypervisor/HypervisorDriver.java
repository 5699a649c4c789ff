package io.lifeboat.agent.hypervisor;

import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.PowerState;
import io.lifeboat.storage.DiskImage;
import io.vertx.core.Future;

import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * The extension point every hypervisor driver (libvirt, VMware VI API, the in-memory fake) implements: facts,
 * inventory, backup snapshots, random-access reads of frozen disks, registration and power control.
 *
 * <p>Every method returns at once; the work runs on the named worker pool the driver was given, never on the
 * caller's event loop, and failures arrive in the future as {@link HypervisorException}s already classified
 * (retriable, permanent, fatal). {@link #fence} must not queue behind long-running work (disk reads, graceful
 * stops): drivers run it on a thread of its own.
 *
 * <p>Guests are named by {@link GuestRef}; a reference that matches no guest fails with code
 * {@code no_such_guest} (permanent).
 */
public interface HypervisorDriver extends AutoCloseable {

    /** Where the driver points, for logs and errors, e.g. {@code qemu+tcp://10.0.0.2/system} (no credentials). */
    String endpoint();

    /**
     * Facts about the host: CPU vendor, model, virtualisation extension, 64-bit capability, hypervisor kind and
     * version, memory, datastores. The host id is left empty: the agent's configuration fills it in.
     */
    Future<HostFacts> hostFacts();

    /** Every guest registered on the hypervisor, with disks (paths, formats, subformats), NICs and power state. */
    Future<List<GuestSpec>> inventory();

    /** One guest as {@link #inventory()} reports it. */
    Future<GuestSpec> guest(GuestRef guest);

    /**
     * Freezes all of the guest's disks together (crash-consistent across disks) for a backup. A running guest
     * gets an overlay per disk that takes its writes until {@link #releaseSnapshot}; a powered-off guest's disks
     * are read in place ({@link BackupSnapshot#live()} is false), so the caller must not start it until release.
     */
    Future<BackupSnapshot> snapshotForBackup(GuestRef guest);

    /**
     * Opens the frozen base of disk {@code diskIndex} of {@code snapshot} read-only. The image reads only the
     * allocated grains; its reads block, so callers run them on a worker thread, and close it before releasing
     * the snapshot.
     */
    Future<DiskImage> openFrozenBase(BackupSnapshot snapshot, int diskIndex);

    /**
     * Merges the overlays back into the bases and deletes them (or removes the VMware snapshot). Idempotent:
     * releasing a snapshot already released, or of a guest since stopped, succeeds.
     */
    Future<Void> releaseSnapshot(BackupSnapshot snapshot);

    /**
     * Releases every Lifeboat snapshot of the guest left behind by an earlier, interrupted cycle (found by the
     * {@link BackupSnapshot#ID_PREFIX} in overlay or snapshot names), and returns their ids.
     */
    Future<List<String>> releaseStaleSnapshots(GuestRef guest);

    /**
     * Registers a guest from {@code spec}: name, hardware, the disks at the paths the spec gives, NICs with their
     * MAC addresses. Autostart is disabled. A {@link Registration#TRANSIENT} guest exists paused-before-boot until
     * {@link #start}; a {@link Registration#PERSISTENT} one is defined powered off. Hostile names or paths
     * (quotes, markup, {@code ../}) are refused or escaped, never injected into the hypervisor's configuration.
     *
     * @return the guest as registered, with the hypervisor's uuid
     */
    Future<GuestSpec> register(GuestSpec spec, Registration registration);

    /** Makes a transiently registered guest persistent (after its failover committed), autostart disabled. */
    Future<Void> persist(GuestRef guest);

    /** Disables the hypervisor's autostart of the guest: Lifeboat owns the startup of protected guests. */
    Future<Void> disableAutostart(GuestRef guest);

    /** Removes the guest from the hypervisor, keeping its disks. Fails with {@code guest_running} if it runs. */
    Future<Void> unregister(GuestRef guest);

    /** Powers the guest on (resumes a transient guest registered paused). Starting a running guest succeeds. */
    Future<Void> start(GuestRef guest);

    /**
     * Stops the guest: asks it to shut down (ACPI, VMware tools), waits up to {@code grace}, then powers it off
     * hard. A zero grace powers off at once. Stopping a stopped guest succeeds.
     *
     * @return the power state afterwards: {@link PowerState#POWER_STATE_OFF}
     */
    Future<PowerState> stop(GuestRef guest, Duration grace);

    /**
     * Hard-stops, now, every guest of {@code protectedGuests} that runs on this host, skipping those that are not
     * there, and returns the ones it stopped.
     */
    Future<List<GuestRef>> fence(Collection<GuestRef> protectedGuests);

    /** The guest's run state and the last {@code maxBytes} of its serial-console log. */
    Future<BootEvidence> bootEvidence(GuestRef guest, int maxBytes);

    /** Closes the connection to the hypervisor; further calls fail. */
    @Override
    void close();
}
