package io.lifeboat.agent.fence;

import io.lifeboat.agent.hypervisor.GuestRef;
import io.lifeboat.agent.hypervisor.HypervisorDriver;
import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.agent.hypervisor.libvirt.LibvirtDriver;
import io.lifeboat.agent.hypervisor.libvirt.LocalHostFiles;
import io.lifeboat.agent.hypervisor.vmware.VmwareDriver;
import io.lifeboat.agent.hypervisor.vmware.VmwareSettings;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.FencingCapability;
import io.lifeboat.protocol.v1.GuestSpec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Hard-stops guests of another host through that host's hypervisor API: the coordinator fencing a lost host from this
 * agent (FencePeerHost). It connects with the login this agent already has (a libvirt URI carries its own transport
 * and SSH key; a VI API URL uses this agent's VI API user and password file), stops each named guest that runs, and
 * disconnects. Connecting and stopping run on the drivers' worker pools, never on an event loop.
 */
public final class PeerFencer {
  /** Worker pool of the libvirt connections to peers. */
  public static final String WORKER_POOL = "lifeboat-peer-fence";

  /**
   * A VI API login.
   *
   * @param user the user
   * @param passwordFile the file holding the password (read when a peer is fenced)
   */
  public record ViLogin(String user, Path passwordFile) {}

  private final Vertx vertx;
  private final String hostId;
  private final Optional<ViLogin> viLogin;
  private final Path consoleDir;

  /**
   * Creates the fencer.
   *
   * @param vertx Vert.x
   * @param hostId this agent's host id, for messages
   * @param viLogin the VI API login for {@code https://…/sdk} peers; empty when this agent has none
   * @param consoleDir a local directory the libvirt driver may name for consoles (unused by fencing)
   */
  public PeerFencer(Vertx vertx, String hostId, Optional<ViLogin> viLogin, Path consoleDir) {
    this.vertx = vertx;
    this.hostId = hostId;
    this.viLogin = viLogin;
    this.consoleDir = consoleDir;
  }

  /**
   * Hard-stops those of {@code guests} that run on {@code peerHostId}.
   *
   * @param peerHostId the host to fence
   * @param hypervisorUri its hypervisor API (libvirt URI, or VI API URL)
   * @param guests the guests to stop: guest id, and the name and hypervisor uuid the peer knows them by
   * @return the guest ids that were running and were stopped; a failure names this agent, the peer and the URI
   */
  public Future<List<String>> fence(String peerHostId, String hypervisorUri, List<GuestSpec> guests) {
    String where = "agent " + hostId + ": cannot fence host " + peerHostId + " through " + shown(hypervisorUri);
    Map<GuestRef, String> ids = new LinkedHashMap<>();
    for (GuestSpec g : guests) {
      if (!g.getName().isEmpty() || !g.getHypervisorUuid().isEmpty()) {
        ids.put(GuestRef.of(g), g.getGuestId());
      }
    }
    if (ids.isEmpty()) {
      return Future.failedFuture(HypervisorException.permanent("invalid_command", where
          + ": the command names no guest by name or hypervisor uuid"));
    }
    return connect(hypervisorUri)
        .compose(driver -> driver.fence(ids.keySet())
            .eventually(() -> vertx.executeBlocking(() -> {
              driver.close();
              return null;
            }, false)))
        .map(stopped -> stopped.stream().map(ids::get).toList())
        .recover(e -> Future.failedFuture(e instanceof HypervisorException h
            ? new HypervisorException(h.errorClass(), h.code(), where + ": " + h.getMessage(), h)
            : new HypervisorException(ErrorClass.ERROR_CLASS_RETRIABLE, "fence_failed", where + ": " + e, e)));
  }

  private Future<HypervisorDriver> connect(String uri) {
    String scheme;
    try {
      scheme = Optional.ofNullable(new URI(uri).getScheme()).orElse("").toLowerCase(Locale.ROOT);
    } catch (java.net.URISyntaxException e) {
      return Future.failedFuture(HypervisorException.permanent("invalid_uri", "not a URI: " + e.getReason()));
    }
    if (scheme.isEmpty()) {
      return Future.failedFuture(HypervisorException.permanent("invalid_uri", "not a hypervisor URI (no scheme)"));
    }
    if (scheme.equals("https") || scheme.equals("http")) {
      if (viLogin.isEmpty()) {
        return Future.failedFuture(HypervisorException.permanent("no_login", "this agent has no VI API login "
            + "(its driver is not vmware)"));
      }
      ViLogin login = viLogin.get();
      return vertx.executeBlocking(() -> new VmwareSettings(URI.create(uri).toURL(), login.user(),
              Files.readString(login.passwordFile(), StandardCharsets.UTF_8).strip(), true, Map.of(), null,
              FencingCapability.FENCING_CAPABILITY_NONE, 1), false)
          .compose(settings -> VmwareDriver.connect(vertx, settings)).map(d -> (HypervisorDriver) d);
    }
    return LibvirtDriver.connect(vertx, uri, new LocalHostFiles(), WORKER_POOL, consoleDir.toString())
        .map(d -> (HypervisorDriver) d);
  }

  /** The URI as shown in messages: without a password or query (which may name a key file). */
  private static String shown(String uri) {
    int query = uri.indexOf('?');
    return (query < 0 ? uri : uri.substring(0, query)).replaceAll("//([^:@/]+):[^@/]*@", "//$1:***@");
  }
}
