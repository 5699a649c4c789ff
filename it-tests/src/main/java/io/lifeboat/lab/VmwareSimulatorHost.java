package io.lifeboat.lab;

import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Volume;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.images.builder.Transferable;

/**
 * A lab host that stands for a VMware host: the VI API simulator serving {@code https://NAME:8333/sdk} beside the lab
 * host's sshd, with its datastore in {@link #DATASTORE_DIR}, reachable over SFTP.
 */
public final class VmwareSimulatorHost implements VmwareSimulator {

    /** The VI API's HTTPS port inside the lab, as on VMware Server 2. */
    public static final int SDK_PORT = 8333;
    /** The datastore's directory on the host; {@code [datastore1] vm0/vm0.vmx} is {@code DATASTORE_DIR/vm0/vm0.vmx}. */
    public static final String DATASTORE_DIR = "/var/lib/vmware/datastore1";
    /** The simulator's log on the host. */
    public static final String LOG_FILE = "/var/log/vcsim.log";

    private static final String BINARY = "/usr/local/bin/vcsim";
    private static final String ENTRYPOINT = "/usr/local/sbin/vcsim-host-entrypoint";
    private static final String LAB_ENTRYPOINT = "/usr/local/sbin/lab-entrypoint";
    private static final Duration SDK_READY_TIMEOUT = Duration.ofSeconds(60);

    private final LabHost host;
    private final VmwareSimulatorOptions options;

    private VmwareSimulatorHost(LabHost host, VmwareSimulatorOptions options) {
        this.host = host;
        this.options = options;
    }

    /**
     * Starts a lab host named {@code name} from the lab's image with the simulator binary (built if needed) copied in,
     * and waits until its VI API answers. The lab removes the host in {@link Lab#down()}.
     */
    public static VmwareSimulatorHost start(Lab lab, String name, VmwareSimulatorOptions options) {
        Path binary = VmwareSimulatorBinary.locate().ensureBuilt();
        LabHost host = lab.startHost(name, container -> customise(container, binary, options));
        VmwareSimulatorHost simulator = new VmwareSimulatorHost(host, options);
        simulator.awaitSdk();
        return simulator;
    }

    private static void customise(GenericContainer<?> container, Path binary, VmwareSimulatorOptions options) {
        container.withCopyToContainer(Transferable.of(entrypoint(options), 0755), ENTRYPOINT);
        container.addExposedPort(SDK_PORT);
        // Runs after the lab's own modifier (Testcontainers keeps their order), so the lab's bindings are kept.
        container.withCreateContainerCmdModifier(cmd -> {
            cmd.withEntrypoint(ENTRYPOINT);
            HostConfig hostConfig = cmd.getHostConfig();
            Ports ports = hostConfig.getPortBindings() == null ? new Ports() : hostConfig.getPortBindings();
            ports.bind(ExposedPort.tcp(SDK_PORT), Ports.Binding.bindIp("127.0.0.1"));
            hostConfig.withPortBindings(ports);
            // The binary is mounted read-only from the cache (the lab's engine is local, ADR 0004): copying 19 MB
            // through the Docker API for every host costs seconds; the mount also survives docker kill/start.
            List<Bind> binds = new ArrayList<>();
            if (hostConfig.getBinds() != null) {
                binds.addAll(List.of(hostConfig.getBinds()));
            }
            binds.add(new Bind(binary.toAbsolutePath().toString(), new Volume(BINARY), AccessMode.ro));
            hostConfig.withBinds(binds);
        });
    }

    /** The host's entrypoint: the simulator in the background, then the lab host's own entrypoint (sshd, libvirtd). */
    static String entrypoint(VmwareSimulatorOptions options) {
        String args = options.arguments("0.0.0.0:" + SDK_PORT, DATASTORE_DIR).stream()
                .map(VmwareSimulatorHost::shellQuote)
                .collect(Collectors.joining(" "));
        return "#!/bin/sh\n"
                + "# VMware host of the lab: the VI API simulator beside the lab host's services.\n"
                + "mkdir -p " + DATASTORE_DIR + "\n"
                + ": > " + LOG_FILE + "\n"
                + BINARY + " " + args + " >> " + LOG_FILE + " 2>&1 &\n"
                + "exec " + LAB_ENTRYPOINT + "\n";
    }

