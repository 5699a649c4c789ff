package io.lifeboat.agent.link;

import com.google.protobuf.Timestamp;
import io.lifeboat.protocol.v1.Envelope;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** Stamps the agent's outgoing envelopes with its id, incarnation, a per-incarnation sequence and its epoch. */
public final class EnvelopeFactory {
  private final String sender;
  private final long incarnation;
  private final LongSupplier epoch;
  private final AtomicLong sequence = new AtomicLong();

  /**
   * Creates the factory.
   *
   * @param sender this host's id
   * @param incarnation this start's incarnation
   * @param epoch the highest coordinator epoch seen
   */
  public EnvelopeFactory(String sender, long incarnation, LongSupplier epoch) {
    this.sender = sender;
    this.incarnation = incarnation;
    this.epoch = epoch;
  }

  /** @return a builder with identity, epoch, the next sequence number and a fresh message id set */
  public Envelope.Builder next() {
    Instant now = Instant.now();
    return Envelope.newBuilder()
        .setMessageId(UUID.randomUUID().toString())
        .setSender(sender)
        .setEpoch(epoch.getAsLong())
        .setIncarnation(incarnation)
        .setSequence(sequence.incrementAndGet())
        .setTimestamp(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()));
  }

  /** @return this host's id */
  public String sender() {
    return sender;
  }

  /** @return this start's incarnation */
  public long incarnation() {
    return incarnation;
  }
}
