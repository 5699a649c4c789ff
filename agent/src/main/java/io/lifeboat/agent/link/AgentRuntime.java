package io.lifeboat.agent.link;

import io.lifeboat.agent.fence.FenceScript;
import io.lifeboat.agent.fence.LeaseFileWriter;
import io.lifeboat.agent.fence.LeaseKeeper;
import io.lifeboat.agent.fence.MonotonicClock;
import io.lifeboat.agent.fence.SelfFence;
import io.lifeboat.agent.hypervisor.GuestRef;
import io.lifeboat.agent.hypervisor.HypervisorDriver;
import io.lifeboat.agent.hypervisor.libvirt.LibvirtDriver;
import io.lifeboat.agent.hypervisor.libvirt.LocalHostFiles;
import io.lifeboat.agent.hypervisor.vmware.VmwareDriver;
import io.lifeboat.agent.hypervisor.vmware.VmwareSettings;
import io.lifeboat.agent.hypervisor.vmware.remote.SshSettings;
import io.lifeboat.protocol.v1.FencingCapability;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.PowerState;
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
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assembles a running agent from its configuration: durable epoch and incarnation, the driver, the lease keeper and
 * self-fence, the host's fence process, and the {@link AgentLink} verticle.
 */
public final class AgentRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(AgentRuntime.class);

  private final HypervisorDriver driver;
  private final AgentLink link;
  private final String deployment;

  private AgentRuntime(HypervisorDriver driver, AgentLink link, String deployment) {
    this.driver = driver;
    this.link = link;
    this.deployment = deployment;
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
    return vertx.executeBlocking(() -> prepare(config), false).compose(p -> connect(vertx, config)
        .compose(driver -> {
          GuestDirectory guests = new GuestDirectory(config.protectedGuests());
          DriverCommandHandler handler = new DriverCommandHandler(vertx, driver, guests);
          AtomicReference<List<String>> running = new AtomicReference<>(List.of());
          // A local fence process only fences this machine's guests: an agentless proxy (driver over SSH) starts
          // none here; its host stays unfenceable until AgentlessFenceLoop is wired in.
          LeaseFileWriter leaseFile = config.fenceProcess().equals("none") || config.driver().ssh() != null ? null
              : new LeaseFileWriter(config.stateDir().resolve("lease"), Path.of("/proc/uptime"));
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
              reason -> handler.fence(), leaseFile, running::get, MonotonicClock.SYSTEM,
              () -> inventory(config.hostId(), driver, guests));
          vertx.setPeriodic(1, 5000, id -> driver.inventory().onSuccess(specs -> {
            running.set(runningProtected(specs, guests));
            if (leaseFile != null) {
              vertx.executeBlocking(() -> {
                startFenceProcess(config, specs, guests);
                return null;
              }, false).onFailure(e -> LOG.error("[agent host={}] fence process: {}", config.hostId(),
                  e.getMessage()));
            }
          }).onFailure(e -> LOG.warn("[agent host={}] inventory failed: {}", config.hostId(), e.getMessage())));
          return vertx.deployVerticle(link).map(id -> new AgentRuntime(driver, link, id));
        }));
  }

  /**
   * Stops the agent's link and closes the driver (the host's fence process keeps running: it must outlive us).
   *
   * @param vertx Vert.x
   * @return completes when stopped
   */
  public Future<Void> stop(Vertx vertx) {
    return vertx.undeploy(deployment).eventually(() -> vertx.executeBlocking(() -> {
      driver.close();
      return null;
    }, false)).mapEmpty();
  }

  private record Prepared(EpochStore epochs, long incarnation, LinkCredentials credentials) {}

  private static Prepared prepare(AgentConfig config) throws IOException {
    Files.createDirectories(config.stateDir());
    byte[] secret = Files.readString(config.secretFile(), StandardCharsets.UTF_8).strip()
        .getBytes(StandardCharsets.UTF_8);
    return new Prepared(EpochStore.open(config.stateDir().resolve("epoch")),
        IncarnationStore.bump(config.stateDir().resolve("incarnation")),
        new LinkCredentials(config.keyId(), secret));
  }

  private static Future<HypervisorDriver> connect(Vertx vertx, AgentConfig config) {
    AgentConfig.Driver d = config.driver();
    if (d.kind().equals("libvirt")) {
      return LibvirtDriver.connect(vertx, d.uri(), new LocalHostFiles(), "lifeboat-libvirt",
          config.stateDir().resolve("consoles").toString()).map(x -> (HypervisorDriver) x);
    }
    return vertx.executeBlocking(() -> Files.readString(d.passwordFile(), StandardCharsets.UTF_8).strip(), false)
        .compose(password -> {
          SshSettings ssh = d.ssh() == null ? null : new SshSettings(d.ssh().user(), d.ssh().host(), d.ssh().port(),
              d.ssh().identityFile(), d.ssh().knownHosts(), Duration.ofSeconds(10), Duration.ofSeconds(30),
              Duration.ofSeconds(5));
          FencingCapability fencing = ssh == null ? FencingCapability.FENCING_CAPABILITY_SELF_FENCE
              : FencingCapability.FENCING_CAPABILITY_NONE;
          try {
            return VmwareDriver.connect(vertx, new VmwareSettings(URI.create(d.uri()).toURL(), d.user(), password,
                true, d.datastores(), ssh, fencing, 4)).map(x -> (HypervisorDriver) x);
          } catch (java.net.MalformedURLException e) {
            return Future.failedFuture(new IllegalArgumentException(config.source() + ": driver.uri \"" + d.uri()
                + "\" is not a URL"));
          }
        });
  }

  private static Future<io.lifeboat.protocol.v1.Inventory> inventory(String hostId, HypervisorDriver driver,
      GuestDirectory guests) {
    return driver.hostFacts().compose(facts -> driver.inventory().map(specs -> {
      io.lifeboat.protocol.v1.Inventory.Builder inv = io.lifeboat.protocol.v1.Inventory.newBuilder()
          .setHostId(hostId).setFacts(facts.toBuilder().setHostId(hostId).setAgentVersion("0.1.0"));
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
