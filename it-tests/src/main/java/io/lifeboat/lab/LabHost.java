package io.lifeboat.lab;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.ContainerState;
import org.testcontainers.images.builder.Transferable;

/**
 * One lab hypervisor host: a container running libvirtd (TCP port published on 127.0.0.1, no auth), virtlogd and
 * sshd, on the lab network under its own name. Everything is read from Docker on demand, so a host found by label in
 * another process works the same, and ports are right again after a restart.
 */
public final class LabHost implements ContainerState {
  /** sshd's port inside the container. */
  public static final int SSH_PORT = 22;
  /** libvirtd's TCP port inside the container. */
  public static final int LIBVIRT_PORT = 16509;
  /** Where test guests live on a host. */
  public static final String GUESTS_DIR = "/var/lib/lifeboat/guests";

  private final DockerClient docker;
  private final String name;
  private final String containerId;
  private final String networkName;

  LabHost(DockerClient docker, String name, String containerId, String networkName) {
    this.docker = docker;
    this.name = name;
    this.containerId = containerId;
    this.networkName = networkName;
  }

  /** The host's stable name ({@code hostA}, …), also its DNS name on the lab network. */
  public String name() {
    return name;
  }

  @Override
  public String getContainerId() {
    return containerId;
  }

  @Override
  public InspectContainerResponse getContainerInfo() {
    return docker.inspectContainerCmd(containerId).exec();
  }

  @Override
  public List<Integer> getExposedPorts() {
    return List.of(SSH_PORT, LIBVIRT_PORT);
  }

  /** Whether the container runs (false after {@code kill}). */
  public boolean running() {
    return Boolean.TRUE.equals(getContainerInfo().getState().getRunning());
  }

  /** Whether the host is attached to the lab network (false after {@code partition}). */
  public boolean connected() {
    Map<String, ContainerNetwork> networks = getContainerInfo().getNetworkSettings().getNetworks();
    return networks != null && networks.containsKey(networkName);
  }

  /** RUNNING, PARTITIONED or KILLED. */
  public String state() {
    InspectContainerResponse info = getContainerInfo();
    if (!Boolean.TRUE.equals(info.getState().getRunning())) {
      return "KILLED";
    }
    Map<String, ContainerNetwork> networks = info.getNetworkSettings().getNetworks();
    return networks != null && networks.containsKey(networkName) ? "RUNNING" : "PARTITIONED";
  }

  /** The host's IP address on the lab network, or null while partitioned or killed. */
  public String labAddress() {
    Map<String, ContainerNetwork> networks = getContainerInfo().getNetworkSettings().getNetworks();
    ContainerNetwork net = networks == null ? null : networks.get(networkName);
    return net == null || net.getIpAddress() == null || net.getIpAddress().isEmpty() ? null : net.getIpAddress();
  }

  /** The address the test JVM reaches published ports on. */
  public String publishedHost() {
    return "127.0.0.1";
  }

  /** The published sshd port on 127.0.0.1 (changes when the host restarts). */
  public int sshPort() {
    return publishedPort(SSH_PORT);
  }

  /** The published libvirtd TCP port on 127.0.0.1 (changes when the host restarts). */
  public int libvirtPort() {
    return publishedPort(LIBVIRT_PORT);
  }

  /** The libvirt URI for this host from the test JVM, e.g. {@code qemu+tcp://127.0.0.1:32768/system}. */
  public String libvirtUri() {
    return "qemu+tcp://" + publishedHost() + ":" + libvirtPort() + "/system";
  }

  /** The libvirt URI for this host from another lab host, over the lab network. */
  public String libvirtUriInLab() {
    return "qemu+tcp://" + name + ":" + LIBVIRT_PORT + "/system";
  }

  private int publishedPort(int containerPort) {
    Ports.Binding[] bindings = getContainerInfo().getNetworkSettings().getPorts().getBindings()
        .get(ExposedPort.tcp(containerPort));
    if (bindings == null || bindings.length == 0) {
      throw new LabException("lab host " + name + ": port " + containerPort + " not published (host " + state() + ")");
    }
    return Integer.parseInt(bindings[0].getHostPortSpec());
  }