    private static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** Waits until the simulator has printed its ready line since the host (re)started, e.g. after {@link Lab#restart}. */
    public void awaitSdk() {
        try {
            Awaitility.await("VI API simulator on " + host.name())
                    .atMost(SDK_READY_TIMEOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> host.running()
                            && host.exec("grep", "-q", "VCSIM READY", LOG_FILE).getExitCode() == 0);
        } catch (ConditionTimeoutException e) {
            throw new LabException("VI API simulator host " + host.name() + ": not ready within "
                    + SDK_READY_TIMEOUT.toSeconds() + " s; " + LOG_FILE + ": " + log().strip(), e);
        }
    }

    /** The lab host the simulator runs on (SSH, exec, kill and partition go through the {@link Lab}). */
    public LabHost host() {
        return host;
    }

    /** The simulator's log so far. */
    public String log() {
        ExecResult r = host.exec("cat", LOG_FILE);
        return r.getExitCode() == 0 ? r.getStdout() : "(unreadable: " + r.getStderr().strip() + ")";
    }

    @Override
    public URI sdkUrl() {
        return URI.create("https://" + host.publishedHost() + ":" + publishedSdkPort() + "/sdk");
    }

    /** The VI API endpoint as other lab hosts reach it over the lab network. */
    public URI sdkUrlInLab() {
        return URI.create("https://" + host.name() + ":" + SDK_PORT + "/sdk");
    }

    private int publishedSdkPort() {
        Ports.Binding[] bindings = host.getContainerInfo().getNetworkSettings().getPorts().getBindings()
                .get(ExposedPort.tcp(SDK_PORT));
        if (bindings == null || bindings.length == 0) {
            throw new LabException("VI API simulator host " + host.name() + ": port " + SDK_PORT
                    + " not published (host " + host.state() + ")");
        }
        return Integer.parseInt(bindings[0].getHostPortSpec());
    }

    @Override
    public VmwareSimulatorOptions options() {
        return options;
    }

    @Override
    public void writeDatastoreFile(String relativePath, byte[] content) {
        String path = datastorePath(relativePath);
        String dir = path.substring(0, path.lastIndexOf('/'));
        ExecResult mkdir = host.exec("mkdir", "-p", dir);
        if (mkdir.getExitCode() != 0) {
            throw new LabException("VI API simulator host " + host.name() + ": mkdir " + dir + ": "
                    + mkdir.getStderr().strip());
        }
        host.copyFileToContainer(Transferable.of(content, 0644), path);
    }

    @Override
    public String readDatastoreFile(String relativePath) {
        String path = datastorePath(relativePath);
        ExecResult r = host.exec("sh", "-c", "test ! -e \"$1\" || od -An -v -tu1 \"$1\"", "sh", path);
        if (r.getExitCode() != 0) {
            throw new LabException("VI API simulator host " + host.name() + ": reading " + path + ": "
                    + r.getStderr().strip());
        }
        StringBuilder text = new StringBuilder();
        for (String b : r.getStdout().trim().split("\\s+")) {
            if (!b.isEmpty()) {
                text.append((char) Integer.parseInt(b));
            }
        }
        return text.toString();
    }

    @Override
    public boolean datastoreFileExists(String relativePath) {
        return host.exec("test", "-e", datastorePath(relativePath)).getExitCode() == 0;
    }

    private String datastorePath(String relativePath) {
        Path normal = Path.of(DATASTORE_DIR).resolve(relativePath).normalize();
        if (!normal.startsWith(DATASTORE_DIR) || normal.equals(Path.of(DATASTORE_DIR))) {
            throw new IllegalArgumentException("datastore path " + relativePath + " is outside " + DATASTORE_DIR);
        }
        return normal.toString().replace('\\', '/');
    }

    /** Does nothing: the host belongs to the lab, which removes it in {@link Lab#down()}. */
    @Override
    public void close() {
        // the lab owns the container
    }

    @Override
    public String toString() {
        return "VI API simulator host " + host.name() + " (" + options.product() + ")";
    }
}
