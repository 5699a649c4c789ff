package io.lifeboat.lab.site;

import io.lifeboat.lab.LabHost;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.Library;
import org.libvirt.LibvirtException;
import org.libvirt.event.DomainEventType;
import org.libvirt.event.LifecycleListener;

/**
 * Watches a lab host's hypervisor through libvirt lifecycle events (over its published qemu+tcp URI, with libvirt's
 * event loop on its own thread), so a test sees every start and stop of a guest, not only what polling catches. It
 * also records which guests ran when it began watching.
 */
final class GuestLifecycleWatch implements AutoCloseable {
  /** One lifecycle change of a domain on a host, with the time this JVM received it. */
  record Change(Instant at, String host, String domain, DomainEventType type, String detail) {}

  private static final AtomicBoolean EVENT_LOOP = new AtomicBoolean();

  private final String host;
  private final Connect connect;
  private final LifecycleListener listener;
  private final List<Change> changes = new CopyOnWriteArrayList<>();
  private final List<String> runningAtStart;
  private final Instant startedAt = Instant.now();

  private GuestLifecycleWatch(String host, Connect connect, List<Change> sink) throws LibvirtException {
    this.host = host;
    this.connect = connect;
    this.listener = (Domain domain, org.libvirt.event.DomainEvent event) -> {
      String name;
      try {
        name = domain.getName();
      } catch (LibvirtException e) {
        name = "?";
      }
      Change c = new Change(Instant.now(), host, name, event.getType(), String.valueOf((Object) event.getDetail()));
      changes.add(c);
      sink.add(c);
      return 0;
    };
    List<String> running = new ArrayList<>();
    for (int id : connect.listDomains()) {
      running.add(connect.domainLookupByID(id).getName());
    }
    this.runningAtStart = List.copyOf(running);
    connect.addLifecycleListener(listener);
  }

  /** Starts watching {@code host}; every change is also added to {@code sink} (shared by several watches). */
  static GuestLifecycleWatch start(LabHost host, List<Change> sink) throws LibvirtException {
    startEventLoop();
    return new GuestLifecycleWatch(host.name(), new Connect(host.libvirtUri()), sink);
  }

  private static void startEventLoop() throws LibvirtException {
    if (EVENT_LOOP.compareAndSet(false, true)) {
      Library.initEventLoop();
      Thread loop = new Thread(() -> {
        try {
          Library.runEventLoop();
        } catch (LibvirtException | InterruptedException e) {
          // The loop ends with the JVM.
        }
      }, "libvirt-event-loop");
      loop.setDaemon(true);
      loop.start();
    }
  }

  /** The host watched. */
  String host() {
    return host;
  }

  /** When watching began. */
  Instant startedAt() {
    return startedAt;
  }

  /** The domains that ran when watching began. */
  List<String> runningAtStart() {
    return runningAtStart;
  }

  /** Every change seen so far. */
  List<Change> changes() {
    return List.copyOf(changes);
  }

  @Override
  public void close() {
    try {
      connect.removeLifecycleListener(listener);
    } catch (LibvirtException | RuntimeException e) {
      // The host may be gone (killed): its connection is dead already.
    }
    try {
      connect.close();
    } catch (LibvirtException | RuntimeException e) {
      // Same.
    }
  }
}
