package io.lifeboat.storage.cli;

import io.lifeboat.storage.DiskImage;
import io.lifeboat.storage.ImageInfo;
import io.lifeboat.storage.ImageRange;
import io.lifeboat.storage.vmdk.VmdkExtent;
import io.lifeboat.storage.vmdk.VmdkExtentLine;
import io.lifeboat.storage.vmdk.VmdkFlatExtent;
import io.lifeboat.storage.vmdk.VmdkImage;
import io.lifeboat.storage.vmdk.VmdkSparseExtent;
import io.lifeboat.storage.vmdk.VmdkSparseHeader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code lifeboat vmdk inspect FILE}: createType, capacity, grain size, allocated bytes, extents and header flags. */
@Command(name = "inspect", description = "Show a disk image's format facts: createType, capacity, grain size, "
        + "allocated bytes, extents, flags, unclean shutdown.")
public final class VmdkInspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The VMDK (descriptor or sparse file) or raw image.")
    Path file;

    @Option(names = "--json", description = "Print one JSON document.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        JsonObject doc;
        try (DiskImage img = VmdkImageFiles.open(file)) {
            doc = describe(img);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(doc.encode());
        } else {
            printText(out, doc);
        }
        out.flush();
        return 0;
    }

    /** The inspect document for an opened image. */
    static JsonObject describe(DiskImage img) throws java.io.IOException {
        ImageInfo info = img.info();
        JsonObject doc = new JsonObject()
                .put("file", img.path().toString())
                .put("format", info.format().name().toLowerCase(Locale.ROOT))
                .put("createType", info.createType())
                .put("adapterType", info.adapterType())
                .put("capacityBytes", img.capacity())
                .put("grainSizeBytes", img.grainSize())
                .put("cid", info.cid())
                .put("parentCid", info.parentCid())
                .put("uncleanShutdown", info.uncleanShutdown());
        JsonArray extents = new JsonArray();
        if (img instanceof VmdkImage) {
            VmdkImage v = (VmdkImage) img;
            doc.put("allocatedBytes", v.allocatedBytes());
            JsonObject flags = new JsonObject().put("redundantGrainDirectory", false).put("zeroedGrainEntries", false)
                    .put("compressed", false).put("markers", false);
            for (int i = 0; i < v.extents().size(); i++) {
                extents.add(describeExtent(v.extents().get(i), v.extentStart(i), flags));
            }
            doc.put("flags", flags);
            JsonObject ddb = new JsonObject();
            for (Map.Entry<String, String> e : v.descriptor().ddb().entrySet()) {
                ddb.put(e.getKey(), e.getValue());
            }
            doc.put("ddb", ddb);
            doc.put("parentFileNameHint", v.descriptor().parentFileNameHint());
            int chain = 1;
            for (VmdkImage p = v.parent(); p != null; p = p.parent()) {
                chain++;
            }
            doc.put("chainLength", chain);
        } else {
            long allocated = 0;
            for (ImageRange r : img.map()) {
                if (r.data() && !r.zero()) {
                    allocated += r.length();
                }
            }
            doc.put("allocatedBytes", allocated);
            for (String name : info.extents()) {
                extents.add(new JsonObject().put("file", name).put("type", "RAW").put("sizeBytes", img.capacity())
                        .put("startBytes", 0L));
            }
        }
        doc.put("extents", extents);
        return doc;
    }

    private static JsonObject describeExtent(VmdkExtent e, long start, JsonObject flags) throws java.io.IOException {
        VmdkExtentLine line = e.line();
        JsonObject x = new JsonObject()
                .put("file", line.fileName())
                .put("type", line.type())
                .put("access", line.access())
                .put("startBytes", start)
                .put("sizeBytes", e.size())
                .put("allocatedBytes", e.allocatedBytes());
        if (e instanceof VmdkFlatExtent) {
            x.put("offsetBytes", line.offsetSectors() * 512);
        }
        if (e instanceof VmdkSparseExtent) {
            VmdkSparseHeader h = ((VmdkSparseExtent) e).header();
            x.put("file", String.valueOf(((VmdkSparseExtent) e).file().getFileName()));
            x.put("version", h.version())
                    .put("flags", Integer.toUnsignedLong(h.flags()))
                    .put("grainSizeBytes", h.grainBytes())
                    .put("numGTEsPerGT", h.numGTEsPerGT())
                    .put("redundantGrainDirectory", h.redundantGd())
                    .put("zeroedGrainEntries", h.zeroedGrainEntries())
                    .put("compressed", h.compressed())
                    .put("markers", h.markers())
                    .put("compressAlgorithm", h.compressAlgorithm())
                    .put("uncleanShutdown", h.uncleanShutdown())
                    .put("overheadBytes", h.overHead() * 512);
            flags.put("redundantGrainDirectory", flags.getBoolean("redundantGrainDirectory") || h.redundantGd());
            flags.put("zeroedGrainEntries", flags.getBoolean("zeroedGrainEntries") || h.zeroedGrainEntries());
            flags.put("compressed", flags.getBoolean("compressed") || h.compressed());
            flags.put("markers", flags.getBoolean("markers") || h.markers());
        }
        return x;
    }

    private static void printText(PrintWriter out, JsonObject doc) {
        String[] keys = {"file", "format", "createType", "adapterType", "capacityBytes", "grainSizeBytes",
            "allocatedBytes", "cid", "parentCid", "uncleanShutdown"};
        for (String k : keys) {
            if (doc.getValue(k) != null) {
                out.printf("%-16s %s%n", k + ":", doc.getValue(k));
            }
        }
        JsonObject flags = doc.getJsonObject("flags");
        if (flags != null) {
            StringBuilder sb = new StringBuilder();
            for (String f : flags.fieldNames()) {
                if (flags.getBoolean(f)) {
                    sb.append(sb.length() == 0 ? "" : ", ").append(f);
                }
            }
            out.printf("%-16s %s%n", "flags:", sb.length() == 0 ? "(none)" : sb);
        }
        JsonArray extents = doc.getJsonArray("extents");
        out.printf("%-16s %d%n", "extents:", extents.size());
        for (int i = 0; i < extents.size(); i++) {
            JsonObject x = extents.getJsonObject(i);
            out.printf("  %s %s %s size=%d allocated=%d%n", x.getString("access", "RW"), x.getString("type"),
                    x.getString("file"), x.getLong("sizeBytes"), x.getLong("allocatedBytes", 0L));
        }
    }
}
