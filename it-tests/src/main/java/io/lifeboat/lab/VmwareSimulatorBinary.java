package io.lifeboat.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The VI API simulator's executable, built offline from {@code it-tests/src/main/go} when missing and cached by a hash of its sources.
 */
public final class VmwareSimulatorBinary {

    /** System property that names the simulator's Go source directory (the one holding {@code build.sh}). */
    public static final String SOURCE_PROPERTY = "lifeboat.vcsim.source";
    /** Environment variable that names the cache directory; the default is {@code ~/.cache/lifeboat}. */
    public static final String CACHE_ENV = "LIFEBOAT_CACHE";

    private static final long BUILD_TIMEOUT_MINUTES = 10;
    private static final List<Path> TOOLCHAIN_FILES = List.of(
            Path.of("/usr/lib/go/VERSION"),
            Path.of("/usr/share/doc/golang-github-vmware-govmomi-dev/changelog.Debian.gz"));

    private final Path sourceDir;
    private final Path cacheDir;

    private VmwareSimulatorBinary(Path sourceDir, Path cacheDir) {
        this.sourceDir = sourceDir;
        this.cacheDir = cacheDir;
    }

    /** The binary for the sources found from the working directory, in the default cache. */
    public static VmwareSimulatorBinary locate() {
        return new VmwareSimulatorBinary(findSourceDir(), defaultCacheDir());
    }

    /** The binary for the given sources, cached under the given directory. */
    public static VmwareSimulatorBinary of(Path sourceDir, Path cacheDir) {
        return new VmwareSimulatorBinary(sourceDir, cacheDir);
    }

    /** The directory of the simulator's Go sources. */
    public Path sourceDir() {
        return sourceDir;
    }

    /** Hex SHA-256 of the sources' relative paths and contents, Go's version and govmomi's Debian changelog: the cache key. */
    public String sourceHash() {
        Path root;
        try {
            root = sourceDir.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("VI API simulator sources " + sourceDir + ": " + e.getMessage(), e);
        }
        try (Stream<Path> files = Files.walk(root)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            List<Path> sorted = files.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".go") || p.getFileName().toString().equals("build.sh"))
                    .sorted()
                    .toList();
            for (Path file : sorted) {
                sha.update(root.relativize(file).toString().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(Files.readAllBytes(file));
                sha.update((byte) 0);
            }
            // The toolchain and the govmomi source are part of what the binary is built from.
            for (Path file : TOOLCHAIN_FILES) {
                if (Files.isRegularFile(file)) {
                    sha.update(file.toString().getBytes(StandardCharsets.UTF_8));
                    sha.update(Files.readAllBytes(file));
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("VI API simulator sources " + sourceDir + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** The path of the cached executable, built first if it is not there yet; concurrent JVMs build it once. */
    public Path ensureBuilt() {
        String hash = sourceHash().substring(0, 16);
        Path dir = cacheDir.resolve("vcsim").resolve(hash);
        Path binary = dir.resolve("vcsim");
        if (Files.isExecutable(binary)) {
            return binary;
        }
        try {
            Files.createDirectories(dir);
            try (FileChannel lockFile = FileChannel.open(dir.resolve(".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = lockFile.lock();
                try {
                    if (!Files.isExecutable(binary)) {
                        build(binary, dir.resolve("build.log"));
                    }
                } finally {
                    lock.release();
                }
            }
            return binary;
        } catch (IOException e) {
            throw new UncheckedIOException("building the VI API simulator into " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code go vet} and the simulator's Go unit tests; returns their output, throws when they fail. */
    public String runGoTests(Path log) {
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            runScript(log, "--test");
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Go tests of the VI API simulator in " + sourceDir + ": " + e.getMessage(), e);
        }
    }

    private void build(Path binary, Path log) throws IOException {
        runScript(log, binary.toString());
        if (!Files.isExecutable(binary)) {
            throw new IOException(sourceDir.resolve("build.sh") + " wrote no executable " + binary + " (log: " + log + ")");
        }
    }

    private void runScript(Path log, String argument) throws IOException {
        Path script = sourceDir.resolve("build.sh");
        Process process = new ProcessBuilder("sh", script.toString(), argument)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            if (!process.waitFor(BUILD_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IOException(script + " did not finish within " + BUILD_TIMEOUT_MINUTES + " minutes (log: " + log + ")");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + script, e);
        }
        if (process.exitValue() != 0) {
            String output = Files.readString(log, StandardCharsets.UTF_8).strip();
            String last = output.isEmpty() ? "no output" : output.lines().reduce((a, b) -> b).orElse("");
            throw new IOException(script + " exited with " + process.exitValue() + ": " + last + " (log: " + log + ")");
        }
    }

    private static Path findSourceDir() {
        String configured = System.getProperty(SOURCE_PROPERTY);
        if (configured != null) {
            return Path.of(configured).toAbsolutePath();
        }
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            for (Path candidate : List.of(d.resolve("src/main/go"), d.resolve("it-tests/src/main/go"))) {
                if (Files.isRegularFile(candidate.resolve("build.sh")) && Files.isDirectory(candidate.resolve("vcsim"))) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException("VI API simulator sources (it-tests/src/main/go/build.sh) not found above "
                + dir + "; set -D" + SOURCE_PROPERTY + "=DIR");
    }

    private static Path defaultCacheDir() {
        String env = System.getenv(CACHE_ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "lifeboat");
    }
}
