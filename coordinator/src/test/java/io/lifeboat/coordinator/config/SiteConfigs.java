package io.lifeboat.coordinator.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes coordinator configuration files for tests. */
public final class SiteConfigs {

    /** The shared secret the test site uses. */
    public static final String SECRET = "correct horse battery staple 42";

    private SiteConfigs() {
    }

    /** A two-host site with the coordinator on a NAS, one plan, one protected guest; {@code extra} is appended. */
    public static Path write(Path dir, String coordinatorBox, String extra) throws IOException {
        Files.writeString(dir.resolve("site.secret"), SECRET + "\n");
        Files.writeString(dir.resolve("other.secret"), "another secret for hostB only\n");
        String yaml = """
                nodeId: c1
                box: %s
                listen:
                  host: 127.0.0.1
                  port: 0
                journalDir: journal
                secrets:
                  site: site.secret
                  hostb-key: other.secret
                hosts:
                  - id: hostA
                    box: boxA
                    store: "127.0.0.1:7402"
                    probe:
                      hypervisor: "qemu+tcp://127.0.0.1/system"
                      ssh: "127.0.0.1:2222"
                  - id: hostB
                    box: boxB
                    keyId: hostb-key
                    store: "127.0.0.1:7403"
                    probe:
                      hypervisor: "127.0.0.1:16510"
                      ssh: "127.0.0.1:2223"
                plans:
                  - name: office
                    target: hostB
                    destinationDir: /srv/lifeboat
                    networks:
                      VM Network: br0
                    guests:
                      - id: 7f1c8d2e-0000-4000-8000-000000000001
                        group: 0
                        boot:
                          serialMarker: "login:"
                          timeoutSeconds: 120
                guests:
                  - id: 7f1c8d2e-0000-4000-8000-000000000001
                    name: mail
                    primary: hostA
                    standby: hostB
                    plan: office
                    rpo: 600
                """.formatted(coordinatorBox) + extra;
        Path file = dir.resolve("coordinator.yaml");
        Files.writeString(file, yaml);
        return file;
    }
}
