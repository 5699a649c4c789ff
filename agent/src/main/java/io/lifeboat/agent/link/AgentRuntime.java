package io.lifeboat.agent.link;

import io.lifeboat.agent.backup.BackupCycle;
import io.lifeboat.agent.backup.ReplicationPusher;
import io.lifeboat.agent.drill.DrillRunner;
import io.lifeboat.agent.drill.QemuImg;
import io.lifeboat.agent.fence.FenceFeed;
import io.lifeboat.agent.fence.FenceScript;
import io.lifeboat.agent.fence.LeaseFileWriter;
import io.lifeboat.agent.fence.LeaseKeeper;
import io.lifeboat.agent.fence.MonotonicClock;
import io.lifeboat.agent.fence.SelfFence;
import io.lifeboat.agent.hypervisor.GuestRef;
import io.lifeboat.agent.hypervisor.HypervisorDriver;
import io.lifeboat.agent.hypervisor.libvirt.HostFiles;
import io.lifeboat.agent.hypervisor.libvirt.LibvirtDriver;
import io.lifeboat.agent.hypervisor.libvirt.LocalHostFiles;
import io.lifeboat.agent.hypervisor.libvirt.SftpHostFiles;
import io.lifeboat.agent.hypervisor.vmware.VmwareDriver;
import io.lifeboat.agent.hypervisor.vmware.VmwareSettings;
import io.lifeboat.agent.hypervisor.vmware.remote.SshSettings;
import io.lifeboat.agent.restore.MaterialisedDiskCleaner;
import io.lifeboat.agent.restore.RestorePointMaterialiser;
import io.lifeboat.protocol.v1.FencingCapability;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.PowerState;
import io.lifeboat.protocol.v1.StoreTarget;
import io.lifeboat.storage.replication.ReceiverOptions;
import io.lifeboat.storage.replication.ReplicationReceiver;
import io.lifeboat.storage.replication.SenderOptions;
import io.lifeboat.storage.store.ChunkStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assembles a running agent from its configuration: durable epoch and incarnation, the driver, the lease keeper and
 * self-fence, the host's fence process (or an agentless host's remote fence loop), backup cycles, and the
 * {@link AgentLink} verticle.
 */
