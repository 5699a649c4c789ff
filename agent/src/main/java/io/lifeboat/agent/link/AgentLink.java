package io.lifeboat.agent.link;

import io.lifeboat.agent.fence.Fencer;
import io.lifeboat.agent.fence.FenceFeed;
import io.lifeboat.agent.fence.LeaseKeeper;
import io.lifeboat.agent.fence.MonotonicClock;
import io.lifeboat.agent.fence.SelfFence;
import io.lifeboat.protocol.ProtocolVersion;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.FenceReason;
import io.lifeboat.protocol.v1.Fenced;
import io.lifeboat.protocol.v1.Heartbeat;
import io.lifeboat.protocol.v1.Hello;
import io.lifeboat.protocol.v1.HelloAck;
import io.lifeboat.protocol.v1.Inventory;
import io.lifeboat.protocol.v1.LeaseGrant;
import io.lifeboat.protocol.v1.LeaseRenew;
import io.lifeboat.protocol.v1.PeerObservation;
import io.lifeboat.protocol.v1.Role;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of the control plane, as a verticle: links to every coordinator and peer agent, a listener that
 * grants peers' renewals, a heartbeat and lease renewal every interval, the self-fence check, the feed of the fence
 * process, and command dispatch with epoch checks. File I/O runs on the worker pool "lifeboat-agent-state".
 */
