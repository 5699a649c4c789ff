package io.lifeboat.storage.vmdk;

import io.lifeboat.storage.ImageFormatException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A parsed VMDK text descriptor: the known header keys, the extent lines, the disk database ({@code ddb.*}) and any
 * other keys, kept uninterpreted.
 *
 * @param version            descriptor version
 * @param cid                content id, 8 hex digits
 * @param parentCid          parent content id ({@code ffffffff} for a base disk)
 * @param createType         createType, e.g. {@code monolithicSparse}
 * @param parentFileNameHint parent file name hint, or null
 * @param extents            extent lines in guest order
 * @param ddb                disk database entries ({@code ddb.adapterType} ...), in file order
 * @param otherKeys          other key/value pairs, kept but not interpreted
 */
public record VmdkDescriptor(
        int version,
        String cid,
        String parentCid,
        String createType,
        String parentFileNameHint,
        List<VmdkExtentLine> extents,
        Map<String, String> ddb,
        Map<String, String> otherKeys) {

    /** Largest descriptor accepted, in bytes. */
    public static final int MAX_BYTES = 1 << 20;
    /** Longest descriptor line accepted, in characters. */
    public static final int MAX_LINE = 10_000;
    /** Most extent lines accepted. */
    public static final int MAX_EXTENTS = 4096;
    /** The parentCID of a disk without parent. */
    public static final String NO_PARENT = "ffffffff";

    private static final Set<String> ACCESS = Set.of("RW", "RDONLY", "NOACCESS");
    private static final Set<String> TYPES = Set.of("SPARSE", "FLAT", "ZERO", "VMFS", "VMFSSPARSE", "VMFSRDM",
            "VMFSRAW", "SESPARSE");

    public VmdkDescriptor {
        extents = List.copyOf(extents);
        ddb = Collections.unmodifiableMap(new LinkedHashMap<>(ddb));
        otherKeys = Collections.unmodifiableMap(new LinkedHashMap<>(otherKeys));
    }

    /** The {@code ddb.adapterType} value, or null. */
    public String adapterType() {
        return ddb.get("ddb.adapterType");
    }

    /** Whether this descriptor names a parent disk. */
    public boolean hasParent() {
        return !NO_PARENT.equalsIgnoreCase(parentCid);
    }

    /**
     * Parses {@code len} bytes of descriptor text from {@code bytes}, stopping at the first NUL (embedded descriptors
     * are NUL-padded).
     *
     * @param file the file the text came from, for error messages
     * @throws ImageFormatException naming the file, the line and the field that break the format
     */
    public static VmdkDescriptor parse(Path file, byte[] bytes, int len) throws ImageFormatException {
        if (len > MAX_BYTES) {
            throw new ImageFormatException(file, "descriptor of " + len + " bytes exceeds " + MAX_BYTES + " bytes");
        }
        int end = 0;
        while (end < len && bytes[end] != 0) {
            end++;
        }
        String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
        if (!text.startsWith("# Disk DescriptorFile")) {
            throw new ImageFormatException(file, "descriptor does not start with \"# Disk DescriptorFile\"");
        }
        Integer version = null;
        String cid = null;
        String parentCid = null;
        String createType = null;
        String hint = null;
        List<VmdkExtentLine> extents = new ArrayList<>();
        Map<String, String> ddb = new LinkedHashMap<>();
        Map<String, String> other = new LinkedHashMap<>();
        int lineNo = 0;
        int pos = 0;
        int n = text.length();
        while (pos < n) {
            int nl = text.indexOf('\n', pos);
            int lineEnd = nl < 0 ? n : nl;
            lineNo++;
            if (lineEnd - pos > MAX_LINE) {
                throw new ImageFormatException(file, "descriptor line " + lineNo + " longer than " + MAX_LINE
                        + " characters");
            }
            String line = text.substring(pos, lineEnd).strip();
            pos = lineEnd + 1;
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (c < 0x20 && c != '\t') {
                    throw new ImageFormatException(file, "descriptor line " + lineNo + ": control character 0x"
                            + Integer.toHexString(c));
                }
            }
            String firstWord = line.split("[ \t]", 2)[0];
            if (ACCESS.contains(firstWord)) {
                if (extents.size() >= MAX_EXTENTS) {
                    throw new ImageFormatException(file, "descriptor has more than " + MAX_EXTENTS + " extents");
                }
                extents.add(parseExtent(file, lineNo, line));
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new ImageFormatException(file, "descriptor line " + lineNo + ": neither key=value nor extent");
            }
            String key = line.substring(0, eq).strip();
            String value = unquote(line.substring(eq + 1).strip());
            switch (key) {
                case "version":
                    version = parseVersion(file, lineNo, value);
                    break;
                case "CID":
                    cid = parseCid(file, lineNo, "CID", value);
                    break;
                case "parentCID":
                    parentCid = parseCid(file, lineNo, "parentCID", value);
                    break;
                case "createType":
                    createType = value;
                    break;
                case "parentFileNameHint":
                    hint = value;
                    break;
                default:
                    if (key.startsWith("ddb.")) {
                        ddb.put(key, value);
                    } else {
                        other.put(key, value);
                    }
            }
        }
        if (version == null) {
            version = 1;
        }
        if (cid == null) {
            cid = NO_PARENT;
        }
        if (parentCid == null) {
            parentCid = NO_PARENT;
        }
        if (createType == null) {
            throw new ImageFormatException(file, "descriptor has no createType");
        }
        if (extents.isEmpty()) {
            throw new ImageFormatException(file, "descriptor has no extent lines");
        }
        return new VmdkDescriptor(version, cid, parentCid, createType, hint, extents, ddb, other);
    }

    private static int parseVersion(Path file, int lineNo, String value) throws ImageFormatException {
        try {
            int v = Integer.parseInt(value);
            if (v >= 1 && v <= 3) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ImageFormatException(file, "descriptor line " + lineNo + ": version \"" + shorten(value)
                + "\" not supported (1, 2 or 3)");
    }

    private static String parseCid(Path file, int lineNo, String key, String value) throws ImageFormatException {
        if (value.isEmpty() || value.length() > 8 || !value.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new ImageFormatException(file, "descriptor line " + lineNo + ": " + key + " \"" + shorten(value)
                    + "\" is not 1 to 8 hex digits");
        }
        return String.format("%8s", value.toLowerCase(Locale.ROOT)).replace(' ', '0');
    }

    private static VmdkExtentLine parseExtent(Path file, int lineNo, String line) throws ImageFormatException {
        String where = "descriptor line " + lineNo + ": extent ";
        String[] head = line.split("[ \t]+", 4);
        if (head.length < 3) {
            throw new ImageFormatException(file, where + "needs access, size and type");
        }
        long sectors;
        try {
            sectors = Long.parseLong(head[1]);
        } catch (NumberFormatException e) {
            throw new ImageFormatException(file, where + "size \"" + shorten(head[1]) + "\" is not a number");
        }
        if (sectors <= 0 || sectors > VmdkSparseHeader.MAX_CAPACITY_BYTES / 512) {
            throw new ImageFormatException(file, where + "size " + sectors + " sectors outside 1.."
                    + VmdkSparseHeader.MAX_CAPACITY_BYTES / 512);
        }
        String type = head[2];
        if (!TYPES.contains(type)) {
            throw new ImageFormatException(file, where + "type \"" + shorten(type) + "\" unknown");
        }
        if ("ZERO".equals(type)) {
            return new VmdkExtentLine(head[0], sectors, type, null, 0);
        }
        String rest = head.length > 3 ? head[3].strip() : "";
        if (!rest.startsWith("\"")) {
            throw new ImageFormatException(file, where + "file name must be quoted");
        }
        int close = rest.indexOf('"', 1);
        if (close < 0) {
            throw new ImageFormatException(file, where + "file name has no closing quote");
        }
        String name = rest.substring(1, close);
        if (name.isEmpty()) {
            throw new ImageFormatException(file, where + "file name is empty");
        }
        String tail = rest.substring(close + 1).strip();
        long offset = 0;
        if (!tail.isEmpty()) {
            String first = tail.split("[ \t]+")[0];
            try {
                offset = Long.parseLong(first);
            } catch (NumberFormatException e) {
                throw new ImageFormatException(file, where + "offset \"" + shorten(first) + "\" is not a number");
            }
            if (offset < 0 || offset > VmdkSparseHeader.MAX_CAPACITY_BYTES / 512) {
                throw new ImageFormatException(file, where + "offset " + offset + " sectors out of range");
            }
        }
        return new VmdkExtentLine(head[0], sectors, type, name, offset);
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }

    static String shorten(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    /** Renders this descriptor as text in the layout qemu and VMware write. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Disk DescriptorFile\n");
        sb.append("version=").append(version).append('\n');
        sb.append("CID=").append(cid).append('\n');
        sb.append("parentCID=").append(parentCid).append('\n');
        sb.append("createType=\"").append(createType).append("\"\n");
        if (parentFileNameHint != null) {
            sb.append("parentFileNameHint=\"").append(parentFileNameHint).append("\"\n");
        }
        for (Map.Entry<String, String> e : otherKeys.entrySet()) {
            sb.append(e.getKey()).append("=\"").append(e.getValue()).append("\"\n");
        }
        sb.append("\n# Extent description\n");
        for (VmdkExtentLine x : extents) {
            sb.append(x.access()).append(' ').append(x.sectors()).append(' ').append(x.type());
            if (x.fileName() != null) {
                sb.append(" \"").append(x.fileName()).append('"');
                if ("FLAT".equals(x.type())) {
                    sb.append(' ').append(x.offsetSectors());
                }
            }
            sb.append('\n');
        }
        sb.append("\n# The Disk Data Base\n#DDB\n\n");
        for (Map.Entry<String, String> e : ddb.entrySet()) {
            sb.append(e.getKey()).append(" = \"").append(e.getValue()).append("\"\n");
        }
        return sb.toString();
    }
}
