package io.lifeboat.agent.fence;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The agent's view of its host lease: it holds the lease while a majority of the voters (itself included) granted a
 * renewal sent less than the fence deadline ago. Time is counted from when each renewal was <em>sent</em>, so the
 * agent's lease always ends before any voter's, which counts from receipt (DESIGN.md, "Who may run a guest").
 */
public final class LeaseKeeper {
  /** Default agent fence deadline. */
  public static final Duration DEFAULT_FENCE_DEADLINE = Duration.ofSeconds(6);
  private static final int MAX_PENDING_RENEWALS = 1024;

  private final String selfId;
  private final Set<String> voters;
  private final long fenceDeadlineNanos;
  private final MonotonicClock clock;
  private final long startNanos;
  private final Map<Long, Long> sentNanosByRenewal = new LinkedHashMap<>();
  private final Map<String, Long> grantedUntilNanos = new LinkedHashMap<>();
  private final Map<String, Long> lastHeardNanos = new LinkedHashMap<>();
  private long nextRenewal = 1;

  /**
   * Creates the keeper; the clock's current reading is the agent's start.
   *
   * @param selfId this host's id, one of the voters
   * @param voterIds every voter: coordinator node ids and agent host ids, this host included
   * @param fenceDeadline how long a renewal keeps the lease, counted from when it was sent
   * @param clock the monotonic clock
   */
  public LeaseKeeper(String selfId, Collection<String> voterIds, Duration fenceDeadline, MonotonicClock clock) {
    this.selfId = selfId;
    this.voters = Collections.unmodifiableSet(new LinkedHashSet<>(voterIds));
    if (!voters.contains(selfId)) {
      throw new IllegalArgumentException("voters " + voters + " do not include this host " + selfId);
    }
    if (fenceDeadline.isNegative() || fenceDeadline.isZero()) {
      throw new IllegalArgumentException("fence deadline " + fenceDeadline + " must be positive");
    }
    this.fenceDeadlineNanos = fenceDeadline.toNanos();
    this.clock = clock;
    this.startNanos = clock.nanoTime();
  }

  /** @return this host's id */
  public String selfId() {
    return selfId;
  }

  /** @return every voter, this host included */
  public Set<String> voters() {
    return voters;
  }

  /** @return the voters other than this host, to whom renewals are sent */
  public List<String> otherVoters() {
    List<String> others = new ArrayList<>(voters);
    others.remove(selfId);
    return others;
  }

  /** @return how many voters, this host included, make a majority */
  public int majority() {
    return voters.size() / 2 + 1;
  }

  /**
   * Starts a renewal round: the returned number goes into the LeaseRenew sent to every other voter now.
   *
   * @return the renewal number
   */
  public synchronized long beginRenewal() {
    long number = nextRenewal++;
    sentNanosByRenewal.put(number, clock.nanoTime());
    long oldest = clock.nanoTime() - fenceDeadlineNanos;
    Iterator<Map.Entry<Long, Long>> it = sentNanosByRenewal.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Long, Long> e = it.next();
      if (e.getValue() - oldest < 0 || sentNanosByRenewal.size() > MAX_PENDING_RENEWALS) {
        it.remove();
      } else {
        break;
      }
    }
    return number;
  }

  /**
   * Records a grant. Grants from unknown voters, from this host itself, or for renewals this keeper did not send
   * (or forgot because they are older than the deadline) change nothing.
   *
   * @param voterId the granting voter
   * @param renewalNumber the renewal it answers
   * @param ttl the voter's TTL; the lease lasts the shorter of it and the fence deadline (zero means the deadline)
   * @return whether the grant was counted
   */
  public synchronized boolean onGrant(String voterId, long renewalNumber, Duration ttl) {
    if (!voters.contains(voterId) || voterId.equals(selfId)) {
      return false;
    }
    Long sent = sentNanosByRenewal.get(renewalNumber);
    if (sent == null) {
      return false;
    }
    heard(voterId);
    long length = fenceDeadlineNanos;
    if (ttl != null && !ttl.isZero() && !ttl.isNegative()) {
      length = Math.min(length, ttl.toNanos());
    }
    long until = sent + length;
    grantedUntilNanos.merge(voterId, until, Math::max);
    return true;
  }

  /**
   * Records that a message arrived from a voter (for peer observations, not for the lease).
   *
   * @param voterId the voter
   */
  public synchronized void heard(String voterId) {
    if (voters.contains(voterId)) {
      lastHeardNanos.put(voterId, clock.nanoTime());
    }
  }

  /**
   * When the lease ends: the time until which a majority, this host included, granted it.
   *
   * @return the end in clock nanoseconds; {@link Long#MIN_VALUE} when no majority ever granted it
   */
  public synchronized long leaseEndNanos() {
    int needed = majority() - 1;
    if (needed == 0) {
      return Long.MAX_VALUE;
    }
    List<Long> until = new ArrayList<>(grantedUntilNanos.values());
    if (until.size() < needed) {
      return Long.MIN_VALUE;
    }
    until.sort(Collections.reverseOrder());
    return until.get(needed - 1);
  }

  /** @return whether a majority currently grants the lease */
  public synchronized boolean holdsLease() {
    long end = leaseEndNanos();
    return end != Long.MIN_VALUE && clock.nanoTime() - end < 0;
  }

  /** @return time left on the lease, zero when it is not held */
  public synchronized Duration remaining() {
    if (!holdsLease()) {
      return Duration.ZERO;
    }
    long end = leaseEndNanos();
    return end == Long.MAX_VALUE ? Duration.ofNanos(fenceDeadlineNanos) : Duration.ofNanos(end - clock.nanoTime());
  }

  /**
   * When guests must be stopped if nothing changes: the lease end, but never before one fence deadline after the
   * agent started (guests already running at start get that long to be covered by a lease).
   *
   * @return the fence time in clock nanoseconds
   */
  public synchronized long fenceAtNanos() {
    long graceEnd = startNanos + fenceDeadlineNanos;
    long end = leaseEndNanos();
    return end == Long.MIN_VALUE || end - graceEnd < 0 ? graceEnd : end;
  }

  /** @return whether the fence time has passed */
  public synchronized boolean fenceDue() {
    long at = fenceAtNanos();
    return at != Long.MAX_VALUE && clock.nanoTime() - at >= 0;
  }

  /** @return time until the fence is due, zero when it is due */
  public synchronized Duration untilFence() {
    long at = fenceAtNanos();
    if (at == Long.MAX_VALUE) {
      return Duration.ofNanos(fenceDeadlineNanos);
    }
    long left = at - clock.nanoTime();
    return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
  }

  /**
   * @return per other voter, the time since a message from it last arrived, or since this agent started when none
   *     has: a voter never heard from is silent to this agent, which the coordinator needs to know after a restart
   */
  public synchronized Map<String, Duration> sinceLastHeard() {
    Map<String, Duration> out = new LinkedHashMap<>();
    long now = clock.nanoTime();
    for (String id : otherVoters()) {
      out.put(id, Duration.ofNanos(now - lastHeardNanos.getOrDefault(id, startNanos)));
    }
    return out;
  }
}
