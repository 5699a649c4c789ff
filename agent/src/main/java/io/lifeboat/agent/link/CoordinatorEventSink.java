package io.lifeboat.agent.link;

import com.google.protobuf.Message;
import io.lifeboat.agent.backup.ReplicationEventSink;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.ReplicationCommitted;
import io.lifeboat.protocol.v1.ReplicationFailed;
import io.lifeboat.protocol.v1.ReplicationProgress;
import io.lifeboat.protocol.v1.ReplicationStarted;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards backup cycles' replication events to the coordinators through the agent's link once it is attached;
 * events published before that, or while no coordinator link is open, are logged and dropped (the command result
 * still tells the outcome).
 */
public final class CoordinatorEventSink implements ReplicationEventSink {
  private static final Logger LOG = LoggerFactory.getLogger(CoordinatorEventSink.class);

  private final AtomicReference<AgentLink> link = new AtomicReference<>();

  /**
   * Attaches the link that carries the events from now on.
   *
   * @param agentLink the deployed link
   */
  public void attach(AgentLink agentLink) {
    link.set(agentLink);
  }

  @Override
  public void publish(Message event) {
    Envelope.Builder payload = envelope(event);
    AgentLink l = link.get();
    if (l == null) {
      LOG.debug("replication event dropped, no link yet: {}", event.getDescriptorForType().getName());
      return;
    }
    l.publish(payload);
  }

  /**
   * Wraps a replication event in an envelope payload.
   *
   * @param event ReplicationStarted, ReplicationProgress, ReplicationCommitted or ReplicationFailed
   * @return the envelope builder carrying it
   */
  static Envelope.Builder envelope(Message event) {
    Envelope.Builder b = Envelope.newBuilder();
    if (event instanceof ReplicationStarted e) {
      return b.setReplicationStarted(e);
    }
    if (event instanceof ReplicationProgress e) {
      return b.setReplicationProgress(e);
    }
    if (event instanceof ReplicationCommitted e) {
      return b.setReplicationCommitted(e);
    }
    if (event instanceof ReplicationFailed e) {
      return b.setReplicationFailed(e);
    }
    throw new IllegalArgumentException("not a replication event: " + event.getDescriptorForType().getFullName());
  }
}