  /** Runs a command in the host; the result carries exit code, stdout and stderr. */
  public ExecResult exec(String... command) {
    try {
      return execInContainer(command);
    } catch (IOException e) {
      throw new LabException("lab host " + name + ": exec " + String.join(" ", command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LabException("lab host " + name + ": exec " + String.join(" ", command) + " interrupted", e);
    }
  }

  /** Runs a command that must succeed and returns its stdout. */
  public String execOk(String... command) {
    ExecResult result = exec(command);
    if (result.getExitCode() != 0) {
      throw new LabException("lab host " + name + ": " + String.join(" ", command) + " exited with "
          + result.getExitCode() + ": " + result.getStderr().strip());
    }
    return result.getStdout();
  }

  /** Runs {@code virsh -c qemu:///system ARGS} in the host; it must succeed. */
  public String virsh(String... args) {
    String[] command = new String[args.length + 3];
    command[0] = "virsh";
    command[1] = "-c";
    command[2] = "qemu:///system";
    System.arraycopy(args, 0, command, 3, args.length);
    return execOk(command);
  }

  /** Whether libvirtd answers inside the host. */
  public boolean libvirtReady() {
    return exec("virsh", "-c", "qemu:///system", "version").getExitCode() == 0;
  }

  /** Writes a file into the host (parent directories are created); works while the host runs. */
  public void writeFile(String path, byte[] content) {
    copyFileToContainer(Transferable.of(content, 0644), path);
  }

  /** Reads a whole file from the host; works on a killed host too. */
  public byte[] readFile(String path) {
    try {
      return copyFileFromContainer(path, InputStream::readAllBytes);
    } catch (RuntimeException e) {
      throw new LabException("lab host " + name + ": cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  /** The directory of a guest on this host. */
  public String guestDir(String guest) {
    return GUESTS_DIR + "/" + TestGuest.checkName(guest);
  }

  /** The path of a guest's boot disk (the vmdk the domain boots). */
  public String guestDisk(String guest) {
    return guestDir(guest) + "/" + guest + ".vmdk";
  }

  /** The path of a guest's serial log. */
  public String serialLogPath(String guest) {
    return guestDir(guest) + "/serial.log";
  }

  /** The path of a guest's domain XML. */
  public String domainXmlPath(String guest) {
    return guestDir(guest) + "/domain.xml";
  }

  /**
   * Creates a test guest's files on this host: the raw disk written by {@link TestGuest}, converted with
   * {@code qemu-img convert -O vmdk -o subformat=…,adapter_type=…}, and its domain XML. A streamOptimized disk is kept
   * as {@code <name>-stream.vmdk} and converted to monolithicSparse for booting.
   */
  public void installGuest(GuestSpec spec) {
    String dir = guestDir(spec.name());
    String raw = dir + "/" + spec.name() + ".raw";
    execOk("rm", "-rf", dir);
    writeFile(raw, TestGuest.rawImage(spec.name(), spec.generation(), TestGuest.DEFAULT_SIZE_BYTES));
    String disk = guestDisk(spec.name());
    if (spec.subformat() == VmdkSubformat.STREAM_OPTIMIZED) {
      String stream = dir + "/" + spec.name() + "-stream.vmdk";
      convert(raw, "raw", stream, VmdkSubformat.STREAM_OPTIMIZED, spec.bus());
      convert(stream, "vmdk", disk, VmdkSubformat.MONOLITHIC_SPARSE, spec.bus());
    } else {
      convert(raw, "raw", disk, spec.subformat(), spec.bus());
    }
    execOk("rm", "-f", raw);
    writeFile(domainXmlPath(spec.name()),
        GuestDomainXml.render(spec, disk, serialLogPath(spec.name())).getBytes(StandardCharsets.UTF_8));
  }

  /** Writes a data disk with the known pattern of {@code seed} to {@code path}, as raw or converted to a vmdk. */
  public void createDataDisk(String path, long seed, int sizeBytes, VmdkSubformat subformat) {
    if (subformat == null) {
      writeFile(path, DataDisk.image(seed, sizeBytes));
      return;
    }
    String raw = path + ".raw";
    writeFile(raw, DataDisk.image(seed, sizeBytes));
    convert(raw, "raw", path, subformat, DiskBus.SCSI);
    execOk("rm", "-f", raw);
  }

  private void convert(String from, String fromFormat, String to, VmdkSubformat subformat, DiskBus bus) {
    execOk("qemu-img", "convert", "-f", fromFormat, "-O", "vmdk", "-o",
        "subformat=" + subformat.qemuName() + ",adapter_type=" + bus.vmdkAdapter(), from, to);
  }

  /**
   * Increments the generation on a (stopped) guest's boot disk in place, whatever its subformat: the data sector is
   * read with {@code qemu-img dd}, changed by {@link TestGuest#bumpGeneration(byte[])} and written back with
   * {@code qemu-io}. The guest's next boot prints the new marker.
   */
  public TestGuest.Identity bumpGeneration(String guest) {
    String disk = guestDisk(guest);
    String head = guestDir(guest) + "/.head.raw";
    String sector = guestDir(guest) + "/.sector.raw";
    execOk("qemu-img", "dd", "-f", "vmdk", "-O", "raw", "bs=512", "count=2", "if=" + disk, "of=" + head);
    byte[] first = readFile(head);
    TestGuest.Identity bumped = TestGuest.bumpGeneration(first);
    writeFile(sector, Arrays.copyOfRange(first, TestGuest.SECTOR, 2 * TestGuest.SECTOR));
    execOk("qemu-io", "-f", "vmdk", "-c", "write -s " + sector + " 512 512", disk);
    execOk("rm", "-f", head, sector);
    return bumped;
  }

  /** Starts the guest as a transient domain ({@code virsh create}), with an empty serial log. */
  public void startGuest(String guest) {
    execOk("sh", "-c", ": > '" + serialLogPath(guest) + "'");
    virsh("create", domainXmlPath(guest));
  }

  /** Hard-stops the guest ({@code virsh destroy}). */
  public void destroyGuest(String guest) {
    virsh("destroy", guest);
  }

  /** The names of the running domains. */
  public List<String> runningGuests() {
    return Arrays.stream(virsh("list", "--name").split("\n")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  /** The guest's serial log so far ("" when there is none yet). */
  public String serialLog(String guest) {
    ExecResult r = exec("cat", serialLogPath(guest));
    return r.getExitCode() == 0 ? r.getStdout() : "";
  }

  /** Waits until the guest's marker line appears in its serial log and returns what it says. */
  public TestGuest.Identity awaitMarker(String guest, Duration timeout) {
    AtomicReference<String> last = new AtomicReference<>("");
    try {
      return Awaitility.await("marker of " + guest + " on " + name)
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> {
            String log = serialLog(guest);
            last.set(log);
            return TestGuest.parseMarker(log);
          }, identity -> identity != null);
    } catch (ConditionTimeoutException e) {
      throw new LabException("lab host " + name + ": no marker from guest " + guest + " in " + serialLogPath(guest)
          + " within " + timeout + "; log so far: " + last.get().strip(), e);
    }
  }

  @Override
  public String toString() {
    return "LabHost[" + name + " " + containerId.substring(0, Math.min(12, containerId.length())) + "]";
  }
}
