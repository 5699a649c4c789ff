package io.lifeboat.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lab's bootable test guest: a raw disk whose boot sector (x86 real mode) reads the disk's data sector and prints
 * the marker line stored there on COM1, then halts. The marker holds the guest's name and a generation counter, so it
 * changes whenever {@link #bumpGeneration} changes the disk's data.
 */
public final class TestGuest {
  /** Every marker line starts with this. */
  public static final String MARKER_PREFIX = "LIFEBOAT-MARKER";
  /** Printed instead of the marker when the BIOS cannot read the data sector. */
  public static final String DISK_ERROR = "LIFEBOAT-DISK-ERROR";
  /** The smallest disk that holds the boot sector and the data sector, rounded to 1 MiB. */
  public static final int DEFAULT_SIZE_BYTES = 1 << 20;

  static final int SECTOR = 512;
  private static final byte[] DATA_MAGIC = "LBDATA01".getBytes(StandardCharsets.US_ASCII);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  private static final Pattern MARKER =
      Pattern.compile(MARKER_PREFIX + " name=(" + NAME.pattern() + ") gen=([0-9]{1,18})");

  /**
   * The boot sector's code, loaded by the BIOS at 0000:7C00 with the boot drive in DL. Assembled from:
   * <pre>
   * cli; xor ax,ax; mov ds,ax; mov es,ax; mov ss,ax; mov sp,0x7c00; sti; push dx
   * COM1 115200 8N1: out 0x3f9,0; out 0x3fb,0x80; out 0x3f8,1; out 0x3f9,0; out 0x3fb,3; out 0x3fa,0xc7
   * pop dx; mov ax,0x0201; mov cx,2; xor dh,dh; mov bx,0x7e00; int 0x13   ; read LBA 1 (C0 H0 S2) to 0000:7E00
   * jc err; mov si,0x7e08; jmp print; err: mov si,errmsg
   * print: lodsb; test al,al; jz done; mov ah,al; mov dx,0x3fd
   * wait: in al,dx; test al,0x20; jz wait; mov dx,0x3f8; mov al,ah; out dx,al; jmp print
   * done: cli; halt: hlt; jmp halt
   * errmsg: "LIFEBOAT-DISK-ERROR\r\n\0"
   * </pre>
   */
  private static final int[] BOOT_CODE = {
    0xfa, 0x31, 0xc0, 0x8e, 0xd8, 0x8e, 0xc0, 0x8e, 0xd0, 0xbc, 0x00, 0x7c, 0xfb, 0x52,
    0xba, 0xf9, 0x03, 0x30, 0xc0, 0xee, // out 0x3f9, 0: no UART interrupts
    0xba, 0xfb, 0x03, 0xb0, 0x80, 0xee, // out 0x3fb, 0x80: DLAB on
    0xba, 0xf8, 0x03, 0xb0, 0x01, 0xee, // divisor low = 1 (115200 baud)
    0xba, 0xf9, 0x03, 0x30, 0xc0, 0xee, // divisor high = 0
    0xba, 0xfb, 0x03, 0xb0, 0x03, 0xee, // 8N1, DLAB off
    0xba, 0xfa, 0x03, 0xb0, 0xc7, 0xee, // FIFO on
    0x5a, 0xb8, 0x01, 0x02, 0xb9, 0x02, 0x00, 0x30, 0xf6, 0xbb, 0x00, 0x7e, 0xcd, 0x13, // int 13h: read 1 sector
    0x72, 0x05, 0xbe, 0x08, 0x7e, 0xeb, 0x03, 0xbe, 0x65, 0x7c, // si = marker text or error text
    0xac, 0x84, 0xc0, 0x74, 0x12, 0x88, 0xc4, 0xba, 0xfd, 0x03, // print loop
    0xec, 0xa8, 0x20, 0x74, 0xfb, 0xba, 0xf8, 0x03, 0x88, 0xe0, 0xee, 0xeb, 0xe9, // wait for THR empty, send
    0xfa, 0xf4, 0xeb, 0xfd, // cli; hlt forever
  };
  private static final int ERROR_TEXT_OFFSET = 0x65;

  private TestGuest() {}

  /** The marker line (without line end) a guest with this name and generation prints. */
  public static String markerLine(String name, long generation) {
    return MARKER_PREFIX + " name=" + checkName(name) + " gen=" + generation;
  }

  /** A raw bootable disk of {@code sizeBytes} (a multiple of 512, at least 1024) for this guest and generation. */
  public static byte[] rawImage(String name, long generation, int sizeBytes) {
    if (sizeBytes < 2 * SECTOR || sizeBytes % SECTOR != 0) {
      throw new IllegalArgumentException("test guest " + name + ": disk size " + sizeBytes
          + " bytes is not a multiple of 512 of at least 1024");
    }
    byte[] disk = new byte[sizeBytes];
    for (int i = 0; i < BOOT_CODE.length; i++) {
      disk[i] = (byte) BOOT_CODE[i];
    }
    byte[] error = (DISK_ERROR + "\r\n\0").getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(error, 0, disk, ERROR_TEXT_OFFSET, error.length);
    disk[510] = 0x55;
    disk[511] = (byte) 0xaa;
    writeDataSector(disk, name, generation);
    return disk;
  }

  /** Writes a raw test guest disk of the default size to {@code file}. */
  public static void writeRawImage(Path file, String name, long generation) throws IOException {
    Files.write(file, rawImage(name, generation, DEFAULT_SIZE_BYTES));
  }

  /** The guest name and generation stored in a raw test guest disk. */
  public static Identity identity(byte[] disk) {
    if (disk.length < 2 * SECTOR || !Arrays.equals(disk, SECTOR, SECTOR + DATA_MAGIC.length, DATA_MAGIC, 0,
        DATA_MAGIC.length)) {
      throw new LabException("test guest disk: data sector at offset 512 lacks the LBDATA01 magic");
    }
    int end = SECTOR + DATA_MAGIC.length;
    while (end < 2 * SECTOR && disk[end] != 0) {
      end++;
    }
    String line = new String(disk, SECTOR + DATA_MAGIC.length, end - SECTOR - DATA_MAGIC.length,
        StandardCharsets.US_ASCII).strip();
    Identity identity = parseMarker(line);
    if (identity == null) {
      throw new LabException("test guest disk: data sector at offset 512 holds no marker line: " + line);
    }
    return identity;
  }

  /** Increments the generation stored in a raw test guest disk file and returns the new marker identity. */
  public static Identity bumpGeneration(Path rawImage) throws IOException {
    byte[] disk = Files.readAllBytes(rawImage);
    Identity bumped = bumpGeneration(disk);
    Files.write(rawImage, disk);
    return bumped;
  }

  /** Increments the generation in the first sectors of a test guest disk (at least 1024 bytes), in place. */
  public static Identity bumpGeneration(byte[] disk) {
    Identity old = identity(disk);
    Identity bumped = new Identity(old.name(), old.generation() + 1);
    writeDataSector(disk, bumped.name(), bumped.generation());
    return bumped;
  }

  /** Parses a marker line (e.g. from a serial log); null when the text is not one. */
  public static Identity parseMarker(String text) {
    Matcher m = MARKER.matcher(text);
    return m.find() ? new Identity(m.group(1), Long.parseLong(m.group(2))) : null;
  }

  private static void writeDataSector(byte[] disk, String name, long generation) {
    Arrays.fill(disk, SECTOR, 2 * SECTOR, (byte) 0);
    System.arraycopy(DATA_MAGIC, 0, disk, SECTOR, DATA_MAGIC.length);
    byte[] line = (markerLine(name, generation) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(line, 0, disk, SECTOR + DATA_MAGIC.length, line.length);
  }

  static String checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("test guest name " + name
          + ": use 1-64 characters from A-Z a-z 0-9 _ . - starting with a letter or digit");
    }
    return name;
  }

  /** A test guest's name and disk generation, as its marker line shows them. */
  public record Identity(String name, long generation) {
    /** The marker line this identity prints. */
    public String markerLine() {
      return TestGuest.markerLine(name, generation);
    }
  }
}
