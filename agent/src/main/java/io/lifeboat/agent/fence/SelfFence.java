package io.lifeboat.agent.fence;

import io.lifeboat.protocol.v1.FenceReason;
import io.lifeboat.protocol.v1.Fenced;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Optional;

/**
 * The self-fencing decision: when the fence time passes without a majority lease, the agent must hard-stop its
 * protected guests (once per loss), refuse commands until it holds a lease again, and report {@link Fenced} when
 * a link comes back. The pending report is kept in a file so that it survives a restart of the agent.
 *
 * <p>Plain code: the caller polls {@link #check()}, runs the driver's fence when told to, and reports back with
 * {@link #fenced}. Blocking file writes happen in {@link #fenced} and {@link #reported()}; call them off event loops.
 */
public final class SelfFence {
  private final String hostId;
  private final LeaseKeeper lease;
  private final Path reportFile;
  private boolean fencing;
  private boolean fenced;
  private Fenced pendingReport;

  /**
   * Creates the decision, loading a report left unsent by an earlier run.
   *
   * @param hostId this host's id
   * @param lease the lease keeper
   * @param reportFile where an unsent {@link Fenced} report is kept, or null to keep it in memory only
   */
  public SelfFence(String hostId, LeaseKeeper lease, Path reportFile) {
    this.hostId = hostId;
    this.lease = lease;
    this.reportFile = reportFile;
    if (reportFile != null && Files.exists(reportFile)) {
      try {
        pendingReport = Fenced.parseFrom(Files.readAllBytes(reportFile));
        fenced = true;
      } catch (IOException e) {
        throw new UncheckedIOException(reportFile + ": unreadable fence report: " + e.getMessage(), e);
      }
    }
  }

  /**
   * Decides whether to fence now.
   *
   * @return the reason, once, when the fence time has passed and the guests are not yet being fenced; empty otherwise
   */
  public synchronized Optional<String> check() {
    if (lease.holdsLease()) {
      fenced = false;
      return Optional.empty();
    }
    if (fencing || fenced || !lease.fenceDue()) {
      return Optional.empty();
    }
    fencing = true;
    return Optional.of("host " + hostId + " holds no lease from a majority (" + lease.majority() + " of "
        + lease.voters().size() + " voters) by its fence deadline");
  }

  /**
   * Records that the guests were hard-stopped, and keeps the report until {@link #reported()}.
   *
   * @param stoppedGuestIds guests that were running and were stopped
   * @param reason why
   * @param fencedBy who stopped them: this host id, or its fence process
   */
  public synchronized void fenced(Collection<String> stoppedGuestIds, FenceReason reason, String fencedBy) {
    fencing = false;
    fenced = !lease.holdsLease();
    Fenced.Builder report = pendingReport == null ? Fenced.newBuilder().setHostId(hostId) : pendingReport.toBuilder();
    report.setReason(reason).setFencedBy(fencedBy);
    for (String id : stoppedGuestIds) {
      if (!report.getStoppedGuestIdsList().contains(id)) {
        report.addStoppedGuestIds(id);
      }
    }
    pendingReport = report.build();
    persist();
  }

  /** Records that fencing failed; the next {@link #check()} decides again. */
  public synchronized void fenceFailed() {
    fencing = false;
  }

  /** @return whether the host fenced itself and holds no lease yet; commands are refused meanwhile */
  public synchronized boolean isFenced() {
    if (fenced && lease.holdsLease()) {
      fenced = false;
    }
    return fenced || fencing;
  }

  /** @return the report to send when a link to a coordinator opens */
  public synchronized Optional<Fenced> pendingReport() {
    return Optional.ofNullable(pendingReport);
  }

  /** Forgets the report once a coordinator acknowledged it. */
  public synchronized void reported() {
    pendingReport = null;
    if (reportFile != null) {
      try {
        Files.deleteIfExists(reportFile);
      } catch (IOException e) {
        throw new UncheckedIOException(reportFile + ": cannot delete fence report: " + e.getMessage(), e);
      }
    }
  }

  /** @return time left before fencing, zero when due */
  public Duration untilFence() {
    return lease.untilFence();
  }

  private void persist() {
    if (reportFile == null) {
      return;
    }
    try {
      AtomicFiles.write(reportFile, pendingReport.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(reportFile + ": cannot write fence report: " + e.getMessage(), e);
    }
  }
}
