package io.lifeboat.agent.link;

import io.lifeboat.agent.fence.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** A non-negative number kept in a one-line text file {@code <name>=<value>}, replaced atomically and durably. */
final class DurableCounter {
  private final Path file;
  private final String name;

  DurableCounter(Path file, String name) {
    this.file = file;
    this.name = name;
  }

  long read() throws IOException {
    String text;
    try {
      if (Files.size(file) > 256) {
        throw new IOException(file + ": " + name + " file larger than 256 bytes; refusing to guess the " + name);
      }
      text = Files.readString(file, StandardCharsets.US_ASCII).strip();
    } catch (NoSuchFileException e) {
      return 0;
    }
    String prefix = name + "=";
    if (!text.startsWith(prefix)) {
      throw new IOException(file + ": expected \"" + prefix + "<number>\", found \"" + printable(text)
          + "\"; refusing to guess the " + name);
    }
    try {
      long v = Long.parseUnsignedLong(text.substring(prefix.length()));
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IOException(file + ": " + name + " \"" + printable(text.substring(prefix.length()))
          + "\" is not a number; refusing to guess the " + name);
    }
  }

  void write(long value) throws IOException {
    AtomicFiles.write(file, (name + "=" + value + "\n").getBytes(StandardCharsets.US_ASCII));
  }

  Path file() {
    return file;
  }

  private static String printable(String s) {
    return s.replaceAll("[^\\x20-\\x7e]", "?").substring(0, Math.min(s.length(), 40));
  }
}
