package io.lifeboat.agent.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeboat.storage.replication.PushRequest;
import io.lifeboat.storage.replication.PushResult;
import io.lifeboat.storage.replication.ReplicationSender;
import io.lifeboat.storage.replication.SenderOptions;
import io.lifeboat.storage.store.ChunkStore;
import io.lifeboat.storage.store.RestorePointId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code store:} block: an agent that serves a standby store receives restore points with the site secret. */
class AgentStoreTest {
  static final String SECRET = "0123456789abcdef-site";
  static final String GUEST_ID = "6f1c2a9e-0000-4000-8000-000000000007";

  @TempDir
  Path dir;

  static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Writes an agent YAML with a store block on libvirt's test driver and a coordinator nobody answers at. */
  static Path config(Path dir, String storeBlock) throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Files.writeString(dir.resolve("site.secret"), SECRET + "\n");
    return Files.writeString(dir.resolve("agent.yaml"), """
        hostId: hostB
        stateDir: state
        coordinators: ["c1@127.0.0.1:%d"]
        secretFile: site.secret
        driver: {kind: libvirt, uri: "test:///default"}
        fenceProcess: none
        %s
        """.formatted(closed, storeBlock));
  }

  static Path disk(Path file, long capacity, String text) throws Exception {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(capacity);
      for (long off = 0; off < capacity; off += 1L << 20) {
        raf.seek(off);
        raf.write((text + " at " + off).getBytes(StandardCharsets.UTF_8));
      }
    }
    return file;
  }

  @Test
  void theStoreBlockIsReadStrictlyWithDefaults() throws Exception {
    Path file = config(dir, "store: {dir: standby-store}");
    AgentConfig.Store s = AgentConfig.read(file).store();
    assertThat(s.dir()).isEqualTo(dir.resolve("standby-store"));
    assertThat(s.listen()).isEqualTo("0.0.0.0:7402");
    assertThat(s.id()).isEqualTo("main");
    assertThat(s.guestDirs()).containsExactly(Path.of("/var/lib/lifeboat/guests"));
    assertThat(AgentConfig.read(config(dir, "")).store()).isNull();

    Path bad = config(dir, "store: {dir: s, listen: \"0.0.0.0:7402\", bogus: 1}");
    assertThatThrownBy(() -> AgentConfig.read(bad)).hasMessageStartingWith(bad + ": unknown key store.bogus");
    Path noDir = config(dir, "store: {listen: \"0.0.0.0:7402\"}");
    assertThatThrownBy(() -> AgentConfig.read(noDir)).hasMessage(noDir + ": missing key store.dir");
    Path badListen = config(dir, "store: {dir: s, listen: \"everywhere\"}");
    assertThatThrownBy(() -> AgentConfig.read(badListen))
        .hasMessage(badListen + ": store.listen \"everywhere\" is not host:port");
    Path badId = config(dir, "store: {dir: s, id: \"../x\"}");
    assertThatThrownBy(() -> AgentConfig.read(badId)).hasMessageContaining(badId + ": store.id \"../x\"");
    Path rootDir = config(dir, "store: {dir: s, guestDirs: [\"/\"]}");
    assertThatThrownBy(() -> AgentConfig.read(rootDir)).hasMessageContaining(rootDir + ": store.guestDirs: \"/\"");
    Path dirs = config(dir, "store: {dir: s, guestDirs: [\"/srv/vms/\", guests]}");
    assertThat(AgentConfig.read(dirs).store().guestDirs()).containsExactly(Path.of("/srv/vms"), dir.resolve("guests"));
  }

  @Test
  void anAgentWithAStoreAcceptsAPushWithTheSiteSecretAndRefusesAnotherSecret() throws Exception {
    Path file = config(dir, "store: {dir: standby-store, listen: \"127.0.0.1:0\", id: main}");
    Path image = disk(dir.resolve("mail-0.img"), 4L << 20, "mail disk 0");
    Vertx vertx = Vertx.vertx();
    try {
      AgentRuntime agent = get(AgentRuntime.start(vertx, AgentConfig.read(file)));
      int port = agent.storePort();
      assertThat(port).isPositive();

      ReplicationSender wrong = new ReplicationSender(vertx, SenderOptions.plain("127.0.0.1", port,
          "not-the-site-secret-at-all".getBytes(StandardCharsets.UTF_8)));
      assertThatThrownBy(() -> get(wrong.push(PushRequest.of(GUEST_ID, List.of(image), dir.resolve("d1")))))
          .isInstanceOf(ExecutionException.class).hasMessageContaining("shared secret");

      ReplicationSender right = new ReplicationSender(vertx, SenderOptions.plain("127.0.0.1", port,
          SECRET.getBytes(StandardCharsets.UTF_8)));
      PushResult pushed = get(right.push(PushRequest.of(GUEST_ID, List.of(image), dir.resolve("d2"))));
      get(agent.stop(vertx));

      ChunkStore store = ChunkStore.open(dir.resolve("standby-store"));
      assertThat(store.points(GUEST_ID)).containsExactly(RestorePointId.parse(pushed.pointId()));
      assertThat(store.isVerified(store.load(RestorePointId.parse(pushed.pointId())))).isTrue();
    } finally {
      get(vertx.close());
    }
  }

  @Test
  void anAgentWithoutAStoreBlockServesNoStore() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      AgentRuntime agent = get(AgentRuntime.start(vertx, AgentConfig.read(config(dir, ""))));
      assertThat(agent.storePort()).isEqualTo(-1);
      assertThat(dir.resolve("standby-store")).doesNotExist();
      get(agent.stop(vertx));
    } finally {
      get(vertx.close());
    }
  }
}
