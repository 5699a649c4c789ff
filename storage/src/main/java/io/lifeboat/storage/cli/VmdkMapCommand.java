package io.lifeboat.storage.cli;

import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.ImageRange;
import io.lifeboat.storage.vmdk.VmdkImage;
import io.lifeboat.storage.vmdk.VmdkMapEntry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code lifeboat vmdk map FILE}: the image's ranges with the fields and meaning of {@code qemu-img map
 * --output=json} (start, length, depth, present, zero, data, offset), adjacent equal ranges merged.
 */
@Command(name = "map", description = "List a disk image's ranges as qemu-img map does: start, length, depth, "
        + "present, zero, data and (for stored, uncompressed data) the offset in the extent file.")
public final class VmdkMapCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The VMDK (descriptor or sparse file) or raw image.")
    Path file;

    @Option(names = "--json", description = "Print one JSON array.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<VmdkMapEntry> entries;
        try (DiskImage img = VmdkImageFiles.open(file)) {
            entries = entries(img);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(toJson(entries).encode());
        } else {
            out.printf("%-20s %-20s %-5s %-5s %-5s %-20s %s%n", "start", "length", "depth", "data", "zero", "offset",
                    "file");
            for (VmdkMapEntry e : entries) {
                out.printf("%-20d %-20d %-5d %-5s %-5s %-20s %s%n", e.start(), e.length(), e.depth(), e.data(),
                        e.zero(), e.hasOffset() ? Long.toString(e.offset()) : "-", e.file() == null ? "-" : e.file());
            }
        }
        out.flush();
        return 0;
    }

    /** The map entries of an opened image: the detailed map of a VMDK, the hole map of a raw file. */
    static List<VmdkMapEntry> entries(DiskImage img) throws IOException {
        if (img instanceof VmdkImage) {
            return ((VmdkImage) img).detailedMap();
        }
        List<VmdkMapEntry> out = new ArrayList<>();
        String name = String.valueOf(img.path().getFileName());
        for (ImageRange r : img.map()) {
            // As qemu-img reports a raw file: every byte is present at its own offset; holes read as zeros.
            out.add(new VmdkMapEntry(r.start(), r.length(), 0, true, r.data(), r.zero(), r.start(), name));
        }
        return out;
    }

    /** The entries as the JSON array {@code --json} prints. */
    static JsonArray toJson(List<VmdkMapEntry> entries) {
        JsonArray a = new JsonArray();
        for (VmdkMapEntry e : entries) {
            JsonObject o = new JsonObject()
                    .put("start", e.start())
                    .put("length", e.length())
                    .put("depth", e.depth())
                    .put("present", e.present())
                    .put("zero", e.zero())
                    .put("data", e.data());
            if (e.hasOffset()) {
                o.put("offset", e.offset());
            }
            a.add(o);
        }
        return a;
    }
}