public final class AgentRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(AgentRuntime.class);

  private final HypervisorDriver driver;
  private final AgentLink link;
  private final String deployment;
  private final RemoteFenceLoopFeed remoteLoop;
  private final ReplicationReceiver receiver;
  private final String receiverDeployment;
  private final GuestDirectory guests;
  private final long inventoryTimer;

  private AgentRuntime(HypervisorDriver driver, AgentLink link, String deployment, RemoteFenceLoopFeed remoteLoop,
      ReplicationReceiver receiver, String receiverDeployment, GuestDirectory guests, long inventoryTimer) {
    this.driver = driver;
    this.link = link;
    this.deployment = deployment;
    this.remoteLoop = remoteLoop;
    this.receiver = receiver;
    this.receiverDeployment = receiverDeployment;
    this.guests = guests;
    this.inventoryTimer = inventoryTimer;
  }

  /**
   * The port the standby store's replication receiver listens on.
   *
   * @return the bound port (useful with port 0), or -1 without a {@code store:} block
   */
  public int storePort() {
    return receiver == null ? -1 : receiver.actualPort();
  }

  /** @return the guests this agent knows: configured ones and those registered here by RegisterGuest */
  public GuestDirectory guests() {
    return guests;
  }

  /** @return the link verticle */
  public AgentLink link() {
    return link;
  }

  /** @return the driver */
  public HypervisorDriver driver() {
    return driver;
  }

  /**
   * Starts an agent.
   *
   * @param vertx Vert.x
   * @param config the configuration
   * @return the running agent
   */
  public static Future<AgentRuntime> start(Vertx vertx, AgentConfig config) {
    return start(vertx, config, () -> connect(vertx, config));
  }

  /**
   * Starts an agent on a given driver (tests use the fake one) instead of the one the configuration names.
   *
   * @param vertx Vert.x
   * @param config the configuration
   * @param connect connects the driver
   * @return the running agent
   */
  static Future<AgentRuntime> start(Vertx vertx, AgentConfig config,
      java.util.function.Supplier<Future<HypervisorDriver>> connect) {
    return vertx.executeBlocking(() -> prepare(config), false).compose(p -> connect.get()
        .compose(driver -> serveStore(vertx, config, p).onFailure(e -> vertx.executeBlocking(() -> {
          driver.close();
          return null;
        }, false)).compose(receiver -> {
          GuestDirectory guests = p.guests;
          // Lifeboat owns the startup of protected guests (DESIGN.md, Autostart): the hypervisor must not start
          // one on its own when this host boots. A guest this host does not have (its standby copy lives
          // elsewhere) is left as it is.
          guests.refs().forEach(ref -> driver.disableAutostart(ref).onFailure(e -> LOG.info(
              "[agent host={}] autostart of {} left as is: {}", config.hostId(), ref, e.getMessage())));
          RemoteFenceLoopFeed remoteLoop = remoteLoop(config);
          AtomicReference<List<String>> running = new AtomicReference<>(List.of());
          AtomicReference<AgentLink> linkRef = new AtomicReference<>();
          // After RegisterGuest, Start, Stop, Unregister or Fence, heartbeats and the coordinators' inventory show
          // the change at once rather than at the next periodic inventory.
          AtomicReference<java.util.function.Consumer<List<GuestSpec>>> observed = new AtomicReference<>(specs -> { });
          Runnable guestsChanged = () -> driver.inventory().onSuccess(specs -> {
            observed.get().accept(specs);
            AgentLink l = linkRef.get();
            if (l != null) {
              inventory(config, driver, guests, remoteLoop).onSuccess(inv -> l.publish(
                  io.lifeboat.protocol.v1.Envelope.newBuilder().setInventory(inv)));
            }
          });
          DriverCommandHandler driverCommands = new DriverCommandHandler(vertx, driver, guests, guestsChanged,
              config.store() == null || config.store().guestDirs().isEmpty() ? null
                  : new MaterialisedDiskCleaner(config.store().guestDirs()));
          CoordinatorEventSink events = new CoordinatorEventSink();
          BackupCycle cycles = new BackupCycle(config.hostId(), driver, new ReplicationPusher(vertx,
              senders(config, p.secret)), config.stateDir().resolve("digests"), events);
          List<CommandHandler> handlers = new ArrayList<>(List.of(driverCommands,
              new BackupCommandHandler(config.hostId(), cycles, guests, driver),
              new ProbeCommandHandler(config.hostId(), vertx, Duration.ofSeconds(2)),
              // The coordinator's fence of a lost peer, with this agent's own VI API login for VMware peers.
              new PeerFenceCommandHandler(config.hostId(), new io.lifeboat.agent.fence.PeerFencer(vertx,
                  config.hostId(), config.driver().kind().equals("vmware") ? java.util.Optional.of(
                      new io.lifeboat.agent.fence.PeerFencer.ViLogin(config.driver().user(),
                          config.driver().passwordFile())) : java.util.Optional.empty(),
                  config.stateDir().resolve("consoles")))));
          RestorePointMaterialiser materialiser = p.store == null ? null : new RestorePointMaterialiser(
              config.hostId(), p.store, config.store().id(), config.store().guestDirs());
          if (p.store != null) {
            handlers.add(new MaterialiseCommandHandler(config.hostId(), materialiser,
                vertx.createSharedWorkerExecutor("lifeboat-materialise", 2, 1, TimeUnit.DAYS)));
          }
          if (p.store != null && !config.store().guestDirs().isEmpty()) {
            DrillRunner drills = new DrillRunner(vertx, config.hostId(), driver, p.store, materialiser,
                config.store().guestDirs().get(0), vertx.createSharedWorkerExecutor("lifeboat-drill", 2, 1,
                TimeUnit.DAYS), new QemuImg("qemu-img"));
            handlers.add(new DrillCommandHandler(config.hostId(), drills));
            // Drills a crash interrupted leave a drill copy running and files behind: tear them down now.
            drills.sweepLeftovers().onSuccess(swept -> swept.forEach(t -> LOG.warn("[agent host={}] tore down a"
                + " drill left by an earlier run: {} ({}), {} files", config.hostId(), t.getDrillId(),
                t.getRemovedDomainsList(), t.getRemovedFiles())))
                .onFailure(e -> LOG.error("[agent host={}] sweeping leftover drills: {}", config.hostId(),
                    e.getMessage()));
          }
          CommandHandler handler = new CompositeCommandHandler(handlers);
          // A local fence process only fences this machine's guests: an agentless proxy (driver over SSH) starts
          // none here; with fenceProcess remote-loop it keeps a fence loop installed on the host over SSH instead.
          boolean local = !config.fenceProcess().equals("none") && config.driver().ssh() == null;
          LeaseFileWriter leaseFile = local
              ? new LeaseFileWriter(config.stateDir().resolve("lease"), Path.of("/proc/uptime")) : null;
          FenceFeed feed = remoteLoop != null ? remoteLoop : leaseFile;
          List<String> voters = new ArrayList<>();
          voters.add(config.hostId());
          config.coordinators().forEach(c -> voters.add(c.voterId()));
          config.peers().forEach(c -> voters.add(c.voterId()));
          LeaseKeeper lease = new LeaseKeeper(config.hostId(), voters, config.fenceDeadline(), MonotonicClock.SYSTEM);
          SelfFence selfFence = new SelfFence(config.hostId(), lease, config.stateDir().resolve("fenced"));
          LinkSettings settings = new LinkSettings(config.hostId(), config.coordinators(), config.peers(),
              config.listenHost(), config.listenPort(), config.heartbeat(), config.fenceDeadline(), config.leaseTtl(),
              Duration.ofMillis(250), Duration.ofSeconds(5), p.credentials, config.tls(), config.stateDir());
          AgentLink link = new AgentLink(settings, p.epochs, p.incarnation, lease, selfFence, handler,
              reason -> driverCommands.fence(), feed, running::get, MonotonicClock.SYSTEM,
              () -> inventory(config, driver, guests, remoteLoop));
          events.attach(link);
          linkRef.set(link);
          // What each inventory of the host tells: which protected guests run (heartbeats, renewals), and which
          // guests the host's fence process (or remote fence loop) must stop when the lease runs out.
          observed.set(specs -> {
            running.set(runningProtected(specs, guests));
            if (leaseFile != null || remoteLoop != null) {
              vertx.executeBlocking(() -> {
                if (remoteLoop != null) {
                  remoteLoop.ensure(protectedConfigPaths(specs, guests), vmrunArgs(config));
                } else {
                  startFenceProcess(config, specs, guests);
                }
                return null;
              }, false).onFailure(e -> LOG.error("[agent host={}] fence process: {}", config.hostId(),
                  e.getMessage()));
            }
          });
          long inventoryTimer = vertx.setPeriodic(1, 5000, id -> driver.inventory().onSuccess(specs -> observed.get().accept(specs))
              .onFailure(e -> LOG.warn("[agent host={}] inventory failed: {}", config.hostId(), e.getMessage())));
          return vertx.deployVerticle(link).map(id -> new AgentRuntime(driver, link, id, remoteLoop,
              receiver == null ? null : receiver.verticle, receiver == null ? null : receiver.deployment, guests,
              inventoryTimer));
        })));
  }

  /** The standby store's receiver and its deployment. */
  private record Served(ReplicationReceiver verticle, String deployment) {}

  /**
   * Runs the replication receiver of the {@code store:} block: the site secret authenticates senders; TLS with the
   * agent's certificate when its {@code tls:} block is set.
   */
  private static Future<Served> serveStore(Vertx vertx, AgentConfig config, Prepared p) {
    AgentConfig.Store s = config.store();
    if (s == null) {
      return Future.succeededFuture(null);
    }
    ReplicationReceiver receiver = new ReplicationReceiver(p.store, new ReceiverOptions(s.listenHost(), s.listenPort(),
        p.secret, config.tls() == null ? null : config.tls().certPath(),
        config.tls() == null ? null : config.tls().keyPath(), "lifeboat-store-io", 2));
    return vertx.deployVerticle(receiver).map(id -> {
      LOG.info("[agent host={}] store {} ({}) receives restore points on {}:{}", config.hostId(), s.id(), s.dir(),
          s.listenHost(), receiver.actualPort());
      return new Served(receiver, id);
    }).recover(e -> Future.failedFuture(new IOException(config.source() + ": store.listen " + s.listen()
        + ": cannot listen: " + e.getMessage(), e)));
  }

  /**
   * The fencing capability an agent reports for its host.
   *
   * @param config the configuration
   * @param remoteLoopRunning whether the remote fence loop of an agentless host runs now
   * @return SELF_FENCE with a local agent; for an agentless host FENCE_LOOP while its remote loop (fenceProcess
   *     remote-loop) runs, otherwise NONE: its failover then waits for an admin's confirmation
   */
  static FencingCapability fencingCapability(AgentConfig config, boolean remoteLoopRunning) {
    if (config.driver().ssh() == null) {
      return FencingCapability.FENCING_CAPABILITY_SELF_FENCE;
    }
    return config.fenceProcess().equals("remote-loop") && remoteLoopRunning
        ? FencingCapability.FENCING_CAPABILITY_FENCE_LOOP : FencingCapability.FENCING_CAPABILITY_NONE;
  }

  /**
   * The remote fence loop keeper of an agentless host whose configuration asks for one.
   *
   * @param config the configuration
   * @return the keeper, or null when the host is not agentless or its configuration does not enable the loop
   */
  static RemoteFenceLoopFeed remoteLoop(AgentConfig config) {
    AgentConfig.Ssh ssh = config.driver().ssh();
    if (ssh == null || !config.fenceProcess().equals("remote-loop")) {
      return null;
    }
    return new RemoteFenceLoopFeed(sshSettings(ssh), ssh.fenceDir());
  }

  /**
   * The sender options of each push this agent makes: {@link #senderOptions} capped at the configuration's
   * {@code replication.limitRate}.
   *
   * @param config the agent's configuration
   * @param secret the site secret
   * @return options per store target
   */
  static java.util.function.Function<StoreTarget, SenderOptions> senders(AgentConfig config, byte[] secret) {
    return target -> senderOptions(target, secret, config.tls()).withLimit(config.replicationLimitBytesPerSecond());
  }

  /**
   * Sender options for a store target: its address, the site secret, TLS when the agent's links use it.
   *
   * @param target the store target
   * @param secret the site secret
   * @param tls the agent's TLS settings or null
   * @return the options
   */
  static SenderOptions senderOptions(StoreTarget target, byte[] secret, LinkSettings.TlsSettings tls) {
    String address = target.getAddress();
    int colon = address.lastIndexOf(':');
    String host;
    int port;
    try {
      host = address.substring(0, colon).replace("[", "").replace("]", "");
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("store target " + target.getHostId() + "/" + target.getStoreId()
          + ": address \"" + address + "\" is not host:port");
    }
    if (host.isEmpty() || port <= 0 || port > 65535) {
      throw new IllegalArgumentException("store target " + target.getHostId() + "/" + target.getStoreId()
          + ": address \"" + address + "\" is not host:port");
    }
    return tls == null ? SenderOptions.plain(host, port, secret)
        : new SenderOptions(host, port, secret, 0, true, tls.trustPath(), "lifeboat-replication-send");
  }

  /**
   * Stops the agent's link and closes the driver (the host's fence process keeps running: it must outlive us; a
   * remote fence loop stops being renewed and fences at its deadline unless another proxy renews it).
   *
   * @param vertx Vert.x
   * @return completes when stopped
   */
  public Future<Void> stop(Vertx vertx) {
    vertx.cancelTimer(inventoryTimer);
    return vertx.undeploy(deployment).eventually(() -> receiverDeployment == null ? Future.succeededFuture()
        : vertx.undeploy(receiverDeployment)).eventually(() -> vertx.executeBlocking(() -> {
      if (remoteLoop != null) {
        remoteLoop.close();
      }
      driver.close();
      return null;
    }, false)).mapEmpty();
  }

  private record Prepared(EpochStore epochs, long incarnation, LinkCredentials credentials, byte[] secret,
      ChunkStore store, GuestDirectory guests) {}

  private static Prepared prepare(AgentConfig config) throws IOException {
    Files.createDirectories(config.stateDir());
    byte[] secret = Files.readString(config.secretFile(), StandardCharsets.UTF_8).strip()
        .getBytes(StandardCharsets.UTF_8);
    ChunkStore store = null;
    if (config.store() != null) {
      if (config.tls() != null && (config.tls().certPath() == null || config.tls().keyPath() == null)) {
        throw new IOException(config.source() + ": store: the tls block needs cert and key to serve the store over"
            + " TLS");
      }
      try {
        store = ChunkStore.open(config.store().dir());
      } catch (IOException e) {
        throw new IOException(config.source() + ": store.dir " + config.store().dir() + ": " + e.getMessage(), e);
      }
    }
    return new Prepared(EpochStore.open(config.stateDir().resolve("epoch")),
        IncarnationStore.bump(config.stateDir().resolve("incarnation")),
        new LinkCredentials(config.keyId(), secret), secret, store,
        GuestDirectory.open(config.protectedGuests(), config.stateDir().resolve("registered-guests.json")));
  }

  private static Future<HypervisorDriver> connect(Vertx vertx, AgentConfig config) {
    AgentConfig.Driver d = config.driver();
    if (d.kind().equals("libvirt")) {
      // On its own host the agent reads disks and serial logs locally; a proxy reaches them over SFTP.
      Future<HostFiles> files = d.ssh() == null ? Future.succeededFuture(new LocalHostFiles())
          : vertx.executeBlocking(() -> SftpHostFiles.connect(sshSettings(d.ssh())), false);
      return files.compose(f -> LibvirtDriver.connect(vertx, d.uri(), f, "lifeboat-libvirt",
          config.stateDir().resolve("consoles").toString())
          .onFailure(e -> closeQuietly(f))
          .map(x -> (HypervisorDriver) x));
    }
    return vertx.executeBlocking(() -> Files.readString(d.passwordFile(), StandardCharsets.UTF_8).strip(), false)
        .compose(password -> {
          SshSettings ssh = d.ssh() == null ? null : sshSettings(d.ssh());
          FencingCapability fencing = fencingCapability(config, false);
          try {
            return VmwareDriver.connect(vertx, new VmwareSettings(URI.create(d.uri()).toURL(), d.user(), password,
                true, d.datastores(), ssh, fencing, 4)).map(x -> (HypervisorDriver) x);
          } catch (java.net.MalformedURLException e) {
            return Future.failedFuture(new IllegalArgumentException(config.source() + ": driver.uri \"" + d.uri()
                + "\" is not a URL"));
          }
        });
  }

  private static void closeQuietly(HostFiles files) {
    try {
      files.close();
    } catch (IOException e) {
      LOG.warn("closing host files after a failed connect: {}", e.getMessage());
    }
  }

  private static SshSettings sshSettings(AgentConfig.Ssh ssh) {
    return new SshSettings(ssh.user(), ssh.host(), ssh.port(), ssh.identityFile(), ssh.knownHosts(),
        Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(5));
  }

  /** vmrun's connection arguments on an agentless VMware Server host (read from the password file: blocking). */
  private static String vmrunArgs(AgentConfig config) throws IOException {
    AgentConfig.Driver d = config.driver();
    String password = Files.readString(d.passwordFile(), StandardCharsets.UTF_8).strip();
    // lifeboat-fence.sh word-splits these arguments: a value with blanks or glob characters would break them.
    for (String[] v : new String[][] {{"driver.uri", d.uri()}, {"driver.user", d.user()},
        {"the password in " + d.passwordFile(), password}}) {
      if (v[1].isEmpty() || !v[1].matches("[^\\s*?\\[\\]]+")) {
        throw new IOException(config.source() + ": " + v[0] + " is empty or holds blanks or *?[]: the remote fence"
            + " loop cannot pass it to vmrun");
      }
    }
    return "-T server -h " + d.uri() + " -u " + d.user() + " -p " + password;
  }

  private static List<String> protectedConfigPaths(List<GuestSpec> specs, GuestDirectory guests) {
    List<String> paths = new ArrayList<>();
    for (GuestSpec s : specs) {
      if (guests.guestId(GuestRef.of(s)).isPresent() && !s.getConfigPath().isEmpty()) {
        paths.add(s.getConfigPath());
      }
    }
    return paths;
  }

  private static Future<io.lifeboat.protocol.v1.Inventory> inventory(AgentConfig config, HypervisorDriver driver,
      GuestDirectory guests, RemoteFenceLoopFeed remoteLoop) {
    String hostId = config.hostId();
    return driver.hostFacts().compose(facts -> driver.inventory().map(specs -> {
      io.lifeboat.protocol.v1.HostFacts.Builder reported = facts.toBuilder().setHostId(hostId)
          .setAgentVersion("0.1.0");
      reported.setFencingCapability(fencingCapability(config, remoteLoop != null && remoteLoop.running()));
      io.lifeboat.protocol.v1.Inventory.Builder inv = io.lifeboat.protocol.v1.Inventory.newBuilder()
          .setHostId(hostId).setFacts(reported);
      for (GuestSpec s : specs) {
        inv.addGuests(s.toBuilder().setGuestId(guests.guestId(GuestRef.of(s)).orElse("")));
      }
      return inv.build();
    }));
  }

  private static List<String> runningProtected(List<GuestSpec> specs, GuestDirectory guests) {
    List<String> ids = new ArrayList<>();
    for (GuestSpec s : specs) {
      if (s.getPowerState() == PowerState.POWER_STATE_RUNNING) {
        guests.guestId(GuestRef.of(s)).ifPresent(ids::add);
      }
    }
    return ids;
  }

  /** Writes the guest list and starts lifeboat-fence.sh unless the one started earlier still runs. */
  static synchronized void startFenceProcess(AgentConfig config, List<GuestSpec> specs, GuestDirectory guests)
      throws IOException {
    Path state = config.stateDir();
    List<String> names = new ArrayList<>();
    for (GuestSpec s : specs) {
      if (guests.guestId(GuestRef.of(s)).isPresent()) {
        names.add(config.fenceProcess().equals("vmrun") ? s.getConfigPath()
            : s.getHypervisorUuid().isEmpty() ? s.getName() : s.getHypervisorUuid());
      }
    }
    FenceScript.writeGuests(state.resolve("fence-guests"), names);
    Path pidFile = state.resolve("fence.pid");
    if (Files.exists(pidFile)) {
      try {
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
          return;
        }
      } catch (NumberFormatException ignored) {
        // Replaced below.
      }
    }
    Path script = FenceScript.install(state);
    Process p = FenceScript.startWatch(script, state.resolve("lease"), state.resolve("fence-guests"),
        config.fenceProcess().equals("vmrun") ? FenceScript.Kind.VMRUN : FenceScript.Kind.LIBVIRT,
        state.resolve("fence.log"));
    io.lifeboat.agent.fence.AtomicFiles.write(pidFile, (p.pid() + "\n").getBytes(StandardCharsets.US_ASCII));
    LOG.info("[agent host={}] fence process {} watches {}", config.hostId(), p.pid(), state.resolve("lease"));
  }
}
