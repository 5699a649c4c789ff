package io.lifeboat.lab;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import io.lifeboat.lab.internal.ClientKey;
import io.lifeboat.lab.internal.KnownHosts;
import io.lifeboat.lab.internal.LabDirectories;
import io.lifeboat.lab.internal.LabJanitor;
import io.lifeboat.lab.internal.LabLabels;
import io.lifeboat.lab.internal.OwnerProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * The lab: hypervisor hosts as containers (Testcontainers) on a dedicated Docker network, with kill, restart,
 * partition and heal. Every container and network carries the run id in its name and labels; stale runs of dead
 * JVMs are swept at start, and {@link #down()} removes everything of the run and checks that nothing is left.
 */
public final class Lab implements AutoCloseable {
  /** Who owns a lab: a test JVM (swept once that JVM is gone) or the CLI (lives until {@code lab down}). */
  public enum Mode {
    TEST(LabLabels.MODE_TEST),
    CLI(LabLabels.MODE_CLI);

    private final String label;

    Mode(String label) {
      this.label = label;
    }

    /** The value of the mode label. */
    public String label() {
      return label;
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(Lab.class);
  private static final Duration HOST_READY_TIMEOUT = Duration.ofSeconds(90);
  private static final AtomicBoolean CREATED_IN_THIS_JVM = new AtomicBoolean();
  private static final Consumer<GenericContainer<?>> NO_CUSTOMISATION = container -> {};
  private static final DateTimeFormatter RUN_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss");

  private final DockerClient docker;
  private final Mode mode;
  private final String runId;
  private final String image;
  private final Map<String, String> runLabels;
  private final Path stateDir;
  private final String networkName;
  private final String networkId;
  private final ClientKey clientKey;
  private final Map<String, LabHost> hosts = new TreeMap<>();
  private boolean down;

  private Lab(DockerClient docker, Mode mode, String runId, String image, Map<String, String> runLabels,
      Path stateDir, String networkName, String networkId, ClientKey clientKey) {
    this.docker = docker;
    this.mode = mode;
    this.runId = runId;
    this.image = image;
    this.runLabels = Map.copyOf(runLabels);
    this.stateDir = stateDir;
    this.networkName = networkName;
    this.networkId = networkId;
    this.clientKey = clientKey;
  }

  /**
   * Starts a new lab run: sweeps stale runs (and, in CLI mode, the previous CLI lab), builds the host image if its tag
   * is missing, creates the run's network, client key and known_hosts. No host runs yet; call {@link #up(int)}.
   */
  public static Lab create(Mode mode) {
    requireTestcontainersSettings();
    CREATED_IN_THIS_JVM.set(true);
    DockerClient docker = DockerClientFactory.instance().client();
    sweep(docker, mode == Mode.CLI);
    String image = HostImage.ensure(docker);
    String runId = "lab-" + mode.label() + "-" + ZonedDateTime.now(ZoneOffset.UTC).format(RUN_TIME) + "-"
        + HexFormat.of().formatHex(new SecureRandom().generateSeed(3));
    OwnerProcess owner = OwnerProcess.current();
    Map<String, String> labels = LabLabels.forRun(runId, mode.label(), owner.pid(), owner.startMillis(),
        owner.machine());
    Path stateDir = LabDirectories.run(runId);
    ClientKey key = ClientKey.create(stateDir);
    String networkName = "lifeboat-" + runId;
    String networkId = docker.createNetworkCmd()
        .withName(networkName)
        .withDriver("bridge")
        .withLabels(labels)
        .exec()
        .getId();
    LOG.info("lab {} created (network {}, state {})", runId, networkName, stateDir);
    return new Lab(docker, mode, runId, image, labels, stateDir, networkName, networkId, key);
  }

  /** Whether this JVM created a lab (so a final leftover check has something to check). */
  public static boolean createdInThisJvm() {
    return CREATED_IN_THIS_JVM.get();
  }

  /** The CLI lab started by {@code lab up} in this or another process, if one exists. */
  public static Optional<Lab> attachCli() {
    requireTestcontainersSettings();
    DockerClient docker = DockerClientFactory.instance().client();
    List<Network> networks = docker.listNetworksCmd()
        .withFilter("label", List.of(LabLabels.LAB + "=true", LabLabels.MODE + "=" + Mode.CLI.label()))
        .exec();
    if (networks.isEmpty()) {
      return Optional.empty();
    }
    Network network = networks.stream().max(Comparator.comparing(Network::getName)).orElseThrow();
    String runId = network.getLabels().get(LabLabels.RUN);
    Path stateDir = LabDirectories.run(runId);
    Lab lab = new Lab(docker, Mode.CLI, runId, HostImage.imageName(), network.getLabels(), stateDir,
        network.getName(), network.getId(), ClientKey.load(stateDir));
    for (Container c : LabJanitor.runContainers(docker, runId)) {
      String host = c.getLabels().get(LabLabels.HOST);
      if (host != null) {
        lab.hosts.put(host, new LabHost(docker, host, c.getId(), network.getName()));
      }
    }
    return Optional.of(lab);
  }

  /** The run id, part of every container's and network's name and labels. */
  public String runId() {
    return runId;
  }

  /** TEST or CLI. */
  public Mode mode() {
    return mode;
  }

  /** The lab network's name. */
  public String networkName() {
    return networkName;
  }

  /** The lab network's id. */
  public String networkId() {
    return networkId;
  }

  /** The host image this lab runs. */
  public String image() {
    return image;
  }

  /** The labels every object of this run carries. */
  public Map<String, String> runLabels() {
    return runLabels;
  }

  /** The known_hosts file with every host's sshd keys at its published port on 127.0.0.1. */
  public Path knownHosts() {
    return stateDir.resolve("known_hosts");
  }

  /** The private key (OpenSSH/PEM) every host authorises for root. */
  public Path identityFile() {
    return clientKey.privateKey();
  }

  /** The hosts, in order of their names. */
  public synchronized List<LabHost> hosts() {
    return List.copyOf(hosts.values());
  }

  /** The host with this name. */
  public synchronized LabHost host(String name) {
    LabHost host = hosts.get(name);
    if (host == null) {
      throw new LabException("lab " + runId + ": no host " + name + " (hosts: " + hosts.keySet() + ")");
    }
    return host;
  }

  /** Starts {@code n} more hosts (hostA, hostB, … continuing after the existing ones) and waits until each is ready. */
  public List<LabHost> up(int n) {
    if (n < 1 || n > 26) {
      throw new IllegalArgumentException("lab " + runId + ": host count " + n + " outside 1..26");
    }
    List<String> names = new ArrayList<>();
    synchronized (this) {
      checkNotDown();
      for (int i = 0; i < n; i++) {
        names.add("host" + (char) ('A' + hosts.size() + i));
      }
    }
    List<CompletableFuture<LabHost>> starts = names.stream()
        .map(name -> CompletableFuture.supplyAsync(() -> startHost(name, NO_CUSTOMISATION)))
        .toList();
    List<LabHost> started = new ArrayList<>();
    try {
      for (CompletableFuture<LabHost> f : starts) {
        started.add(f.join());
      }
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
    writeKnownHosts();
    return started;
  }

  /**
   * Starts one more container from the lab's host image on the lab network under {@code name}, letting the caller
   * adjust it first (extra files, ports, a different command) — the hook for special hosts such as the VI API
   * simulator host. In a test-mode lab hosts are Testcontainers {@link GenericContainer}s; a CLI lab must outlive its
   * JVM, which Testcontainers' shutdown hook would prevent, so its hosts are created through the same Docker client
   * directly (and the customiser, which needs a GenericContainer, is refused).
   */
  public LabHost startHost(String name, Consumer<GenericContainer<?>> customiser) {
    synchronized (this) {
      checkNotDown();
      if (hosts.containsKey(name)) {
        throw new LabException("lab " + runId + ": host " + name + " already exists");
      }
    }
    Map<String, String> labels = new HashMap<>(runLabels);
    labels.put(LabLabels.HOST, name);
    String containerName = networkName + "-" + name;
    LabHost host = mode == Mode.CLI
        ? startDetached(name, containerName, labels, customiser)
        : startManaged(name, containerName, labels, customiser);
    awaitReady(host);
    synchronized (this) {
      hosts.put(name, host);
    }
    LOG.info("lab {}: {} up, libvirt {}, ssh 127.0.0.1:{}", runId, name, host.libvirtUri(), host.sshPort());
    return host;
  }

  private LabHost startManaged(String name, String containerName, Map<String, String> labels,
      Consumer<GenericContainer<?>> customiser) {
    @SuppressWarnings("resource") // the lab removes the container in down(), by label
    GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(image))
        .withNetwork(new LabNetwork(networkId))
        .withNetworkAliases(name)
        .withExposedPorts(LabHost.SSH_PORT, LabHost.LIBVIRT_PORT)
        .withLabels(labels)
        .withCopyToContainer(Transferable.of(clientKey.authorizedKeysLine(), 0600), "/root/.ssh/authorized_keys")
        .withCreateContainerCmdModifier(cmd -> shape(cmd, containerName, name))
        .waitingFor(Wait.forLogMessage(".*Server listening on.*\\n", 1).withStartupTimeout(HOST_READY_TIMEOUT));
    customiser.accept(container);
    try {
      container.start();
    } catch (RuntimeException e) {
      throw new LabException("lab " + runId + ": host " + name + " (container " + containerName + ", image " + image
          + ") did not start: " + e.getMessage(), e);
    }
    return new LabHost(docker, name, container.getContainerId(), networkName);
  }

  private LabHost startDetached(String name, String containerName, Map<String, String> labels,
      Consumer<GenericContainer<?>> customiser) {
    if (customiser != NO_CUSTOMISATION) {
      throw new LabException("lab " + runId + ": host " + name + ": customised hosts need a test-mode lab");
    }
    try {
      CreateContainerCmd cmd = docker.createContainerCmd(image)
          .withLabels(labels)
          .withExposedPorts(ExposedPort.tcp(LabHost.SSH_PORT), ExposedPort.tcp(LabHost.LIBVIRT_PORT))
          .withAliases(name);
      cmd.getHostConfig().withNetworkMode(networkName);
      shape(cmd, containerName, name);
      String id = cmd.exec().getId();
      LabHost host = new LabHost(docker, name, id, networkName);
      host.copyFileToContainer(Transferable.of(clientKey.authorizedKeysLine(), 0600), "/root/.ssh/authorized_keys");
      docker.startContainerCmd(id).exec();
      return host;
    } catch (RuntimeException e) {
      throw new LabException("lab " + runId + ": host " + name + " (container " + containerName + ", image " + image
          + ") did not start: " + e.getMessage(), e);
    }
  }

  private void shape(CreateContainerCmd cmd, String containerName, String hostName) {
    cmd.withName(containerName).withHostName(hostName);
    HostConfig hostConfig = cmd.getHostConfig();
    hostConfig.withInit(true)
        .withPublishAllPorts(false)
        .withPortBindings(
            new PortBinding(Ports.Binding.bindIp("127.0.0.1"), ExposedPort.tcp(LabHost.SSH_PORT)),
            new PortBinding(Ports.Binding.bindIp("127.0.0.1"), ExposedPort.tcp(LabHost.LIBVIRT_PORT)));
  }

  /** Hard-kills the host ({@code docker kill}: SIGKILL for every process, guests included). */
  public void kill(String name) {
    LabHost host = host(name);
    if (host.running()) {
      docker.killContainerCmd(host.getContainerId()).exec();
    }
    await("host " + name + " stopped", () -> !host.running());
    LOG.info("lab {}: {} killed", runId, name);
  }

  /** Brings a killed host back ({@code docker start}) with its disks and files as they were, and waits until ready. */
  public void restart(String name) {
    LabHost host = host(name);
    if (!host.running()) {
      docker.startContainerCmd(host.getContainerId()).exec();
    }
    awaitReady(host);
    writeKnownHosts();
    LOG.info("lab {}: {} restarted", runId, name);
  }

  /** Disconnects the host from the lab network: no other host, and not the test JVM, reaches it. */
  public void partition(String name) {
    LabHost host = host(name);
    if (host.connected()) {
      docker.disconnectFromNetworkCmd().withNetworkId(networkId).withContainerId(host.getContainerId())
          .withForce(true).exec();
    }
    LOG.info("lab {}: {} partitioned", runId, name);
  }

  /** Reconnects a partitioned host to the lab network under its name. */
  public void heal(String name) {
    LabHost host = host(name);
    if (!host.connected()) {
      docker.connectToNetworkCmd().withNetworkId(networkId).withContainerId(host.getContainerId())
          .withContainerNetwork(new ContainerNetwork().withAliases(name)).exec();
    }
    if (host.running()) {
      awaitReady(host);
      writeKnownHosts();
    }
    LOG.info("lab {}: {} healed", runId, name);
  }

  /**
   * Copies a guest's directory (disks, domain XML) from one host to another through Docker's archive API; works when
   * the source host was killed, as a replica would be there.
   */
  public void copyGuest(LabHost from, String guest, LabHost to) {
    to.execOk("rm", "-rf", to.guestDir(guest));
    to.execOk("mkdir", "-p", LabHost.GUESTS_DIR);
    try (InputStream tar = docker.copyArchiveFromContainerCmd(from.getContainerId(), from.guestDir(guest)).exec()) {
      docker.copyArchiveToContainerCmd(to.getContainerId()).withTarInputStream(tar)
          .withRemotePath(LabHost.GUESTS_DIR).exec();
    } catch (IOException | RuntimeException e) {
      throw new LabException("lab " + runId + ": copy guest " + guest + " from " + from.name() + " to " + to.name()
          + ": " + e.getMessage(), e);
    }
  }

  /**
   * Gives the next test a clean lab: killed hosts restarted, partitioned hosts healed, every guest destroyed and its
   * files removed.
   */
  public void reset() {
    for (LabHost host : hosts()) {
      if (!host.running()) {
        restart(host.name());
      }
      if (!host.connected()) {
        heal(host.name());
      }
      for (String guest : host.runningGuests()) {
        host.virsh("destroy", guest);
      }
      host.execOk("sh", "-c", "rm -rf " + LabHost.GUESTS_DIR + "/*");
    }
  }

  /**
   * Removes every container and the network of this run and its state directory, then checks that nothing of the run
   * is left (containers, networks, QEMU processes); throws if something is.
   */
  public synchronized void down() {
    if (down) {
      return;
    }
    down = true;
    Set<String> containerIds = LabJanitor.removeRun(docker, runId);
    hosts.clear();
    List<String> left = LabJanitor.leftovers(docker, runId, containerIds);
    if (!left.isEmpty()) {
      throw new LabException("lab " + runId + ": left behind after down: " + String.join(", ", left));
    }
    LOG.info("lab {} down: {} containers and the network removed, nothing left", runId, containerIds.size());
  }

  @Override
  public void close() {
    down();
  }

  /** Checks the Testcontainers settings the lab needs on these machines, failing with what to set. */
  public static void requireTestcontainersSettings() {
    if (!"true".equalsIgnoreCase(System.getenv("TESTCONTAINERS_RYUK_DISABLED"))) {
      throw new LabException("lab: environment variable TESTCONTAINERS_RYUK_DISABLED=true is required"
          + " (the Ryuk image cannot be pulled here; the lab removes its own containers)");
    }
    String override = System.getenv("TESTCONTAINERS_HOST_OVERRIDE");
    if (Files.exists(Path.of("/.dockerenv")) && (override == null || override.isBlank())) {
      throw new LabException("lab: environment variable TESTCONTAINERS_HOST_OVERRIDE=localhost is required"
          + " (this machine looks like a container, /.dockerenv exists)");
    }
  }

  /**
   * Removes stale lab runs: those of test JVMs on this machine that no longer run and, when {@code replaceCli}, the
   * CLI lab. Returns the run ids removed.
   */
  public static List<String> sweep(DockerClient docker, boolean replaceCli) {
    return LabJanitor.sweep(docker, replaceCli);
  }

  private void awaitReady(LabHost host) {
    await("host " + host.name() + " ready (sshd banner on 127.0.0.1, libvirtd answering)",
        () -> host.running() && host.connected() && sshBanner(host.sshPort()) && host.libvirtReady());
  }

  private void await(String what, Callable<Boolean> condition) {
    try {
      Awaitility.await(what).atMost(HOST_READY_TIMEOUT).pollInterval(Duration.ofMillis(250))
          .ignoreExceptions().until(condition);
    } catch (ConditionTimeoutException e) {
      throw new LabException("lab " + runId + ": timed out after " + HOST_READY_TIMEOUT + " waiting for " + what, e);
    }
  }

  private static boolean sshBanner(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      socket.setSoTimeout(2000);
      byte[] banner = socket.getInputStream().readNBytes(4);
      return "SSH-".equals(new String(banner, StandardCharsets.US_ASCII));
    } catch (IOException e) {
      return false;
    }
  }

  private synchronized void writeKnownHosts() {
    KnownHosts.write(knownHosts(), List.copyOf(hosts.values()));
  }

  private void checkNotDown() {
    if (down) {
      throw new LabException("lab " + runId + " is down");
    }
  }

  /** A Testcontainers view of the network the lab created itself (with its own name and labels). */
  private record LabNetwork(String id) implements org.testcontainers.containers.Network {
    @Override
    public String getId() {
      return id;
    }

    @Override
    public void close() {
      // removed by Lab.down()
    }
  }
}
