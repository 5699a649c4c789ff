package io.lifeboat.lab.site;

import com.github.dockerjava.api.model.Network;
import io.lifeboat.lab.GuestDomainXml;
import io.lifeboat.lab.Lab;
import io.lifeboat.lab.LabException;
import io.lifeboat.lab.LabHost;
import io.lifeboat.lab.TestGuest;
import io.lifeboat.lab.VmwareSimulatorHost;
import io.lifeboat.lab.VmwareSimulatorOptions;
import io.lifeboat.protocol.v1.GuestState;
import io.lifeboat.protocol.v1.HostHealth;
import io.lifeboat.coordinator.client.LifeboatClient;
import io.lifeboat.coordinator.state.CoordinatorState;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;

/**
 * A protected two-host site in a {@link Lab}: test guests running on the primary (hostA), an agent inside each lab
 * host (the standby, hostB, also runs the restore point store), and a coordinator in this JVM listening on the lab
 * network's gateway address. {@link #close()} stops the agents and the coordinator; the lab itself stays the caller's.
 */
public final class LabSite implements AutoCloseable {
  /** The agent's log file inside each host. */
  public static final String AGENT_LOG = "/var/log/lifeboat-agent.log";
  private static final String AGENT_PID = "/run/lifeboat-agent.pid";
  private static final String AGENT_MAIN = "io.lifeboat.agent.cli.AgentCommand";
  private static final String AGENT_JVM_OPTIONS = "-Xmx192m -XX:+UseSerialGC -XX:TieredStopAtLevel=1";
  private static final Duration MARKER_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration AGENT_LINK_TIMEOUT = Duration.ofSeconds(90);
  private static final String X86_64 = "arch='x86_64'";
  private static final Pattern SERIAL_FILE =
      Pattern.compile("<serial type=['\"]file['\"]>\\s*<source path=['\"]([^'\"]+)['\"]");

  /**
   * What the site protects and how.
   *
   * @param guestNames names of the test guests installed on the primary (one or two)
   * @param rpoSeconds each guest's RPO
   * @param bootTimeoutSeconds the boot check's timeout on the standby
   * @param workDir a local directory for the coordinator's configuration, secret, journal and the staged classpath
   * @param vmwareStandby the VI-simulated standby's options, or null for the libvirt hostB
   * @param adminPassword the password of the coordinator's REST user {@value LabSite#ADMIN_USER}, or null for no users
   * @param viewerPassword the password of its viewer {@value LabSite#VIEWER_USER}, or null for none
   * @param dataDisk a data disk of the first guest, or null for none
   * @param replicationLimit the agents' {@code replication.limitRate} (e.g. {@code 12M}), or null for unlimited
   */
  public record Settings(List<String> guestNames, int rpoSeconds, int bootTimeoutSeconds, Path workDir,
      VmwareSimulatorOptions vmwareStandby, String adminPassword, String viewerPassword, GuestDataDisk dataDisk,
      String replicationLimit) {
    public Settings {
      guestNames = List.copyOf(guestNames);
      if (guestNames.isEmpty() || guestNames.size() > 2) {
        throw new IllegalArgumentException("lab site: 1 or 2 guests, not " + guestNames.size());
      }
      Objects.requireNonNull(workDir, "workDir");
      if (viewerPassword != null && adminPassword == null) {
        throw new IllegalArgumentException("lab site: a viewer needs an admin too (withAdmin)");
      }
    }

    /** A site whose standby is the libvirt lab host hostB. */
    public Settings(List<String> guestNames, int rpoSeconds, int bootTimeoutSeconds, Path workDir) {
      this(guestNames, rpoSeconds, bootTimeoutSeconds, workDir, null, null, null, null, null);
    }

    /**
     * The same site with a VI-simulated VMware host ({@value LabSite#VMWARE_STANDBY}, with {@code options}) as the standby,
     * managed by an agent inside it over the VI API, and the guests left x86_64 (64-bit capable) domains on hostA.
     */
    public Settings withVmwareStandby(VmwareSimulatorOptions options) {
      return new Settings(guestNames, rpoSeconds, bootTimeoutSeconds, workDir, Objects.requireNonNull(options),
          adminPassword, viewerPassword, dataDisk, replicationLimit);
    }

    /**
     * The same site whose coordinator has a REST user, the admin {@value LabSite#ADMIN_USER} with {@code password}
     * (see {@link LabSite#adminClient()}); its API then needs a login.
     */
    public Settings withAdmin(String password) {
      return new Settings(guestNames, rpoSeconds, bootTimeoutSeconds, workDir, vmwareStandby,
          Objects.requireNonNull(password), viewerPassword, dataDisk, replicationLimit);
    }

    /** The same site with a second REST user, the viewer {@value LabSite#VIEWER_USER} with {@code password}. */
    public Settings withViewer(String password) {
      return new Settings(guestNames, rpoSeconds, bootTimeoutSeconds, workDir, vmwareStandby, adminPassword,
          Objects.requireNonNull(password), dataDisk, replicationLimit);
    }

    /** The same site whose first guest also has {@code disk}, attached before it first boots. */
    public Settings withDataDisk(GuestDataDisk disk) {
      return new Settings(guestNames, rpoSeconds, bootTimeoutSeconds, workDir, vmwareStandby, adminPassword,
          viewerPassword, Objects.requireNonNull(disk), replicationLimit);
    }

    /** The same site whose agents cap each replication push at {@code limitRate} bytes per second (e.g. 12M). */
    public Settings withReplicationLimit(String limitRate) {
      return new Settings(guestNames, rpoSeconds, bootTimeoutSeconds, workDir, vmwareStandby, adminPassword,
          viewerPassword, dataDisk, Objects.requireNonNull(limitRate));
    }
  }

