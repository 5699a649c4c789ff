package io.lifeboat.agent.vmx;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A VMware {@code .vmx} configuration file that keeps every line it does not change (unknown keys, their order,
 * comments, blank lines, line endings) byte for byte, with typed accessors for the keys Lifeboat uses.
 *
 * <p>Keys are matched case-insensitively, as VMware does; when a key occurs twice the last occurrence wins. Values
 * are written double-quoted, with {@code |}, {@code "}, {@code #} and control characters escaped as {@code |XX}
 * (two hex digits of the byte), the escape VMware and libvirt's vmx.c use.
 */
public final class VmxFile {
  /** Largest {@code .vmx} accepted, in bytes; real ones are a few KiB. */
  public static final int MAX_FILE_BYTES = 1 << 20;
  /** Longest line accepted, in characters. */
  public static final int MAX_LINE_CHARS = 8192;
  /** Most lines accepted. */
  public static final int MAX_LINES = 20_000;
  /** Longest key accepted, in characters. */
  public static final int MAX_KEY_CHARS = 256;

  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.:@\\-]+");
  private static final Pattern ENCODING_LINE =
      Pattern.compile("(?m)^[ \\t]*\\.encoding[ \\t]*=[ \\t]*\"([^\"\\r\\n]{1,64})\"");
  private static final Pattern DISK_DEVICE = Pattern.compile("(scsi|ide|sata|nvme)([0-9]{1,2}):([0-9]{1,2})");
  private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");
  private static final Pattern UUID_BIOS =
      Pattern.compile("([0-9a-f]{2}) ?([0-9a-f]{2}) ?([0-9a-f]{2}) ?([0-9a-f]{2}) ?([0-9a-f]{2}) ?([0-9a-f]{2}) ?"
          + "([0-9a-f]{2}) ?([0-9a-f]{2}) ?-? ?([0-9a-f]{2}) ?([0-9a-f]{2}) ?([0-9a-f]{2}) ?([0-9a-f]{2}) ?"
          + "([0-9a-f]{2}) ?([0-9a-f]{2}) ?([0-9a-f]{2}) ?([0-9a-f]{2})");
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final String source;
  private final Charset charset;
  private final boolean byteOrderMark;
  private final String newline;
  private final List<Line> lines;

  private VmxFile(String source, Charset charset, boolean byteOrderMark, String newline, List<Line> lines) {
    this.source = source;
    this.charset = charset;
    this.byteOrderMark = byteOrderMark;
    this.newline = newline;
    this.lines = lines;
  }

  /**
   * Returns an empty UTF-8 file.
   *
   * @param source name used in error messages, e.g. the file's path
   * @return the empty file
   */
  public static VmxFile empty(String source) {
    VmxFile file = new VmxFile(source, StandardCharsets.UTF_8, false, "\n", new ArrayList<>());
    file.set(".encoding", "UTF-8");
    return file;
  }

  /**
   * Reads and parses a file, refusing files larger than {@link #MAX_FILE_BYTES}.
   *
   * @param path the {@code .vmx} file
   * @return the parsed file
   * @throws IOException when the file cannot be read
   * @throws VmxFormatException when it is malformed or too large
   */
  public static VmxFile read(Path path) throws IOException {
    try (InputStream in = Files.newInputStream(path)) {
      byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
      return parse(path.toString(), bytes);
    }
  }

  /**
   * Parses the bytes of a {@code .vmx} file.
   *
   * @param source name used in error messages
   * @param bytes the file's content
   * @return the parsed file
   * @throws VmxFormatException when the content is malformed, hostile or beyond the size limits
   */
  public static VmxFile parse(String source, byte[] bytes) {
    if (bytes.length > MAX_FILE_BYTES) {
      throw new VmxFormatException(source + ": file larger than " + MAX_FILE_BYTES + " bytes");
    }
    boolean bom = bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb
        && (bytes[2] & 0xff) == 0xbf;
    int start = bom ? 3 : 0;
    Charset charset = detectCharset(source, bytes, start);
    String text = decode(source, ByteBuffer.wrap(bytes, start, bytes.length - start), charset, "file");
    List<Line> lines = new ArrayList<>();
    String newline = null;
    int pos = 0;
    int lineNumber = 0;
    while (pos < text.length()) {
      int lf = text.indexOf('\n', pos);
      int end = lf < 0 ? text.length() : lf;
      String terminator = lf < 0 ? "" : "\n";
      if (end > pos && text.charAt(end - 1) == '\r' && lf >= 0) {
        end--;
        terminator = "\r\n";
      }
      lineNumber++;
      if (lineNumber > MAX_LINES) {
        throw new VmxFormatException(source + ": more than " + MAX_LINES + " lines");
      }
      if (newline == null && !terminator.isEmpty()) {
        newline = terminator;
      }
      String raw = text.substring(pos, end);
      lines.add(parseLine(source, lineNumber, raw, terminator, charset));
      pos = lf < 0 ? text.length() : lf + 1;
    }
    return new VmxFile(source, charset, bom, newline == null ? "\n" : newline, lines);
  }

  private static Charset detectCharset(String source, byte[] bytes, int start) {
    String latin = new String(bytes, start, bytes.length - start, StandardCharsets.ISO_8859_1);
    Matcher m = ENCODING_LINE.matcher(latin);
    if (!m.find()) {
      return StandardCharsets.UTF_8;
    }
    String name = m.group(1).trim();
    try {
      return Charset.forName(name);
    } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
      throw new VmxFormatException(source + ": .encoding \"" + printable(name) + "\" is not a supported charset");
    }
  }

  private static String decode(String source, ByteBuffer bytes, Charset charset, String where) {
    CharsetDecoder decoder = charset.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      return decoder.decode(bytes).toString();
    } catch (CharacterCodingException e) {
      throw new VmxFormatException(source + ": " + where + " is not valid " + charset.name());
    }
  }

  private static Line parseLine(String source, int lineNumber, String raw, String terminator, Charset charset) {
    String where = source + ":" + lineNumber;
    if (raw.length() > MAX_LINE_CHARS) {
      throw new VmxFormatException(where + ": line longer than " + MAX_LINE_CHARS + " characters");
    }
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        throw new VmxFormatException(where + ": control character 0x" + Integer.toHexString(c) + " in line");
      }
    }
    String trimmed = raw.strip();
    if (trimmed.isEmpty() || trimmed.startsWith("#")) {
      return new Line(null, null, raw, terminator);
    }
    int eq = trimmed.indexOf('=');
    if (eq < 0) {
      throw new VmxFormatException(where + ": expected key = value, found no '='");
    }
    String key = trimmed.substring(0, eq).strip();
    checkKey(where, key);
    String rest = trimmed.substring(eq + 1).strip();
    String rawValue;
    if (rest.startsWith("\"")) {
      int close = rest.indexOf('"', 1);
      if (close < 0) {
        throw new VmxFormatException(where + ": value of " + key + " has no closing quote");
      }
      String after = rest.substring(close + 1).strip();
      if (!after.isEmpty() && !after.startsWith("#")) {
        throw new VmxFormatException(where + ": unexpected text after the quoted value of " + key);
      }
      rawValue = rest.substring(1, close);
    } else {
      int hash = rest.indexOf('#');
      rawValue = (hash < 0 ? rest : rest.substring(0, hash)).strip();
    }
    String value = unescape(where, key, rawValue, charset);
    return new Line(key, value, raw, terminator);
  }

  private static void checkKey(String where, String key) {
    if (key.isEmpty()) {
      throw new VmxFormatException(where + ": empty key");
    }
    if (key.length() > MAX_KEY_CHARS) {
      throw new VmxFormatException(where + ": key longer than " + MAX_KEY_CHARS + " characters");
    }
    if (!KEY.matcher(key).matches()) {
      throw new VmxFormatException(where + ": key \"" + printable(key) + "\" has characters outside [A-Za-z0-9_.:@-]");
    }
  }

  /**
   * Decodes {@code |XX} escapes; a {@code |} not followed by two hex digits stays literal, as VMware reads it.
   */
  static String unescape(String where, String key, String raw, Charset charset) {
    if (raw.indexOf('|') < 0) {
      return raw;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    CharsetEncoder encoder = charset.newEncoder();
    StringBuilder plain = new StringBuilder();
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '|' && i + 2 < raw.length() && isHex(raw.charAt(i + 1)) && isHex(raw.charAt(i + 2))) {
        flush(plain, encoder, bytes);
        bytes.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        plain.append(c);
      }
    }
    flush(plain, encoder, bytes);
    return decode(where, ByteBuffer.wrap(bytes.toByteArray()), charset, "escaped value of " + key);
  }

  private static void flush(StringBuilder plain, CharsetEncoder encoder, ByteArrayOutputStream out) {
    if (plain.length() == 0) {
      return;
    }
    try {
      ByteBuffer b = encoder.reset().encode(CharBuffer.wrap(plain));
      out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
    } catch (CharacterCodingException e) {
      throw new IllegalStateException("decoded text does not re-encode", e);
    }
    plain.setLength(0);
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  /**
   * Escapes a value for writing between double quotes.
   *
   * @param value the plain value
   * @param charset the file's charset
   * @return the escaped value
   */
  static String escape(String value, Charset charset) {
    StringBuilder out = new StringBuilder(value.length() + 8);
    CharsetEncoder encoder = charset.newEncoder();
    for (int i = 0; i < value.length(); ) {
      int cp = value.codePointAt(i);
      i += Character.charCount(cp);
      if (cp == '|' || cp == '"' || cp == '#' || cp < 0x20 || cp == 0x7f) {
        out.append('|').append(HEX[(cp >> 4) & 0xf]).append(HEX[cp & 0xf]);
        continue;
      }
      String s = new String(Character.toChars(cp));
      if ((Character.charCount(cp) == 1 && Character.isSurrogate((char) cp)) || !encoder.canEncode(s)) {
        throw new VmxFormatException("value \"" + printable(value) + "\" cannot be written in " + charset.name());
      }
      out.append(s);
    }
    return out.toString();
  }

  /** Renders a string for an error message: control characters as \\xNN, cut at 80 characters. */
  static String printable(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length() && out.length() < 80; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
      } else {
        out.append(c);
      }
    }
    return s.length() > 80 ? out + "..." : out.toString();
  }

  /** @return the name used in error messages */
  public String source() {
    return source;
  }

  /** @return the charset the file is read and written in */
  public Charset charset() {
    return charset;
  }

  /**
   * Returns a key's value, the last occurrence winning.
   *
   * @param key the key, matched case-insensitively
   * @return the unescaped value, or empty when absent
   */
  public Optional<String> get(String key) {
    int i = indexOf(key);
    return i < 0 ? Optional.empty() : Optional.of(lines.get(i).value);
  }

  /** @return the keys in file order (duplicates included) */
  public List<String> keys() {
    List<String> keys = new ArrayList<>();
    for (Line l : lines) {
      if (l.key != null) {
        keys.add(l.key);
      }
    }
    return Collections.unmodifiableList(keys);
  }

  /**
   * Sets a key, changing its last occurrence in place or appending it at the end.
   *
   * @param key the key
   * @param value the plain value (escaped on writing)
   * @return this file
   * @throws VmxFormatException when the key is malformed or the value cannot be written in the file's charset
   */
  public VmxFile set(String key, String value) {
    checkKey(source, key);
    escape(value, charset);
    int i = indexOf(key);
    if (i >= 0) {
      Line old = lines.get(i);
      if (old.value.equals(value)) {
        return this;
      }
      lines.set(i, new Line(old.key, value, null, old.terminator));
    } else {
      if (!lines.isEmpty()) {
        Line last = lines.get(lines.size() - 1);
        if (last.terminator.isEmpty()) {
          lines.set(lines.size() - 1, new Line(last.key, last.value, last.raw, newline));
        }
      }
      lines.add(new Line(key, value, null, newline));
    }
    return this;
  }

  /**
   * Removes every occurrence of a key.
   *
   * @param key the key
   * @return whether it was present
   */
  public boolean remove(String key) {
    return lines.removeIf(l -> l.key != null && l.key.equalsIgnoreCase(key));
  }

  private int indexOf(String key) {
    for (int i = lines.size() - 1; i >= 0; i--) {
      Line l = lines.get(i);
      if (l.key != null && l.key.equalsIgnoreCase(key)) {
        return i;
      }
    }
    return -1;
  }

  /** @return the file's text: unchanged lines verbatim, changed ones as {@code key = "escaped value"} */
  public String toText() {
    return (byteOrderMark ? "\uFEFF" : "") + body();
  }

  private String body() {
    StringBuilder out = new StringBuilder();
    for (Line l : lines) {
      out.append(l.raw != null ? l.raw : l.key + " = \"" + escape(l.value, charset) + "\"").append(l.terminator);
    }
    return out.toString();
  }

  /** @return the file's bytes in its charset, after the UTF-8 byte order mark it was read with, if any */
  public byte[] toBytes() {
    byte[] body = body().getBytes(charset);
    if (!byteOrderMark) {
      return body;
    }
    byte[] out = new byte[body.length + 3];
    out[0] = (byte) 0xef;
    out[1] = (byte) 0xbb;
    out[2] = (byte) 0xbf;
    System.arraycopy(body, 0, out, 3, body.length);
    return out;
  }

  /**
   * Writes the file atomically: a temporary file in the same directory, fsync, rename over the target.
   *
   * @param path the target
   * @throws IOException when writing fails; the target is then unchanged
   */
  public void write(Path path) throws IOException {
    Path dir = path.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, "." + path.getFileName() + ".", ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(toBytes());
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  // ---- typed accessors ----

  /** @return displayName, refused when it holds control characters */
  public Optional<String> displayName() {
    return get("displayName").map(v -> checkName("displayName", v));
  }

  /**
   * Sets displayName.
   *
   * @param name the name; control characters are refused
   * @return this file
   */
  public VmxFile displayName(String name) {
    return set("displayName", checkName("displayName", name));
  }

  /** @return guestOS, e.g. "winnetstandard" or "otherlinux-64" */
  public Optional<String> guestOs() {
    return get("guestOS").map(v -> checkName("guestOS", v));
  }

  /** @return virtualHW.version */
  public OptionalInt virtualHwVersion() {
    return intValue("virtualHW.version", 1, 99);
  }

  /** @return memsize in MiB */
  public OptionalLong memsizeMib() {
    OptionalInt v = intValue("memsize", 1, 64 * 1024 * 1024);
    return v.isPresent() ? OptionalLong.of(v.getAsInt()) : OptionalLong.empty();
  }

  /** @return numvcpus */
  public OptionalInt numvcpus() {
    return intValue("numvcpus", 1, 1024);
  }

  /**
   * Returns a SCSI controller's model.
   *
   * @param controller N in scsiN
   * @return scsiN.virtualDev, e.g. "lsilogic", "buslogic", "pvscsi"
   */
  public Optional<String> scsiVirtualDev(int controller) {
    return get("scsi" + controller + ".virtualDev").map(v -> v.toLowerCase(Locale.ROOT));
  }

  /** @return whether {@code key} is "TRUE" (case-insensitive) */
  public boolean isTrue(String key) {
    return get(key).map(v -> v.equalsIgnoreCase("true")).orElse(false);
  }

  /**
   * Lists the disk devices that are present and have a file name, in file order, e.g. "scsi0:0", "ide0:1".
   *
   * @return the device names, lower case
   */
  public List<String> diskDevices() {
    List<String> devices = new ArrayList<>();
    for (String key : keys()) {
      String lower = key.toLowerCase(Locale.ROOT);
      if (!lower.endsWith(".filename")) {
        continue;
      }
      String device = lower.substring(0, lower.length() - ".filename".length());
      if (!DISK_DEVICE.matcher(device).matches() || devices.contains(device)) {
        continue;
      }
      boolean present = get(device + ".present").map(v -> v.equalsIgnoreCase("true")).orElse(true);
      String type = get(device + ".deviceType").orElse("disk").toLowerCase(Locale.ROOT);
      if (present && !type.contains("cdrom") && !get(key).orElse("").isEmpty()) {
        devices.add(device);
      }
    }
    return devices;
  }

  /**
   * Returns a disk device's file name (scsiN:M.fileName, ideN:M.fileName), refusing hostile values.
   *
   * @param device e.g. "scsi0:0"
   * @return the file name as written in the file
   */
  public Optional<String> diskFileName(String device) {
    checkDevice(device);
    return get(device + ".fileName").map(v -> checkFileName(device + ".fileName", v));
  }

  /**
   * Sets a disk device's file name.
   *
   * @param device e.g. "scsi0:0"
   * @param fileName a file name relative to the VM folder
   * @return this file
   */
  public VmxFile diskFileName(String device, String fileName) {
    checkDevice(device);
    return set(device + ".fileName", checkFileName(device + ".fileName", fileName));
  }

  /**
   * Resolves a disk file name inside the VM folder, refusing names that leave it.
   *
   * @param vmFolder the folder holding the {@code .vmx}
   * @param device the device, for the error message
   * @param fileName the file name as written in the file
   * @return the resolved, normalised path inside {@code vmFolder}
   * @throws VmxFormatException when the name is absolute outside the folder, climbs out with "..", or has control
   *     characters
   */
  public Path resolveDisk(Path vmFolder, String device, String fileName) {
    String what = source + ": " + device + ".fileName \"" + printable(fileName) + "\"";
    checkFileName(device + ".fileName", fileName);
    Path folder = vmFolder.toAbsolutePath().normalize();
    // In the folder's own file system: on an agentless host that is the datastore over SFTP, not the local disk.
    Path candidate = folder.getFileSystem().getPath(fileName);
    Path resolved = (candidate.isAbsolute() ? candidate : folder.resolve(candidate)).normalize();
    if (!resolved.startsWith(folder) || resolved.equals(folder)) {
      throw new VmxFormatException(what + " is outside the VM folder " + folder);
    }
    return resolved;
  }

  private String checkFileName(String key, String fileName) {
    String what = source + ": " + key + " \"" + printable(fileName) + "\"";
    for (int i = 0; i < fileName.length(); i++) {
      char c = fileName.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw new VmxFormatException(what + " has a control character");
      }
    }
    for (String segment : fileName.split("[/\\\\]", -1)) {
      if (segment.equals("..")) {
        throw new VmxFormatException(what + " climbs out of the VM folder with \"..\"");
      }
    }
    return fileName;
  }

  private String checkName(String key, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw new VmxFormatException(source + ": " + key + " \"" + printable(value) + "\" has a control character");
      }
    }
    return value;
  }

  private void checkDevice(String device) {
    if (!DISK_DEVICE.matcher(device.toLowerCase(Locale.ROOT)).matches()) {
      throw new VmxFormatException(source + ": \"" + printable(device) + "\" is not a disk device like scsi0:0");
    }
  }

  /**
   * Returns the present Ethernet adapters' indexes, in ascending order.
   *
   * @return N of each ethernetN with ethernetN.present = "TRUE"
   */
  public List<Integer> ethernetIndexes() {
    List<Integer> out = new ArrayList<>();
    for (int n = 0; n < 10; n++) {
      if (isTrue("ethernet" + n + ".present")) {
        out.add(n);
      }
    }
    return out;
  }

  /**
   * Returns an adapter's model.
   *
   * @param n N in ethernetN
   * @return ethernetN.virtualDev lower-cased, e.g. "e1000", "vlance", "vmxnet3"
   */
  public Optional<String> ethernetVirtualDev(int n) {
    return get("ethernet" + n + ".virtualDev").map(v -> v.toLowerCase(Locale.ROOT));
  }

  /**
   * Returns an adapter's address type.
   *
   * @param n N in ethernetN
   * @return ethernetN.addressType lower-cased: "static", "generated" or "vpx"
   */
  public Optional<String> ethernetAddressType(int n) {
    return get("ethernet" + n + ".addressType").map(v -> v.toLowerCase(Locale.ROOT));
  }

  /**
   * Returns an adapter's MAC address: ethernetN.address when the type is static, else generatedAddress.
   *
   * @param n N in ethernetN
   * @return the MAC, lower-case with colons
   */
  public Optional<String> ethernetMac(int n) {
    String type = ethernetAddressType(n).orElse("generated");
    String key = "ethernet" + n + (type.equals("static") ? ".address" : ".generatedAddress");
    return get(key).map(v -> checkMac(key, v));
  }

  /**
   * Gives an adapter a fixed MAC: static for VMware's static range 00:50:56:00:00:00-00:50:56:3f:ff:ff, else a
   * generated address that uuid.action = "keep" preserves.
   *
   * @param n N in ethernetN
   * @param mac the MAC address
   * @return this file
   */
  public VmxFile ethernetMac(int n, String mac) {
    String lower = checkMac("ethernet" + n + ".address", mac.toLowerCase(Locale.ROOT));
    String prefix = "ethernet" + n;
    if (lower.startsWith("00:50:56:") && Integer.parseInt(lower.substring(9, 11), 16) <= 0x3f) {
      set(prefix + ".addressType", "static");
      set(prefix + ".address", lower);
      remove(prefix + ".generatedAddress");
      remove(prefix + ".generatedAddressOffset");
    } else {
      set(prefix + ".addressType", "generated");
      set(prefix + ".generatedAddress", lower);
      remove(prefix + ".address");
    }
    return this;
  }

  private String checkMac(String key, String value) {
    String lower = value.toLowerCase(Locale.ROOT).replace('-', ':');
    if (!MAC.matcher(lower).matches()) {
      throw new VmxFormatException(source + ": " + key + " \"" + printable(value) + "\" is not a MAC address");
    }
    return lower;
  }

  /** @return uuid.bios as a canonical UUID string, e.g. "564d096b-b0ff-56dd-bd74-a403972bf337" */
  public Optional<String> uuidBios() {
    return get("uuid.bios").map(v -> {
      Matcher m = UUID_BIOS.matcher(v.strip().toLowerCase(Locale.ROOT));
      if (!m.matches()) {
        throw new VmxFormatException(source + ": uuid.bios \"" + printable(v) + "\" is not 16 hex bytes");
      }
      StringBuilder hex = new StringBuilder(32);
      for (int g = 1; g <= 16; g++) {
        hex.append(m.group(g));
      }
      return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
          + hex.substring(16, 20) + "-" + hex.substring(20);
    });
  }

  /**
   * Sets uuid.bios from a canonical UUID, in VMware's spelling "56 4d 09 6b b0 ff 56 dd-bd 74 a4 03 97 2b f3 37".
   *
   * @param uuid the UUID
   * @return this file
   */
  public VmxFile uuidBios(String uuid) {
    String hex = uuid.replace("-", "").toLowerCase(Locale.ROOT);
    if (!hex.matches("[0-9a-f]{32}")) {
      throw new VmxFormatException(source + ": \"" + printable(uuid) + "\" is not a UUID");
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < 16; i++) {
      if (i == 8) {
        out.append('-');
      } else if (i > 0) {
        out.append(' ');
      }
      out.append(hex, 2 * i, 2 * i + 2);
    }
    return set("uuid.bios", out.toString());
  }

  /** @return uuid.action, "keep" or "create" */
  public Optional<String> uuidAction() {
    return get("uuid.action").map(v -> v.toLowerCase(Locale.ROOT));
  }

  private OptionalInt intValue(String key, int min, int max) {
    Optional<String> v = get(key);
    if (v.isEmpty()) {
      return OptionalInt.empty();
    }
    String s = v.get().strip();
    try {
      int n = Integer.parseInt(s);
      if (n < min || n > max) {
        throw new VmxFormatException(source + ": " + key + " = " + n + " outside " + min + ".." + max);
      }
      return OptionalInt.of(n);
    } catch (NumberFormatException e) {
      throw new VmxFormatException(source + ": " + key + " \"" + printable(s) + "\" is not a number");
    }
  }

  /** One physical line: an entry (key set) or a comment / blank line; raw is null once the entry was changed. */
  private record Line(String key, String value, String raw, String terminator) {}
}
