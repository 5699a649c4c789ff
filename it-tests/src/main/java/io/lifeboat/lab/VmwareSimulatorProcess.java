package io.lifeboat.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The VI API simulator running as a local process on 127.0.0.1, for tests that need no lab container.
 */
public final class VmwareSimulatorProcess implements VmwareSimulator {

    /** Start of the line the simulator prints on stdout once it serves requests. */
    static final String READY_MARKER = "VCSIM READY ";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final URI sdkUrl;
    private final Path datastoreDir;
    private final VmwareSimulatorOptions options;
    private boolean deleteDatastoreOnClose;

    private VmwareSimulatorProcess(Process process, URI sdkUrl, Path datastoreDir, VmwareSimulatorOptions options) {
        this.process = process;
        this.sdkUrl = sdkUrl;
        this.datastoreDir = datastoreDir;
        this.options = options;
    }

    /** Starts the simulator with its datastore in a new temporary directory, which {@link #close()} deletes. */
    public static VmwareSimulatorProcess startWithTemporaryDatastore(Path binary, VmwareSimulatorOptions options) {
        Path dir;
        try {
            dir = Files.createTempDirectory("lifeboat-vcsim-");
        } catch (IOException e) {
            throw new UncheckedIOException("creating a temporary datastore directory: " + e.getMessage(), e);
        }
        VmwareSimulatorProcess simulator = start(binary, options, dir);
        simulator.deleteDatastoreOnClose = true;
        return simulator;
    }

    /** Starts the simulator on a free loopback port with its datastore in {@code datastoreDir}, and waits until it serves. */
    public static VmwareSimulatorProcess start(Path binary, VmwareSimulatorOptions options, Path datastoreDir) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(options.arguments("127.0.0.1:0", datastoreDir.toAbsolutePath().toString()));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new UncheckedIOException("starting the VI API simulator " + binary + ": " + e.getMessage(), e);
        }
        CompletableFuture<URI> ready = CompletableFuture.supplyAsync(() -> readReadyLine(process));
        try {
            URI url = ready.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return new VmwareSimulatorProcess(process, url, datastoreDir, options);
        } catch (TimeoutException | ExecutionException e) {
            process.destroyForcibly();
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("VI API simulator " + binary + " did not become ready within "
                    + START_TIMEOUT.toSeconds() + " s: " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the VI API simulator", e);
        }
    }

    private static URI readReadyLine(Process process) {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        try {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith(READY_MARKER)) {
                    URI url = URI.create(line.substring(READY_MARKER.length()).split(" ", 2)[0]);
                    drain(out);
                    return url;
                }
            }
            throw new IllegalStateException("the simulator exited with " + process.waitFor() + " before it was ready");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Keeps reading stdout so that the simulator never blocks on a full pipe. */
    private static void drain(BufferedReader out) {
        Thread drainer = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // discard
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "vcsim-stdout");
        drainer.setDaemon(true);
        drainer.start();
    }

    @Override
    public URI sdkUrl() {
        return sdkUrl;
    }

    /** The directory that holds the datastore's VM folders. */
    public Path datastoreDir() {
        return datastoreDir;
    }

    @Override
    public VmwareSimulatorOptions options() {
        return options;
    }

    @Override
    public void writeDatastoreFile(String relativePath, byte[] content) {
        Path file = resolve(relativePath);
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String readDatastoreFile(String relativePath) {
        Path file = resolve(relativePath);
        try {
            return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean datastoreFileExists(String relativePath) {
        return Files.exists(resolve(relativePath));
    }

    private Path resolve(String relativePath) {
        Path root = datastoreDir.toAbsolutePath().normalize();
        Path file = root.resolve(relativePath).normalize();
        if (!file.startsWith(root) || file.equals(root)) {
            throw new IllegalArgumentException("datastore path " + relativePath + " is outside " + root);
        }
        return file;
    }

    /** Stops the simulator (SIGTERM, then SIGKILL after 5 s). */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        if (deleteDatastoreOnClose) {
            deleteTree(datastoreDir);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("deleting the temporary datastore " + root + ": " + e.getMessage(), e);
        }
    }
}