  /** The coordinator's REST admin of {@link Settings#withAdmin}. */
  public static final String ADMIN_USER = SiteConfigs.ADMIN_USER;
  /** The coordinator's REST viewer of {@link Settings#withViewer}. */
  public static final String VIEWER_USER = SiteConfigs.VIEWER_USER;
  /** The name of the VMware standby host of {@link Settings#withVmwareStandby}. */
  public static final String VMWARE_STANDBY = "vmB";
  private static final String VMWARE_PASSWORD_FILE = "/etc/lifeboat/vmware.password";

  private final Lab lab;
  private final LabHost primary;
  private final LabHost standby;
  private final List<SiteGuest> guests;
  private final Path workDir;
  private final AgentClasspath classpath;
  private final VmwareSimulatorOptions vmwareStandby;
  private SiteCoordinator coordinator;
  private Path coordinatorConfig;
  private int coordinatorHttpPort;
  private int coordinatorPort;
  private String adminPassword;

  private LabSite(Lab lab, LabHost primary, LabHost standby, List<SiteGuest> guests, Path workDir,
      AgentClasspath classpath, VmwareSimulatorOptions vmwareStandby) {
    this.vmwareStandby = vmwareStandby;
    this.lab = lab;
    this.primary = primary;
    this.standby = standby;
    this.guests = List.copyOf(guests);
    this.workDir = workDir;
    this.classpath = classpath;
  }

