package io.lifeboat.coordinator.bench.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child JVM on this JVM's class path, driven by lines: what it prints on stdout arrives as {@link Line}s stamped
 * with this process's monotonic clock when read (and is copied to {@code NAME.out}); its stderr goes to {@code
 * NAME.err}; lines written to its stdin are its control channel. Closing it asks it to quit, then destroys it.
 */
public final class ChildProcess implements AutoCloseable {

    /** One stdout line and when it was read ({@link System#nanoTime()}). */
    public record Line(String text, long receivedNanos) {
    }

    private static final Line EOF = new Line("", 0);

    private final String name;
    private final Process process;
    private final PrintWriter stdin;
    private final BlockingQueue<Line> lines = new LinkedBlockingQueue<>();
    private final Thread reader;
    private final Path errFile;

    private ChildProcess(String name, Process process, Path outFile, Path errFile) {
        this.name = name;
        this.process = process;
        this.errFile = errFile;
        this.stdin = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        this.reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8)); Writer copy = Files.newBufferedWriter(outFile, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)) {
                String text;
                while ((text = in.readLine()) != null) {
                    lines.add(new Line(text, System.nanoTime()));
                    copy.write(text);
                    copy.write('\n');
                    copy.flush();
                }
            } catch (IOException e) {
                // The child went away; EOF below tells the waiters.
            } finally {
                lines.add(EOF);
            }
        }, "lifeboat-bench-" + name + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code java JVM_OPTIONS -cp <this class path> MAIN ARGS} in {@code dir}.
     *
     * @param name names the child in errors and its log files ({@code dir/NAME.out}, {@code dir/NAME.err})
     */
    public static ChildProcess start(String name, Path dir, List<String> jvmOptions, Class<?> main, List<String> args)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(args);
        Path err = dir.resolve(name + ".err");
        Process process = new ProcessBuilder(command).directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.to(err.toFile())).start();
        return new ChildProcess(name, process, dir.resolve(name + ".out"), err);
    }

    /** The child's process id. */
    public long pid() {
        return process.pid();
    }

    /** Writes one control line to the child's stdin. */
    public void send(String line) {
        stdin.println(line);
    }

    /**
     * Waits for the next stdout line that {@code wanted} accepts, skipping others.
     *
     * @throws IOException naming the child and what was awaited, when it exits or the time runs out first
     */
    public Line await(String what, Predicate<String> wanted, long timeoutNanos) throws IOException,
            InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            long left = deadline - System.nanoTime();
            Line line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new IOException(name + " (pid " + pid() + "): no '" + what + "' within "
                        + timeoutNanos / 1_000_000_000L + " s" + lastError());
            }
            if (line == EOF) {
                lines.add(EOF);
                throw new IOException(name + " (pid " + pid() + ") exited before '" + what + "'"
                        + exitCode() + lastError());
            }
            if (wanted.test(line.text())) {
                return line;
            }
        }
    }

    private String exitCode() {
        try {
            return process.waitFor(2, TimeUnit.SECONDS) ? " with status " + process.exitValue() : "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private String lastError() {
        try {
            List<String> err = Files.readAllLines(errFile, StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.isBlank()).toList();
            return err.isEmpty() ? "" : "; its stderr (" + errFile + ") ends: " + err.get(err.size() - 1).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** Asks the child to quit, waits up to 15 s, then destroys it. */
    @Override
    public void close() {
        if (process.isAlive()) {
            send("quit");
            stdin.close();
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
