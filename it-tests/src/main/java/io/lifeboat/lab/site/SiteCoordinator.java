package io.lifeboat.lab.site;

import io.lifeboat.coordinator.CoordinatorVerticle;
import io.lifeboat.coordinator.config.CoordinatorConfig;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.lab.LabException;
import io.lifeboat.protocol.Addresses;
import io.lifeboat.protocol.v1.Envelope;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A coordinator running in this JVM on its own Vert.x instance, as the site's coordinator outside both hosts: it keeps
 * every event published on {@code lifeboat.events} and reads copies of the coordinator's state on its event loop.
 */
public final class SiteCoordinator implements AutoCloseable {
  /** An event the coordinator published, with the wall time it arrived here. */
  public record Event(Instant at, Envelope envelope) {}

  private final Vertx vertx;
  private final CoordinatorVerticle verticle;
  private final CoordinatorConfig config;
  private final List<Event> events = new CopyOnWriteArrayList<>();
  private final MessageConsumer<Envelope> consumer;

  private final int httpPort;

  private SiteCoordinator(Vertx vertx, CoordinatorVerticle verticle, CoordinatorConfig config,
      MessageConsumer<Envelope> consumer, int httpPort) {
    this.httpPort = httpPort;
    this.vertx = vertx;
    this.verticle = verticle;
    this.config = config;
    this.consumer = consumer;
  }

  /**
   * Loads {@code configFile} and deploys the coordinator; fails naming the file when it does not start.
   * {@code httpPort} is the loopback port its configuration gives its HTTP server.
   */
  public static SiteCoordinator start(Path configFile, int httpPort) {
    CoordinatorConfig config = CoordinatorConfigLoader.load(configFile);
    Vertx vertx = Vertx.vertx();
    CoordinatorVerticle verticle = new CoordinatorVerticle(config);
    List<Event> early = new CopyOnWriteArrayList<>();
    MessageConsumer<Envelope> consumer = vertx.eventBus().consumer(Addresses.EVENTS,
        m -> early.add(new Event(Instant.now(), m.body())));
    try {
      vertx.deployVerticle(verticle).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      vertx.close();
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new LabException("lab site: coordinator " + config.nodeId() + " (" + configFile + ") did not start: "
          + cause.getMessage(), cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      vertx.close();
      throw new LabException("lab site: interrupted while starting the coordinator", e);
    }
    SiteCoordinator c = new SiteCoordinator(vertx, verticle, config, consumer, httpPort);
    c.events.addAll(early);
    consumer.handler(m -> c.events.add(new Event(Instant.now(), m.body())));
    return c;
  }

  /** The address agents reach the coordinator on. */
  public String listenHost() {
    return config.listenHost();
  }

  /** The port the coordinator listens on for agents. */
  public int port() {
    return verticle.actualPort();
  }

  /**
   * The coordinator's HTTP base address (the page at {@code /}, {@code /api/v1}, {@code /metrics}) when its
   * {@code /metrics}, which needs no login, answers 200 on loopback; empty when it does not (yet).
   */
  public Optional<String> httpAddress() {
    int port = verticle.httpPort() > 0 ? verticle.httpPort() : httpPort;
    String base = "http://127.0.0.1:" + port;
    try {
      HttpResponse<Void> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()
          .send(HttpRequest.newBuilder(URI.create(base + "/metrics")).timeout(Duration.ofSeconds(5)).GET()
              .build(), HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200 ? Optional.of(base) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** Why automatic failover is not armed, or empty when it is. */
  public Optional<String> failoverNotArmedReason() {
    return verticle.failoverNotArmedReason();
  }

  /** The coordinator's Vert.x instance (for its event bus). */
  public Vertx vertx() {
    return vertx;
  }

  /** Every event published on {@code lifeboat.events} so far, in arrival order. */
  public List<Event> events() {
    return List.copyOf(events);
  }

  /** A copy of the coordinator's state, taken on its event loop. */
  public CoordinatorState state() {
    try {
      return verticle.stateCopy().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new LabException("lab site: cannot read the coordinator's state: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LabException("lab site: interrupted while reading the coordinator's state", e);
    }
  }

  @Override
  public void close() {
    try {
      consumer.unregister();
      vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new LabException("lab site: coordinator did not stop: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