  /**
   * Brings the site up: starts hostA and hostB unless the lab has them, installs and boots the guests on hostA
   * (persistent libvirt domains on VMDK disks), starts the coordinator, then an agent in each host.
   */
  public static LabSite start(Lab lab, Settings settings, Consumer<String> progress) {
    int missing = 2 - lab.hosts().size();
    if (missing > 0) {
      progress.accept("starting " + missing + " lab host(s)");
      lab.up(missing);
    }
    LabHost primary = lab.host("hostA");
    LabHost standby = settings.vmwareStandby() == null ? lab.host("hostB")
        : lab.hosts().stream().filter(h -> h.name().equals(VMWARE_STANDBY)).findFirst()
            .orElseGet(() -> VmwareSimulatorHost.start(lab, VMWARE_STANDBY, settings.vmwareStandby()).host());
    progress.accept("hosts up: " + primary.name() + " " + primary.labAddress() + " (primary), " + standby.name() + " "
        + standby.labAddress() + " (standby)");
    List<SiteGuest> guests = new ArrayList<>();
    for (String name : settings.guestNames()) {
      SiteGuest g = SiteGuest.named(name);
      installAndBoot(primary, g, settings.vmwareStandby() == null, guests.isEmpty() ? settings.dataDisk() : null);
      guests.add(g);
      progress.accept("guest " + name + " runs on " + primary.name() + " (marker: " + g.marker() + ")");
    }
    Path work = settings.workDir();
    AgentClasspath classpath;
    try {
      Files.createDirectories(work);
      Files.writeString(work.resolve("site.secret"),
          HexFormat.of().formatHex(new SecureRandom().generateSeed(24)) + "\n", StandardCharsets.UTF_8);
      classpath = AgentClasspath.stage(work.resolve("classpath"));
    } catch (IOException e) {
      throw new LabException("lab site: cannot write " + work + ": " + e.getMessage(), e);
    }
    LabSite site = new LabSite(lab, primary, standby, guests, work, classpath, settings.vmwareStandby());
    try {
      site.startCoordinator(settings);
      progress.accept("coordinator listening on " + site.coordinator.listenHost() + ":" + site.coordinator.port()
          + site.coordinator.failoverNotArmedReason().map(why -> " (automatic failover NOT armed: " + why + ")")
              .orElse(" (automatic failover armed)"));
      // The standby's agent first: the primary's agent fences its guests when it holds no lease from a majority by
      // its fence deadline, counted from its start, and on a loaded machine a peer JVM still starting can take longer.
      site.installAgent(standby, settings.replicationLimit());
      site.startAgent(standby);
      site.installAgent(primary, settings.replicationLimit());
      try {
        Awaitility.await(standby.name() + "'s agent linked").atMost(AGENT_LINK_TIMEOUT)
            .pollInterval(Duration.ofMillis(250)).until(() -> site.coordinator.state().hostHealth(standby.name())
                .orElse(null) == HostHealth.HOST_HEALTH_UP);
      } catch (ConditionTimeoutException e) {
        throw new LabException("lab site: " + standby.name() + "'s agent did not link within "
            + AGENT_LINK_TIMEOUT.toSeconds() + " s; its log:\n" + site.agentLog(standby), e);
      }
      site.startAgent(primary);
      progress.accept("agents started on " + primary.name() + " and " + standby.name());
      return site;
    } catch (RuntimeException e) {
      site.close();
      throw e;
    }
  }

  private static void installAndBoot(LabHost host, SiteGuest g, boolean as32Bit, GuestDataDisk dataDisk) {
    host.installGuest(g.spec());
    // The test guest runs 16-bit code. An i686 domain says so: its inventory then reports a 32-bit guest, which the
    // compatibility engine may place on the lab's hosts (QEMU TCG, no VT-x/AMD-V); an x86_64 domain leaves the word
    // size unknown, and such a guest is refused on hosts without the extensions (as the VMware-standby site wants).
    String xml = GuestDomainXml.render(g.spec(), host.guestDisk(g.name()), host.serialLogPath(g.name()));
    if (!xml.contains(X86_64)) {
      throw new LabException("lab site: guest " + g.name() + ": domain XML names no " + X86_64);
    }
    if (dataDisk != null) {
      dataDisk.create(host, g.name());
      xml = GuestDataDisk.attach(xml, GuestDataDisk.path(host, g.name()));
    }
    host.writeFile(host.domainXmlPath(g.name()), (as32Bit ? xml.replace(X86_64, "arch='i686'") : xml)
        .getBytes(StandardCharsets.UTF_8));
    host.execOk("sh", "-c", ": > '" + host.serialLogPath(g.name()) + "'");
    host.virsh("define", host.domainXmlPath(g.name()));
    host.virsh("start", g.name());
    TestGuest.Identity booted = host.awaitMarker(g.name(), MARKER_TIMEOUT);
    if (!booted.markerLine().equals(g.marker())) {
      throw new LabException("lab site: guest " + g.name() + " on " + host.name() + " printed " + booted.markerLine()
          + ", expected " + g.marker());
    }
  }

