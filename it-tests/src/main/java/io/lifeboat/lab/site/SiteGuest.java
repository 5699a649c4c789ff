package io.lifeboat.lab.site;

import io.lifeboat.lab.GuestSpec;
import io.lifeboat.lab.TestGuest;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * A test guest protected by a lab site: its coordinator guest id, its spec on the primary and the marker line it prints
 * when it boots.
 *
 * @param id the guest id the coordinator and the agents know it by
 * @param spec the test guest as installed on the primary
 */
public record SiteGuest(String id, GuestSpec spec) {

  /** A guest named {@code name} with a guest id derived from the name. */
  public static SiteGuest named(String name) {
    return new SiteGuest(UUID.nameUUIDFromBytes(("lifeboat-lab-site/" + name).getBytes(StandardCharsets.UTF_8))
        .toString(), GuestSpec.of(name));
  }

  /** The guest's name (its libvirt domain name on the primary). */
  public String name() {
    return spec.name();
  }

  /** The marker line it prints on its serial console when it boots. */
  public String marker() {
    return TestGuest.markerLine(spec.name(), spec.generation());
  }
}
