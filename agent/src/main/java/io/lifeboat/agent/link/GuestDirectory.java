package io.lifeboat.agent.link;

import io.lifeboat.agent.fence.AtomicFiles;
import io.lifeboat.agent.hypervisor.GuestRef;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which guests this host protects: Lifeboat guest id to the hypervisor's reference (uuid or name). Guests come from
 * the configuration's {@code protectedGuests} and from RegisterGuest commands (a failover onto this host); the
 * latter are kept in a file in the state directory, so that they survive an agent restart.
 */
public final class GuestDirectory {
  private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
      + "[0-9a-fA-F]{12}");
  private final Map<String, GuestRef> refs = new LinkedHashMap<>();
  private final Map<String, GuestRef> configured = new LinkedHashMap<>();
  private final Map<String, GuestRef> learned = new LinkedHashMap<>();
  private final Path learnedFile;

  /**
   * Creates a directory of configured guests only, remembering registered ones in memory.
   *
   * @param guests guest id to the hypervisor's uuid or name
   */
  public GuestDirectory(Map<String, String> guests) {
    this(guests, null);
  }

  private GuestDirectory(Map<String, String> guests, Path learnedFile) {
    this.learnedFile = learnedFile;
    guests.forEach((id, ref) -> configured.put(id, UUID.matcher(ref).matches() ? new GuestRef("", ref)
        : GuestRef.named(ref)));
    refs.putAll(configured);
  }

  /**
   * Opens a directory whose registered guests persist in a file (blocking: reads it).
   *
   * @param guests the configured guests, guest id to the hypervisor's uuid or name
   * @param learnedFile where guests registered by command are kept
   * @return the directory, with the guests registered before the last restart
   * @throws IOException when the file exists but cannot be read
   */
  public static GuestDirectory open(Map<String, String> guests, Path learnedFile) throws IOException {
    GuestDirectory d = new GuestDirectory(guests, learnedFile);
    if (Files.exists(learnedFile)) {
      JsonObject j;
      try {
        j = new JsonObject(Files.readString(learnedFile, StandardCharsets.UTF_8));
      } catch (RuntimeException e) {
        throw new IOException(learnedFile + ": not a guest list: " + e.getMessage(), e);
      }
      for (String id : j.fieldNames()) {
        JsonObject r = j.getJsonObject(id);
        GuestRef ref = new GuestRef(r.getString("name", ""), r.getString("hypervisorUuid", ""));
        d.learned.put(id, ref);
        d.refs.put(id, ref);
      }
    }
    return d;
  }

  /**
   * Records a guest registered here (e.g. by a RegisterGuest command); blocking when the directory persists.
   *
   * @param guestId the Lifeboat guest id
   * @param ref the hypervisor's reference
   * @throws IOException when the guest list cannot be written
   */
  public synchronized void put(String guestId, GuestRef ref) throws IOException {
    refs.put(guestId, ref);
    learned.put(guestId, ref);
    save();
  }

  /**
   * Forgets a guest registered by command once it is unregistered; configured guests stay. Blocking when the
   * directory persists.
   *
   * @param guestId the Lifeboat guest id
   * @throws IOException when the guest list cannot be written
   */
  public synchronized void forget(String guestId) throws IOException {
    if (learned.remove(guestId) == null) {
      return;
    }
    GuestRef original = configured.get(guestId);
    if (original == null) {
      refs.remove(guestId);
    } else {
      refs.put(guestId, original);
    }
    save();
  }

  private void save() throws IOException {
    if (learnedFile == null) {
      return;
    }
    JsonObject j = new JsonObject();
    learned.forEach((id, ref) -> j.put(id, new JsonObject().put("name", ref.name())
        .put("hypervisorUuid", ref.hypervisorUuid())));
    AtomicFiles.write(learnedFile, j.encodePrettily().getBytes(StandardCharsets.UTF_8));
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
