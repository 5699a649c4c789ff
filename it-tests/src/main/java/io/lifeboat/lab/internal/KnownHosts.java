package io.lifeboat.lab.internal;

import io.lifeboat.lab.LabException;
import io.lifeboat.lab.LabHost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes a run's known_hosts: every reachable host's sshd keys under its published port on 127.0.0.1 and localhost. */
public final class KnownHosts {
  private KnownHosts() {}

  /** Rewrites {@code file} from the hosts' current keys and ports; killed or partitioned hosts are left out. */
  public static void write(Path file, List<LabHost> hosts) {
    StringBuilder lines = new StringBuilder();
    for (LabHost host : hosts) {
      if (!host.running() || !host.connected()) {
        continue;
      }
      String keys = host.execOk("sh", "-c", "cat /etc/ssh/ssh_host_*_key.pub");
      int port = host.sshPort();
      for (String key : keys.split("\n")) {
        String[] parts = key.strip().split(" ");
        if (parts.length >= 2) {
          for (String address : List.of("127.0.0.1", "localhost")) {
            lines.append('[').append(address).append("]:").append(port).append(' ')
                .append(parts[0]).append(' ').append(parts[1]).append('\n');
          }
        }
      }
    }
    try {
      Files.writeString(file, lines.toString(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new LabException("lab known_hosts " + file + ": cannot write: " + e.getMessage(), e);
    }
  }
}
