package io.lifeboat.agent.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lifeboat.agent.fence.MonotonicClock;
import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandRefusal;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.StartGuest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandDispatcherTest {
  @TempDir
  Path dir;

  @Test
  void noGuestStartsWithoutALeaseAndNothingRunsWhileFencedOrWithoutHeader() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      WorkerExecutor worker = vertx.createSharedWorkerExecutor("test-state", 1);
      AtomicBoolean lease = new AtomicBoolean(false);
      AtomicBoolean fenced = new AtomicBoolean(false);
      List<Envelope> replies = new CopyOnWriteArrayList<>();
      CommandDispatcher d = new CommandDispatcher("hostA", EpochStore.open(dir.resolve("epoch")), worker,
          fenced::get, lease::get, succeeding(Envelope.PayloadCase.START_GUEST), MonotonicClock.SYSTEM);
      Envelope start = Envelope.newBuilder().setStartGuest(StartGuest.newBuilder().setGuestId("g")
          .setHeader(CommandHeader.newBuilder().setCommandId("s-1").setEpoch(1))).build();
      vertx.runOnContext(v -> d.dispatch(start, r -> replies.add(r.build())));
      await().atMost(5, TimeUnit.SECONDS).until(() -> replies.size() == 1);
      assertThat(replies.get(0).getCommandAck().getRefusal()).isEqualTo(CommandRefusal.COMMAND_REFUSAL_FENCED);
      assertThat(replies.get(0).getCommandAck().getMessage()).contains("starts no guest");

      lease.set(true);
      fenced.set(true);
      Envelope again = start.toBuilder().setStartGuest(start.getStartGuest().toBuilder()
          .setHeader(CommandHeader.newBuilder().setCommandId("s-2").setEpoch(1))).build();
      vertx.runOnContext(v -> d.dispatch(again, r -> replies.add(r.build())));
      await().atMost(5, TimeUnit.SECONDS).until(() -> replies.size() == 2);
      assertThat(replies.get(1).getCommandAck().getRefusal()).isEqualTo(CommandRefusal.COMMAND_REFUSAL_FENCED);

      fenced.set(false);
      Envelope third = start.toBuilder().setStartGuest(start.getStartGuest().toBuilder()
          .setHeader(CommandHeader.newBuilder().setCommandId("s-3").setEpoch(1))).build();
      vertx.runOnContext(v -> d.dispatch(third, r -> replies.add(r.build())));
      await().atMost(5, TimeUnit.SECONDS).until(() -> replies.size() == 4);
      assertThat(replies.get(2).getCommandAck().getAccepted()).isTrue();
      assertThat(replies.get(3).getCommandResult().getOutcome()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);

      Envelope headerless = Envelope.newBuilder().setStartGuest(StartGuest.newBuilder().setGuestId("g")).build();
      vertx.runOnContext(v -> d.dispatch(headerless, r -> replies.add(r.build())));
      await().atMost(5, TimeUnit.SECONDS).until(() -> replies.size() == 5);
      assertThat(replies.get(4).getCommandAck().getRefusal()).isEqualTo(CommandRefusal.COMMAND_REFUSAL_INVALID);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
  @Test
  void aFencedAgentStillRunsTheCoordinatorsFence() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      WorkerExecutor worker = vertx.createSharedWorkerExecutor("test-state", 1);
      List<Envelope> replies = new CopyOnWriteArrayList<>();
      CommandDispatcher d = new CommandDispatcher("hostA", EpochStore.open(dir.resolve("epoch")), worker,
          () -> true, () -> false, succeeding(Envelope.PayloadCase.FENCE), MonotonicClock.SYSTEM);
      Envelope fence = Envelope.newBuilder().setFence(io.lifeboat.protocol.v1.Fence.newBuilder().setReason("lost")
          .setHeader(CommandHeader.newBuilder().setCommandId("f-1").setEpoch(1))).build();
      vertx.runOnContext(v -> d.dispatch(fence, r -> replies.add(r.build())));
      await().atMost(5, TimeUnit.SECONDS).until(() -> replies.size() == 2);
      assertThat(replies.get(0).getCommandAck().getAccepted()).isTrue();
      assertThat(replies.get(1).getCommandResult().getOutcome()).isEqualTo(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** A handler that runs {@code kind} commands and succeeds. */
  private static CommandHandler succeeding(Envelope.PayloadCase kind) {
    return new CommandHandler() {
      @Override
      public boolean supports(Envelope.PayloadCase command) {
        return command == kind;
      }

      @Override
      public Future<CommandResult> handle(Envelope command) {
        return Future.succeededFuture(CommandResult.newBuilder()
            .setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED).build());
      }
    };
  }
}
