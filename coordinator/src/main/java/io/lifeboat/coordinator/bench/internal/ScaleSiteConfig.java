package io.lifeboat.coordinator.bench.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Writes the scale benchmark's coordinator configuration: N hosts, each on its own box, the coordinator on another;
 * G guests per host, each protected onto the next host by that host's plan, with an RPO of a year so that no backup
 * is scheduled (no host has a store either); both listeners on loopback, ephemeral ports; the default timers.
 */
public final class ScaleSiteConfig {

    /** The RPO of every guest: long enough that the benchmark schedules no backup. */
    public static final long RPO_SECONDS = 365L * 24 * 3600;

    private ScaleSiteConfig() {
    }

    /** Writes {@code coordinator.yaml} and {@code site.secret} into {@code dir}; returns the config file. */
    public static Path write(Path dir, int hosts, int guestsPerHost) throws IOException {
        if (hosts < 2) {
            throw new IllegalArgumentException("the scale benchmark needs at least 2 agents, got " + hosts);
        }
        if (guestsPerHost < 0) {
            throw new IllegalArgumentException("guests per agent must be >= 0, got " + guestsPerHost);
        }
        Files.createDirectories(dir);
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        Files.writeString(secretFile(dir), HexFormat.of().formatHex(secret) + "\n", StandardCharsets.UTF_8);
        StringBuilder y = new StringBuilder(256 + hosts * 120 + hosts * guestsPerHost * 160);
        y.append("nodeId: bench-c1\nbox: bench-nas\nlisten: {host: 127.0.0.1, port: 0}\n")
                .append("http: {listen: \"127.0.0.1:0\"}\njournalDir: journal\nsecrets: {")
                .append(ScaleNames.KEY_ID).append(": site.secret}\nhosts:\n");
        for (int h = 0; h < hosts; h++) {
            y.append("  - {id: ").append(ScaleNames.hostId(h)).append(", box: box-").append(ScaleNames.hostId(h))
                    .append("}\n");
        }
        y.append("plans:\n");
        for (int h = 0; h < hosts; h++) {
            y.append("  - {name: ").append(ScaleNames.planName(h)).append(", target: ").append(ScaleNames.hostId(h))
                    .append("}\n");
        }
        if (guestsPerHost > 0) {
            y.append("guests:\n");
            for (int h = 0; h < hosts; h++) {
                int standby = (h + 1) % hosts;
                for (int g = 0; g < guestsPerHost; g++) {
                    y.append("  - {id: ").append(ScaleNames.guestId(h, g)).append(", name: ")
                            .append(ScaleNames.guestName(h, g)).append(", primary: ").append(ScaleNames.hostId(h))
                            .append(", standby: ").append(ScaleNames.hostId(standby)).append(", plan: ")
                            .append(ScaleNames.planName(standby)).append(", rpo: ").append(RPO_SECONDS).append("}\n");
                }
            }
        }
        Path file = dir.resolve("coordinator.yaml");
        Files.writeString(file, y, StandardCharsets.UTF_8);
        return file;
    }

    /** Where {@link #write} puts the site's shared secret. */
    public static Path secretFile(Path dir) {
        return dir.resolve("site.secret");
    }
}
