package io.lifeboat.agent.link;

import io.lifeboat.agent.hypervisor.HypervisorException;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.Failure;
import io.lifeboat.protocol.v1.ProbePeerHost;
import io.lifeboat.protocol.v1.ProbeResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Runs ProbePeerHost, the second signal of host loss: TCP-connects to the peer's hypervisor API and SSH endpoints
 * (each with its own timeout) and reports which answered and how fast.
 */
public final class ProbeCommandHandler implements CommandHandler {
  /** Default ports of hypervisor URI schemes that name none. */
  private static final Map<String, Integer> DEFAULT_PORTS = Map.ofEntries(Map.entry("qemu+tcp", 16509),
      Map.entry("xen+tcp", 16509), Map.entry("qemu+tls", 16514), Map.entry("xen+tls", 16514),
      Map.entry("qemu", 16514), Map.entry("qemu+ssh", 22), Map.entry("qemu+libssh", 22),
      Map.entry("qemu+libssh2", 22), Map.entry("xen+ssh", 22), Map.entry("https", 443), Map.entry("http", 80),
      Map.entry("esx", 443), Map.entry("vpx", 443), Map.entry("ssh", 22));

  private final String hostId;
  private final Vertx vertx;
  private final Duration timeout;
  private final NetClient client;

  /**
   * Creates the handler.
   *
   * @param hostId this host's id, for messages
   * @param vertx Vert.x
   * @param timeout connect timeout per endpoint
   */
  public ProbeCommandHandler(String hostId, Vertx vertx, Duration timeout) {
    this.hostId = hostId;
    this.vertx = vertx;
    this.timeout = timeout;
    // Kept for the handler's lifetime: Vert.x 5 closes the sockets of a client nobody references.
    this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout((int) timeout.toMillis()));
  }

  /** A TCP endpoint to probe. */
  record Endpoint(String host, int port) {
    @Override
    public String toString() {
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  /** What one probe found: whether it answered, in how many nanoseconds, or why not. */
  private record Answer(boolean answered, long nanos, String error) {}

  @Override
  public boolean supports(Envelope.PayloadCase command) {
    return command == Envelope.PayloadCase.PROBE_PEER_HOST;
  }

  @Override
  public Future<CommandResult> handle(Envelope command) {
    ProbePeerHost probe = command.getProbePeerHost();
    Endpoint hypervisor;
    Endpoint ssh;
    try {
      hypervisor = probe.getHypervisorUri().isEmpty() ? null : endpoint(probe.getHypervisorUri(), "hypervisor_uri");
      ssh = probe.getSshAddress().isEmpty() ? null : endpoint(probe.getSshAddress(), "ssh_address");
      if (hypervisor == null && ssh == null) {
        throw new IllegalArgumentException("ProbePeerHost for " + probe.getPeerHostId()
            + " names neither hypervisor_uri nor ssh_address");
      }
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(CommandResult.newBuilder().setOutcome(CommandOutcome.COMMAND_OUTCOME_FAILED)
          .setFailure(HypervisorException.permanent("invalid_probe", "agent " + hostId + ": " + e.getMessage())
              .toFailure()).build());
    }
    Future<Answer> hv = connect(hypervisor);
    Future<Answer> sh = connect(ssh);
    return Future.join(hv, sh).transform(ignored -> {
      Answer h = hv.result();
      Answer s = sh.result();
      ProbeResult.Builder r = ProbeResult.newBuilder().setPeerHostId(probe.getPeerHostId())
          .setHypervisorApiAnswered(h.answered()).setSshAnswered(s.answered());
      long fastest = Math.min(h.answered() ? h.nanos() : Long.MAX_VALUE, s.answered() ? s.nanos() : Long.MAX_VALUE);
      if (fastest != Long.MAX_VALUE) {
        r.setLatency(com.google.protobuf.Duration.newBuilder().setSeconds(fastest / 1_000_000_000L)
            .setNanos((int) (fastest % 1_000_000_000L)));
      } else {
        r.setFailure(Failure.newBuilder().setErrorClass(ErrorClass.ERROR_CLASS_RETRIABLE).setCode("peer_silent")
            .setMessage("agent " + hostId + ": peer " + probe.getPeerHostId() + " answered neither at hypervisor "
                + describe(hypervisor, h) + " nor at ssh " + describe(ssh, s)));
      }
      return Future.succeededFuture(CommandResult.newBuilder().setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED)
          .setProbe(r).build());
    });
  }

  private static String describe(Endpoint e, Answer a) {
    return e == null ? "(not given)" : e + " (" + a.error() + ")";
  }

  private Future<Answer> connect(Endpoint e) {
    if (e == null) {
      return Future.succeededFuture(new Answer(false, 0, "not given"));
    }
    long start = System.nanoTime();
    // The client's connect timeout bounds the attempt; the timer also covers a connect that never settles.
    Future<Answer> attempt = client.connect(e.port(), e.host()).compose(socket -> {
      long nanos = System.nanoTime() - start;
      return socket.close().transform(x -> Future.succeededFuture(new Answer(true, nanos, "")));
    }).recover(err -> Future.succeededFuture(new Answer(false, 0, String.valueOf(err.getMessage()))));
    Future<Answer> deadline = vertx.timer(timeout.toMillis() + 500)
        .map(t -> new Answer(false, 0, "no answer within " + timeout.toMillis() + " ms"));
    return Future.any(attempt, deadline).map(x -> attempt.isComplete() ? attempt.result() : deadline.result());
  }

  /**
   * Parses a probe endpoint: "host:port", or a URI whose port is given or implied by its scheme (libvirt qemu+tcp
   * 16509, qemu+tls 16514, qemu+ssh 22, https 443).
   *
   * @param text the endpoint
   * @param field the command field, for messages
   * @return the endpoint
   * @throws IllegalArgumentException naming the field when the text is neither
   */
  static Endpoint endpoint(String text, String field) {
    String host;
    int port;
    if (text.contains("://")) {
      URI u;
      try {
        u = new URI(text);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException(field + " \"" + text + "\" is not a URI: " + e.getReason());
      }
      host = u.getHost();
      port = u.getPort();
      if (port < 0 && u.getScheme() != null) {
        port = DEFAULT_PORTS.getOrDefault(u.getScheme().toLowerCase(Locale.ROOT), -1);
      }
      if (host == null || host.isEmpty() || port < 0) {
        throw new IllegalArgumentException(field + " \"" + text + "\" names no host, or no port and a scheme"
            + " without a known default");
      }
    } else {
      int colon = text.lastIndexOf(':');
      try {
        host = text.substring(0, colon);
        port = Integer.parseInt(text.substring(colon + 1));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(field + " \"" + text + "\" is not host:port");
      }
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.isEmpty() || port <= 0 || port > 65535) {
      throw new IllegalArgumentException(field + " \"" + text + "\" is not host:port");
    }
    return new Endpoint(host, port);
  }
}