  private void startCoordinator(Settings settings) {
    String gateway = gatewayAddress(lab);
    SiteConfigs.Host p = new SiteConfigs.Host(primary.name(), primary.labAddress());
    SiteConfigs.Host s = new SiteConfigs.Host(standby.name(), standby.labAddress(),
        vmwareStandby == null ? LabHost.LIBVIRT_PORT : VmwareSimulatorHost.SDK_PORT);
    Path file = workDir.resolve("coordinator.yaml");
    int httpPort;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      httpPort = free.getLocalPort();
      String yaml = SiteConfigs.coordinator(gateway, httpPort, p, s, guests, settings.rpoSeconds(),
          settings.bootTimeoutSeconds());
      if (settings.adminPassword() != null) {
        yaml += SiteConfigs.users(settings.adminPassword(), settings.viewerPassword());
      }
      Files.writeString(file, yaml, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new LabException("lab site: cannot write " + file + ": " + e.getMessage(), e);
    }
    coordinator = SiteCoordinator.start(file, httpPort);
    adminPassword = settings.adminPassword();
    coordinatorConfig = file;
    coordinatorHttpPort = httpPort;
    coordinatorPort = coordinator.port();
  }

  /**
   * Stops the coordinator as if its process died (its Vert.x instance is closed); its journal stays, the agents keep
   * running and keep trying to reach it. {@link #coordinator()} is null until {@link #restartCoordinator()}.
   */
  public void stopCoordinator() {
    if (coordinator != null) {
      SiteCoordinator stopping = coordinator;
      coordinator = null;
      stopping.close();
    }
  }

