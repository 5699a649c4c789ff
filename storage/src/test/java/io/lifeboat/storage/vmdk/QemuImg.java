package io.lifeboat.storage.vmdk;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs qemu-img and qemu-io, the reference implementation the image engine is compared with in tests. */
public final class QemuImg {

    /** The outcome of one run. */
    public record Result(int exitCode, String stdout, String stderr) {
    }

    private QemuImg() {
    }

    /** Runs {@code command}, failing the test if it does not finish within a minute. */
    public static Result run(String... command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            Path err = java.nio.file.Files.createTempFile("qemu", ".err");
            pb.redirectError(err.toFile());
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timeout: " + String.join(" ", command));
            }
            String stderr = java.nio.file.Files.readString(err);
            java.nio.file.Files.delete(err);
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), stderr);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code command} and returns its stdout, failing the test on a non-zero exit. */
    public static String ok(String... command) {
        Result r = run(command);
        if (r.exitCode() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited " + r.exitCode() + ": " + r.stderr()
                    + r.stdout());
        }
        return r.stdout();
    }

    /** {@code qemu-img map --output=json} of {@code file}, as map entries (file names are not compared). */
    public static List<VmdkMapEntry> map(Path file) {
        JsonArray a = new JsonArray(ok("qemu-img", "map", "--output=json", file.toString()));
        List<VmdkMapEntry> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            JsonObject o = a.getJsonObject(i);
            out.add(new VmdkMapEntry(o.getLong("start"), o.getLong("length"), o.getInteger("depth"),
                    o.getBoolean("present", true), o.getBoolean("data"), o.getBoolean("zero"),
                    o.containsKey("offset") ? o.getLong("offset") : -1, null));
        }
        return out;
    }

    /** Our detailed map with file names dropped, for comparison with {@link #map(Path)}. */
    public static List<VmdkMapEntry> withoutFiles(List<VmdkMapEntry> entries) {
        List<VmdkMapEntry> out = new ArrayList<>();
        for (VmdkMapEntry e : entries) {
            out.add(new VmdkMapEntry(e.start(), e.length(), e.depth(), e.present(), e.data(), e.zero(), e.offset(),
                    null));
        }
        return out;
    }
}