public final class AgentLink extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(AgentLink.class);
  private static final long FENCE_CHECK_MILLIS = 100;

  private final LinkSettings settings;
  private final EpochStore epochs;
  private final long incarnation;
  private final LeaseKeeper lease;
  private final SelfFence selfFence;
  private final CommandHandler handler;
  private final Fencer fencer;
  private final FenceFeed leaseFile;
  private final Supplier<List<String>> runningGuestIds;
  private final MonotonicClock clock;
  private final Supplier<Future<Inventory>> inventory;
  private final List<VoterLink> links = new ArrayList<>();
  private final Set<VoterLink> coordinatorLinks = new HashSet<>();
  private WorkerExecutor stateWorker;
  private EnvelopeFactory envelopes;
  private CommandDispatcher dispatcher;
  private NetClient client;
  private PeerLeaseListener listener;
  private int listenPort = -1;
  private long heartbeatTimer = -1;
  private long fenceTimer = -1;
  private long lastFedFenceAt = Long.MIN_VALUE;
  private boolean feeding;
  private boolean reporting;

  /**
   * Creates the verticle.
   *
   * @param settings link settings
   * @param epochs the durable epoch
   * @param incarnation this start's incarnation (already bumped and persisted)
   * @param lease the lease keeper, whose voters are the coordinators, the peers and this host
   * @param selfFence the self-fence decision
   * @param handler runs accepted commands
   * @param fencer hard-stops protected guests
   * @param leaseFile feeds the host's fence process (lease file or remote loop), or null when there is none
   * @param runningGuestIds protected guests running now, for renewals and heartbeats
   * @param clock the monotonic clock
   * @param inventory the host's facts and guests, sent on every coordinator link after the Hello; null for none
   */
  public AgentLink(LinkSettings settings, EpochStore epochs, long incarnation, LeaseKeeper lease, SelfFence selfFence,
      CommandHandler handler, Fencer fencer, FenceFeed leaseFile, Supplier<List<String>> runningGuestIds,
      MonotonicClock clock, Supplier<Future<Inventory>> inventory) {
    this.settings = settings;
    this.epochs = epochs;
    this.incarnation = incarnation;
    this.lease = lease;
    this.selfFence = selfFence;
    this.handler = handler;
    this.fencer = fencer;
    this.leaseFile = leaseFile;
    this.runningGuestIds = runningGuestIds;
    this.clock = clock;
    this.inventory = inventory;
  }

  @Override
  public Future<?> start() {
    stateWorker = vertx.createSharedWorkerExecutor("lifeboat-agent-state", 2);
    envelopes = new EnvelopeFactory(settings.hostId(), incarnation, epochs::highest);
    dispatcher = new CommandDispatcher(settings.hostId(), epochs, stateWorker, selfFence::isFenced,
        lease::holdsLease, handler, clock);
    client = vertx.createNetClient(clientOptions());
    Future<Integer> listening = Future.succeededFuture(-1);
    if (settings.listenPort() >= 0) {
      Set<String> peerIds = new HashSet<>();
      settings.peers().forEach(p -> peerIds.add(p.voterId()));
      listener = new PeerLeaseListener(vertx, settings.hostId(), incarnation, peerIds, settings.credentials(),
          settings.heartbeatInterval(), settings.peerLeaseTtl(), envelopes, lease::heard);
      listening = listener.listen(serverOptions());
    }
    return listening.map(port -> {
      listenPort = port;
      for (VoterAddress c : settings.coordinators()) {
        VoterLink link = newLink(c);
        coordinatorLinks.add(link);
        links.add(link);
      }
      for (VoterAddress p : settings.peers()) {
        links.add(newLink(p));
      }
      links.forEach(VoterLink::start);
      heartbeatTimer = vertx.setPeriodic(settings.heartbeatInterval().toMillis(), id -> heartbeat());
      fenceTimer = vertx.setPeriodic(FENCE_CHECK_MILLIS, id -> checkFence());
      heartbeat();
      LOG.info("[agent host={}] link started, incarnation {}, epoch {}, peer listener port {}", settings.hostId(),
          incarnation, epochs.highest(), listenPort);
      return null;
    });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(heartbeatTimer);
    vertx.cancelTimer(fenceTimer);
    List<Future<?>> closing = new ArrayList<>();
    links.forEach(l -> closing.add(l.stop()));
    if (listener != null) {
      closing.add(listener.close());
    }
    return Future.join(closing).eventually(() -> client.close()).eventually(() -> stateWorker.close());
  }

  /**
   * Sends an event to every open coordinator link, from any thread (it hops to the link's context); dropped when the
   * link has not started or no coordinator link is open.
   *
   * @param payload an envelope builder carrying the event payload
   */
  public void publish(Envelope.Builder payload) {
    io.vertx.core.Context ctx = context;
    if (ctx == null) {
      return;
    }
    Envelope.Builder copy = payload.clone();
    ctx.runOnContext(v -> {
      if (envelopes == null) {
        return;
      }
      for (VoterLink link : coordinatorLinks) {
        if (link.isOpen()) {
          link.send(envelopes.next().mergeFrom(copy.build()).build());
        }
      }
    });
  }

  /** @return the peer listener's port, -1 when none runs */
  public int peerListenerPort() {
    return listenPort;
  }

  /** @return the outgoing links, coordinators first */
  public List<VoterLink> links() {
    return List.copyOf(links);
  }

  private VoterLink newLink(VoterAddress target) {
    boolean coordinator = target.role() == Role.ROLE_COORDINATOR;
    VoterLink[] self = {null};
    self[0] = new VoterLink(vertx, client, target, settings.hostId(), this::hello,
        ack -> coordinator ? admitCoordinatorEpoch(target, ack) : Future.succeededFuture(),
        this::opened, envelope -> inbound(self[0], envelope), settings.backoffMin(), settings.backoffMax());
    return self[0];
  }

  private Envelope hello() {
    return envelopes.next().setHello(Hello.newBuilder().setRole(Role.ROLE_AGENT).setSenderId(settings.hostId())
        .setProtocolMajor(ProtocolVersion.CURRENT.major()).setProtocolMinor(ProtocolVersion.CURRENT.minor())
        .setIncarnation(incarnation).setCredentials(settings.credentials().sign(Role.ROLE_AGENT, settings.hostId(),
            incarnation))
        .setHighestEpochSeen(epochs.highest()).setSoftwareVersion("0.1.0")).build();
  }

  private Future<Void> admitCoordinatorEpoch(VoterAddress target, HelloAck ack) {
    long epoch = ack.getEpoch();
    return stateWorker.executeBlocking(() -> epochs.admit(epoch), true).compose(ok -> ok ? Future.succeededFuture()
        : Future.failedFuture("coordinator " + target.voterId() + " announces epoch " + epoch + ", agent "
            + settings.hostId() + " has seen epoch " + epochs.highest() + ": stale coordinator refused (I3)"));
  }

  private void opened(VoterLink link) {
    lease.heard(link.target().voterId());
    if (coordinatorLinks.contains(link)) {
      sendFenceReport(link);
      if (inventory != null) {
        inventory.get().onSuccess(inv -> link.send(envelopes.next().setInventory(inv).build()))
            .onFailure(e -> LOG.warn("[agent host={}] inventory for {} failed: {}", settings.hostId(),
                link.target(), e.getMessage()));
      }
    }
    long n = lease.beginRenewal();
    link.send(renewal(n));
  }

  private void inbound(VoterLink link, Envelope envelope) {
    String voter = link.target().voterId();
    lease.heard(voter);
    switch (envelope.getPayloadCase()) {
      case LEASE_GRANT -> {
        LeaseGrant g = envelope.getLeaseGrant();
        if (g.getHostId().equals(settings.hostId()) && g.getVoterId().equals(voter)) {
          lease.onGrant(voter, g.getRenewalNumber(),
              Duration.ofSeconds(g.getTtl().getSeconds(), g.getTtl().getNanos()));
        }
      }
      default -> {
        if (CommandDispatcher.isCommand(envelope)) {
          if (!coordinatorLinks.contains(link)) {
            LOG.warn("[agent host={}] ignored {} from peer {}: only coordinators send commands", settings.hostId(),
                envelope.getPayloadCase(), voter);
            return;
          }
          dispatcher.dispatch(envelope, reply -> link.send(envelopes.next().mergeFrom(reply.build())
              .setInReplyTo(envelope.getMessageId()).build()));
        }
      }
    }
  }

  private Envelope renewal(long n) {
    return envelopes.next().setLeaseRenew(LeaseRenew.newBuilder().setHostId(settings.hostId()).setRenewalNumber(n)
        .addAllRunningGuestIds(runningGuestIds.get())).build();
  }

  private void heartbeat() {
    long n = lease.beginRenewal();
    Envelope renew = renewal(n);
    Duration remaining = lease.remaining();
    Heartbeat.Builder hb = Heartbeat.newBuilder().setHostId(settings.hostId())
        .setLeaseRemaining(proto(remaining)).addAllRunningGuestIds(runningGuestIds.get())
        .setFenced(selfFence.isFenced());
    // Only the voters silent for longer than two intervals (a renewal's answer missed, not just timer jitter), and
    // never longer than the fence deadline, below the lease TTL the coordinator asks about: leaving one out tells the
    // coordinator it was heard.
    Duration quiet = settings.heartbeatInterval().multipliedBy(2);
    Duration threshold = quiet.compareTo(settings.fenceDeadline()) < 0 ? quiet : settings.fenceDeadline();
    lease.sinceLastHeard().forEach((id, d) -> {
      if (d.compareTo(threshold) > 0) {
        hb.addPeers(PeerObservation.newBuilder().setVoterId(id).setSinceLastHeard(proto(d)));
      }
    });
    for (VoterLink link : links) {
      if (link.isOpen()) {
        link.send(renew);
        if (coordinatorLinks.contains(link)) {
          link.send(envelopes.next().setHeartbeat(hb).build());
        }
      }
    }
  }

  private void checkFence() {
    selfFence.check().ifPresent(reason -> {
      LOG.error("[agent host={}] fencing: {}", settings.hostId(), reason);
      fencer.fence(reason)
          .compose(stopped -> stateWorker.executeBlocking(() -> {
            selfFence.fenced(stopped, FenceReason.FENCE_REASON_LEASE_EXPIRED, settings.hostId());
            return stopped;
          }, true))
          .onSuccess(stopped -> {
            LOG.error("[agent host={}] fenced: hard-stopped {}", settings.hostId(), stopped);
            coordinatorLinks.stream().filter(VoterLink::isOpen).forEach(this::sendFenceReport);
          })
          .onFailure(e -> {
            LOG.error("[agent host={}] fence failed, retrying: {}", settings.hostId(), e.getMessage());
            selfFence.fenceFailed();
          });
    });
    if (leaseFile != null && !feeding) {
      long fenceAt = lease.fenceAtNanos();
      if (fenceAt != lastFedFenceAt) {
        feeding = true;
        Duration until = lease.untilFence();
        stateWorker.executeBlocking(() -> {
          leaseFile.feed(until);
          return null;
        }, false).onComplete(ar -> {
          feeding = false;
          if (ar.succeeded()) {
            lastFedFenceAt = fenceAt;
          } else {
            LOG.error("[agent host={}] cannot feed the fence process: {}", settings.hostId(),
                ar.cause().getMessage());
          }
        });
      }
    }
  }

  private void sendFenceReport(VoterLink link) {
    Fenced report = selfFence.pendingReport().orElse(null);
    if (report == null || reporting) {
      return;
    }
    reporting = true;
    link.send(envelopes.next().setFenced(report).build())
        .compose(v -> stateWorker.executeBlocking(() -> {
          selfFence.reported();
          return null;
        }, true))
        .onComplete(ar -> reporting = false);
  }

  private NetClientOptions clientOptions() {
    NetClientOptions o = new NetClientOptions().setConnectTimeout(3000).setTcpNoDelay(true).setTcpKeepAlive(true);
    LinkSettings.TlsSettings tls = settings.tls();
    if (tls != null) {
      o.setSsl(true).setHostnameVerificationAlgorithm("HTTPS")
          .setTrustOptions(new PemTrustOptions().addCertPath(tls.trustPath().toString()));
      if (tls.certPath() != null) {
        // Without a certificate the agent still verifies the coordinator; a coordinator requiring one refuses it.
        o.setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certPath().toString())
            .setKeyPath(tls.keyPath().toString()));
      }
    }
    return o;
  }

  private NetServerOptions serverOptions() {
    NetServerOptions o = new NetServerOptions().setHost(settings.listenHost()).setPort(settings.listenPort())
        .setTcpNoDelay(true);
    LinkSettings.TlsSettings tls = settings.tls();
    if (tls != null) {
      o.setSsl(true).setClientAuth(ClientAuth.REQUIRED)
          .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certPath().toString())
              .setKeyPath(tls.keyPath().toString()))
          .setTrustOptions(new PemTrustOptions().addCertPath(tls.trustPath().toString()));
    }
    return o;
  }

  private static com.google.protobuf.Duration proto(Duration d) {
    return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
  }
}
