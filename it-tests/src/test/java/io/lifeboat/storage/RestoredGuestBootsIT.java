package io.lifeboat.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeboat.lab.DiskBus;
import io.lifeboat.lab.GuestSpec;
import io.lifeboat.lab.Lab;
import io.lifeboat.lab.LabExtension;
import io.lifeboat.lab.LabHost;
import io.lifeboat.lab.TestGuest;
import io.lifeboat.lab.VmdkSubformat;
import io.lifeboat.storage.cli.StoreCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import picocli.CommandLine;

/**
 * A restore point is only worth something if the guest boots from it: the lab's test guest is backed up from one
 * host with {@code store backup}, materialised with {@code store restore}, and booted in QEMU on the other host,
 * where its serial marker must name the generation that was backed up.
 */
@ExtendWith(LabExtension.class)
class RestoredGuestBootsIT {
  private static final Duration BOOT = Duration.ofSeconds(30);

  @TempDir Path tmp;

  @ParameterizedTest
  @EnumSource(value = ImageFormat.class, names = {"VMDK", "RAW"})
  void guestBootsFromItsRestoredDisk(ImageFormat format, Lab lab) throws Exception {
    LabHost primary = lab.host("hostA");
    LabHost standby = lab.host("hostB");
    String name = "restored-" + format.name().toLowerCase();
    long generation = 41 + format.ordinal();
    primary.installGuest(new GuestSpec(name, VmdkSubformat.MONOLITHIC_SPARSE, DiskBus.IDE, GuestSpec.macFor(name), generation));
    Path source = tmp.resolve(name + ".vmdk");
    Files.write(source, primary.readFile(primary.guestDisk(name)));

    Path store = tmp.resolve("store");
    String guestId = UUID.randomUUID().toString();
    String point = store("backup", source.toString(), "--store", store.toString(), "--guest", guestId).strip();
    assertThat(point).startsWith(guestId + "/");
    Path restored = tmp.resolve("restored." + format.name().toLowerCase());
    store("restore", point, "--store", store.toString(), "--out", restored.toString(),
        "--format", format.name().toLowerCase());

    // The standby gets a guest of the same name at generation 1, whose disk is then replaced by the restored one:
    // only the restored bytes can print the backed-up generation.
    standby.installGuest(GuestSpec.of(name));
    String disk = standby.guestDisk(name);
    if (format == ImageFormat.RAW) {
      standby.writeFile(disk + ".raw", Files.readAllBytes(restored));
      standby.execOk("qemu-img", "convert", "-f", "raw", "-O", "vmdk", disk + ".raw", disk);
    } else {
      standby.writeFile(disk, Files.readAllBytes(restored));
      assertThat(standby.execOk("qemu-img", "check", disk)).contains("No errors");
    }
    standby.startGuest(name);

    assertThat(standby.awaitMarker(name, BOOT)).isEqualTo(new TestGuest.Identity(name, generation));
    standby.destroyGuest(name);
  }

  private String store(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new StoreCommand());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    assertThat(exit).as("store %s: %s", String.join(" ", args), err).isZero();
    return out.toString();
  }
}