  /**
   * Starts a new coordinator on the stopped one's configuration, journal, agent port and HTTP port, so the agents
   * relink to it; returns it.
   */
  public SiteCoordinator restartCoordinator() {
    if (coordinator != null) {
      throw new IllegalStateException("lab site: the coordinator runs; stop it first");
    }
    try {
      String yaml = Files.readString(coordinatorConfig, StandardCharsets.UTF_8);
      Files.writeString(coordinatorConfig, SiteConfigs.withAgentPort(yaml, coordinatorPort), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new LabException("lab site: cannot rewrite " + coordinatorConfig + ": " + e.getMessage(), e);
    }
    coordinator = SiteCoordinator.start(coordinatorConfig, coordinatorHttpPort);
    return coordinator;
  }

  /**
   * A REST client of the coordinator ({@code http://127.0.0.1:<port>}), logged in as {@value #ADMIN_USER}; the site
   * must have been started {@link Settings#withAdmin with an admin}.
   */
  public LifeboatClient adminClient() {
    if (adminPassword == null) {
      throw new IllegalStateException("lab site: started without an admin; use Settings.withAdmin");
    }
    LifeboatClient client = new LifeboatClient(URI.create("http://127.0.0.1:" + coordinatorHttpPort));
    client.login(ADMIN_USER, adminPassword.toCharArray());
    return client;
  }

  /**
   * Copies the classpath, the site secret and the agent configuration (pushes capped at {@code replicationLimit}
   * unless it is null) into the host.
   */
  private void installAgent(LabHost host, String replicationLimit) {
    LabHost peer = host == primary ? standby : primary;
    // A fresh site starts from empty agent state: a host killed at the end of an earlier site (and restarted by the
    // lab since) still holds that site's epoch and would refuse this site's new coordinator as stale (I3).
    host.execOk("rm", "-rf", "/var/lib/lifeboat/agent", SiteConfigs.STORE_DIR, SiteConfigs.RECOVERED_DIR);
    classpath.installInto(host);
    try {
      host.writeFile(SiteConfigs.SECRET_FILE, Files.readAllBytes(workDir.resolve("site.secret")));
    } catch (IOException e) {
      throw new LabException("lab site: cannot read " + workDir.resolve("site.secret") + ": " + e.getMessage(), e);
    }
    host.execOk("chmod", "600", SiteConfigs.SECRET_FILE);
    String driver = SiteConfigs.LIBVIRT_DRIVER;
    if (host == standby && vmwareStandby != null) {
      host.writeFile(VMWARE_PASSWORD_FILE, vmwareStandby.password().getBytes(StandardCharsets.UTF_8));
      host.execOk("chmod", "600", VMWARE_PASSWORD_FILE);
      driver = SiteConfigs.vmwareDriver("https://127.0.0.1:" + VmwareSimulatorHost.SDK_PORT + "/sdk",
          vmwareStandby.username(), VMWARE_PASSWORD_FILE, VmwareSimulatorOptions.DATASTORE,
          VmwareSimulatorHost.DATASTORE_DIR);
    }
    String yaml = SiteConfigs.agent(new SiteConfigs.Host(host.name(), host.labAddress()),
        new SiteConfigs.Host(peer.name(), peer.labAddress()), coordinator.listenHost(), coordinator.port(),
        // Both hosts run a store: the standby's takes the restore points, the primary's a failback's (ADR 0022).
        host == primary ? guests : List.of(), true, driver)
        + (replicationLimit == null ? "" : SiteConfigs.replication(replicationLimit));
    host.writeFile(SiteConfigs.AGENT_CONFIG, yaml.getBytes(StandardCharsets.UTF_8));
  }

  /** Starts the host's agent detached (a no-op while one runs); its output goes to {@value #AGENT_LOG}. */
  public void startAgent(LabHost host) {
    if (agentRunning(host)) {
      return;
    }
    host.execOk("sh", "-c", "mkdir -p /var/log && setsid nohup java " + AGENT_JVM_OPTIONS + " -cp '"
        + classpath.classpathInHost() + "' " + AGENT_MAIN + " --config " + SiteConfigs.AGENT_CONFIG + " >>"
        + AGENT_LOG + " 2>&1 </dev/null & echo $! > " + AGENT_PID);
  }

  /** Whether the host's agent process runs. */
  public boolean agentRunning(LabHost host) {
    return host.running()
        && host.exec("sh", "-c", "test -s " + AGENT_PID + " && kill -0 $(cat " + AGENT_PID + ")").getExitCode() == 0;
  }

  /** Stops the host's agent (SIGTERM; its shutdown hook closes the links) if it runs. */
  public void stopAgent(LabHost host) {
    if (agentRunning(host)) {
      host.exec("sh", "-c", "kill $(cat " + AGENT_PID + ") && rm -f " + AGENT_PID);
    }
  }

  /** The host's agent log so far ("" when there is none); readable on a killed host too. */
  public String agentLog(LabHost host) {
    try {
      return new String(host.readFile(AGENT_LOG), StandardCharsets.UTF_8);
    } catch (LabException e) {
      return "";
    }
  }

  /** Both agents' logs, for a failure report. */
  public String agentLogs() {
    StringBuilder out = new StringBuilder();
    for (LabHost h : List.of(primary, standby)) {
      out.append("---- ").append(h.name()).append(' ').append(AGENT_LOG).append(" ----\n").append(agentLog(h));
    }
    return out.toString();
  }

  /** The lab the site runs in. */
  public Lab lab() {
    return lab;
  }

  /** hostA, where the guests run first. */
  public LabHost primary() {
    return primary;
  }

  /** hostB, which holds the restore points and takes the guests over. */
  public LabHost standby() {
    return standby;
  }

  /** The protected guests. */
  public List<SiteGuest> guests() {
    return guests;
  }

  /** The coordinator. */
  public SiteCoordinator coordinator() {
    return coordinator;
  }

  /** The directory on the standby where failed-over guests' disks and serial logs are written. */
  public String recoveredDir() {
    return SiteConfigs.RECOVERED_DIR;
  }

  /**
   * The guest's marker on the serial console of its copy on the standby (the file its running domain's first serial
   * port writes to), or null when no copy runs there or it printed none yet.
   */
  public TestGuest.Identity markerOnStandby(SiteGuest g) {
    ExecResult xml = standby.exec("virsh", "-c", "qemu:///system", "dumpxml", g.name());
    if (xml.getExitCode() != 0) {
      return null;
    }
    Matcher source = SERIAL_FILE.matcher(xml.getStdout());
    if (!source.find()) {
      throw new LabException("lab site: guest " + g.name() + " on " + standby.name()
          + " has no file-backed serial port: " + xml.getStdout().replace('\n', ' '));
    }
    ExecResult log = standby.exec("cat", source.group(1));
    TestGuest.Identity id = log.getExitCode() == 0 ? TestGuest.parseMarker(log.getStdout()) : null;
    return id != null && id.name().equals(g.name()) ? id : null;
  }

  /** What the standby holds for failed-over guests: its domains and the files under the recovery directory. */
  public String standbyGuestFiles() {
    return standby.exec("sh", "-c", "virsh -c qemu:///system list --all; ls -la " + SiteConfigs.RECOVERED_DIR)
        .getStdout();
  }

  /** The bytes in the standby's store directory. */
  public long standbyStoreBytes() {
    ExecResult r = standby.exec("du", "-sb", SiteConfigs.STORE_DIR);
    return r.getExitCode() == 0 ? Long.parseLong(r.getStdout().split("\\s+")[0]) : 0;
  }

  /** Whether the coordinator sees both hosts UP. */
  public static boolean bothHostsUp(CoordinatorState state, LabSite site) {
    return state.hostHealth(site.primary.name()).orElse(null) == HostHealth.HOST_HEALTH_UP
        && state.hostHealth(site.standby.name()).orElse(null) == HostHealth.HOST_HEALTH_UP;
  }

  /** Whether every guest is in {@code wanted} in the coordinator's state. */
  public boolean everyGuest(CoordinatorState state, GuestState wanted) {
    return guests.stream().allMatch(g -> state.guest(g.id()).map(e -> e.state() == wanted).orElse(false));
  }

  /** An enum constant without its type prefix, e.g. {@code FAILED_OVER} for {@code GUEST_STATE_FAILED_OVER}. */
  static String shortName(Enum<?> value) {
    String name = value.name();
    for (String prefix : List.of("GUEST_STATE_", "HOST_HEALTH_", "FAILOVER_STEP_")) {
      if (name.startsWith(prefix)) {
        return name.substring(prefix.length());
      }
    }
    return name;
  }

  /** The lab network's gateway: this machine's address on the lab network, where the coordinator listens. */
  public static String gatewayAddress(Lab lab) {
    Network network = DockerClientFactory.instance().client().inspectNetworkCmd().withNetworkId(lab.networkId())
        .exec();
    return network.getIpam().getConfig().stream().map(Network.Ipam.Config::getGateway)
        .filter(g -> g != null && !g.isBlank() && !g.contains(":")).findFirst()
        .orElseThrow(() -> new LabException("lab " + lab.runId() + ": network " + lab.networkName()
            + " has no IPv4 gateway"));
  }

  /**
   * Stops the agents and the coordinator, and removes from running hosts what the site put there (the guests'
   * domains, the agents' state, store, configuration and classpath), so a shared lab is clean for the next test.
   */
  @Override
  public void close() {
    RuntimeException failure = null;
    for (LabHost h : List.of(primary, standby)) {
      try {
        stopAgent(h);
        if (h.running()) {
          StringBuilder clean = new StringBuilder();
          for (SiteGuest g : guests) {
            clean.append("virsh -c qemu:///system destroy '").append(g.name()).append("' >/dev/null 2>&1; ")
                .append("virsh -c qemu:///system undefine '").append(g.name()).append("' >/dev/null 2>&1; ");
          }
          clean.append("rm -rf /var/lib/lifeboat/agent ").append(SiteConfigs.STORE_DIR).append(' ')
              .append(SiteConfigs.RECOVERED_DIR).append(" /etc/lifeboat ").append(AgentClasspath.IN_HOST)
              .append("; true");
          h.exec("sh", "-c", clean.toString());
        }
      } catch (RuntimeException e) {
        failure = failure == null ? e : failure;
      }
    }
    if (coordinator != null) {
      try {
        coordinator.close();
      } catch (RuntimeException e) {
        failure = failure == null ? e : failure;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
