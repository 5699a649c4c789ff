package io.lifeboat.agent.drill;

import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.protocol.v1.ErrorClass;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Creates copy-on-write overlays (qcow2, or VMDK child disks) on read-only bases with the host's {@code qemu-img}
 * (from qemu-utils). Blocking: call it on a worker thread.
 */
public final class QemuImg {
  private static final long TIMEOUT_SECONDS = 60;

  private final String executable;

  /**
   * Creates the runner.
   *
   * @param executable the qemu-img program, e.g. {@code qemu-img} (looked up on the PATH)
   */
  public QemuImg(String executable) {
    this.executable = executable;
  }

  /**
   * Creates {@code overlay} in {@code format} (qcow2, or vmdk for a monolithicSparse child with {@code parentCID}
   * and {@code parentFileNameHint}) whose backing file is {@code backing}; writes go to the overlay only.
   *
   * @param format the overlay's format as qemu-img names it
   * @param backing the backing image: absolute, or relative to the overlay's directory
   * @param baseFormat the backing image's format as qemu-img names it ({@code vmdk}, {@code raw})
   * @param overlay the absolute path of the overlay to create (must not exist)
   * @param options qemu-img {@code -o} options, e.g. {@code adapter_type=lsilogic}, or empty
   * @throws IOException when qemu-img cannot run or fails; the message holds its output
   */
  public void createOverlay(String format, String backing, String baseFormat, Path overlay, String options)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of(executable, "create", "-q", "-f", format, "-b", backing, "-F",
        baseFormat));
    if (!options.isEmpty()) {
      cmd.addAll(List.of("-o", options));
    }
    cmd.add(overlay.toString());
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new HypervisorException(ErrorClass.ERROR_CLASS_PERMANENT, "qemu_img_missing", "cannot run "
          + executable + " to create the drill overlay " + overlay + " (install qemu-utils): " + e.getMessage(), e);
    }
    p.getOutputStream().close();
    String output;
    try (InputStream in = p.getInputStream()) {
      output = new String(in.readNBytes(8192), StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(executable + " create " + overlay + ": no answer within " + TIMEOUT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException(executable + " create " + overlay + ": interrupted", e);
    }
    if (p.exitValue() != 0) {
      throw new IOException(executable + " create " + overlay + " on " + backing + " failed (exit " + p.exitValue()
          + "): " + output);
    }
  }
}
