package io.lifeboat.agent.link;

import io.lifeboat.agent.hypervisor.GuestRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** Which guests this host protects: Lifeboat guest id to the hypervisor's reference (uuid or name). */
public final class GuestDirectory {
  private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
      + "[0-9a-fA-F]{12}");
  private final Map<String, GuestRef> refs = new LinkedHashMap<>();

  /**
   * Creates the directory.
   *
   * @param guests guest id to the hypervisor's uuid or name
   */
  public GuestDirectory(Map<String, String> guests) {
    guests.forEach((id, ref) -> refs.put(id, UUID.matcher(ref).matches() ? new GuestRef("", ref)
        : GuestRef.named(ref)));
  }

  /**
   * Records a guest (e.g. after a RegisterGuest command).
   *
   * @param guestId the Lifeboat guest id
   * @param ref the hypervisor's reference
   */
  public synchronized void put(String guestId, GuestRef ref) {
    refs.put(guestId, ref);
  }

  /**
   * Looks a guest up.
   *
   * @param guestId the Lifeboat guest id
   * @return its reference
   */
  public synchronized Optional<GuestRef> ref(String guestId) {
    return Optional.ofNullable(refs.get(guestId));
  }

  /** @return every protected guest's reference */
  public synchronized List<GuestRef> refs() {
    return new ArrayList<>(refs.values());
  }

  /**
   * Finds the guest id of a reference.
   *
   * @param ref a reference the driver returned
   * @return the guest id, when protected
   */
  public synchronized Optional<String> guestId(GuestRef ref) {
    return refs.entrySet().stream().filter(e -> e.getValue().equals(ref)
        || (!ref.hypervisorUuid().isEmpty() && ref.hypervisorUuid().equalsIgnoreCase(e.getValue().hypervisorUuid()))
        || (!ref.name().isEmpty() && ref.name().equals(e.getValue().name()))).map(Map.Entry::getKey).findFirst();
  }
}
