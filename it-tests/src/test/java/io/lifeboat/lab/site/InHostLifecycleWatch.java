package io.lifeboat.lab.site;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import io.lifeboat.lab.LabException;
import io.lifeboat.lab.LabHost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.libvirt.event.DomainEventType;
import org.testcontainers.DockerClientFactory;

/**
 * Watches a lab host's hypervisor through libvirt lifecycle events from inside the host ({@code virsh event --loop
 * --timestamp} run through Docker's exec API), so the watch goes on while the host is cut from every network. Each
 * change carries the time libvirt stamped it with (the host shares this machine's clock).
 */
final class InHostLifecycleWatch implements AutoCloseable {
  private static final Pattern LINE = Pattern.compile(
      "^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d{4}): event 'lifecycle' for domain '([^']+)': (\\w+)"
          + "\\s*(.*)$");
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSZ");
  private static final AtomicInteger IDS = new AtomicInteger();

  private final LabHost host;
  private final String pidFile;
  private final ResultCallback.Adapter<Frame> callback;
  private final List<GuestLifecycleWatch.Change> changes = new CopyOnWriteArrayList<>();

  private InHostLifecycleWatch(LabHost host, String pidFile, List<GuestLifecycleWatch.Change> sink) {
    this.host = host;
    this.pidFile = pidFile;
    StringBuilder pending = new StringBuilder();
    this.callback = new ResultCallback.Adapter<>() {
      @Override
      public void onNext(Frame frame) {
        synchronized (pending) {
          pending.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
          int nl;
          while ((nl = pending.indexOf("\n")) >= 0) {
            String line = pending.substring(0, nl).replace("\r", "").strip();
            pending.delete(0, nl + 1);
            parse(line).ifPresent(c -> {
              changes.add(c);
              sink.add(c);
            });
          }
        }
      }
    };
  }

  /** Starts watching {@code host}; every change is also added to {@code sink}. */
  static InHostLifecycleWatch start(LabHost host, List<GuestLifecycleWatch.Change> sink) {
    String pidFile = "/run/lifeboat-lifecycle-watch-" + IDS.incrementAndGet() + ".pid";
    InHostLifecycleWatch watch = new InHostLifecycleWatch(host, pidFile, sink);
    DockerClient docker = DockerClientFactory.instance().client();
    // A terminal makes virsh flush every line as it prints it.
    String id = docker.execCreateCmd(host.getContainerId()).withAttachStdout(true).withAttachStderr(true)
        .withTty(true).withCmd("sh", "-c", "echo $$ > " + pidFile
            + "; exec virsh -c qemu:///system event --event lifecycle --loop --timestamp")
        .exec().getId();
    docker.execStartCmd(id).withTty(true).exec(watch.callback);
    return watch;
  }

  private java.util.Optional<GuestLifecycleWatch.Change> parse(String line) {
    Matcher m = LINE.matcher(line);
    if (!m.matches()) {
      return java.util.Optional.empty();
    }
    try {
      Instant at = OffsetDateTime.parse(m.group(1), STAMP).toInstant();
      DomainEventType type = DomainEventType.valueOf(m.group(3).toUpperCase(java.util.Locale.ROOT));
      return java.util.Optional.of(new GuestLifecycleWatch.Change(at, host.name(), m.group(2), type, m.group(4)));
    } catch (DateTimeParseException | IllegalArgumentException e) {
      throw new LabException("lab host " + host.name() + ": unreadable lifecycle event line: " + line, e);
    }
  }

  /** Whether the watch has its virsh running in the host (it printed its pid). */
  boolean ready() {
    return host.exec("sh", "-c", "test -s " + pidFile + " && kill -0 $(cat " + pidFile + ")").getExitCode() == 0;
  }

  /** Every change seen so far. */
  List<GuestLifecycleWatch.Change> changes() {
    return List.copyOf(changes);
  }

  @Override
  public void close() {
    if (host.running()) {
      host.exec("sh", "-c", "test -s " + pidFile + " && kill $(cat " + pidFile + "); rm -f " + pidFile);
    }
    try {
      callback.close();
    } catch (IOException e) {
      // The exec's stream is gone with the process.
    }
  }
}
