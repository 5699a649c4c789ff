package io.lifeboat.coordinator.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.lifeboat.coordinator.replication.ReplicationStatus;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.RestorePoint;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.FailoverStarted;
import io.lifeboat.protocol.v1.FenceReason;
import io.lifeboat.protocol.v1.Fenced;
import io.lifeboat.protocol.v1.GuestFailedOver;
import io.lifeboat.protocol.v1.GuestProtected;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.JournalRecord;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

class NotifierTest {

    private static final String GUEST = "7f1c8d2e-0000-4000-8000-000000000001";
    private static final Instant T0 = Instant.parse("2026-11-30T12:00:00Z");

    private Vertx vertx;
    private SmtpTestServer smtp;
    private int port;
    private final List<Notifier> notifiers = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        smtp = new SmtpTestServer();
        port = await(smtp.start(vertx));
    }

    @AfterEach
    void stop() throws Exception {
        for (Notifier n : notifiers) {
            await(n.close());
        }
        await(vertx.close());
    }

    @Test
    void aFailoverSendsOneMailToEveryRecipientSayingWhatWhereAndWhatNext() throws Exception {
        CoordinatorState state = protectedGuest();
        JournalRecord failedOver = JournalRecord.newBuilder().setGuestFailedOver(GuestFailedOver.newBuilder()
                .setOperationId("op-1").setGuestId(GUEST).setTargetHostId("hostB").setPointId("p-42")
                .setRpo(com.google.protobuf.Duration.newBuilder().setSeconds(4))
                .setRto(com.google.protobuf.Duration.newBuilder().setSeconds(13))
                .setAt(Timestamps.of(T0.plusSeconds(20)))).build();
        state.apply(JournalRecord.newBuilder().setFailoverStarted(FailoverStarted.newBuilder().setOperationId("op-1")
                .setLostHostId("hostA").setDeclaredAt(Timestamps.of(T0.plusSeconds(7))).addGuestIds(GUEST)).build());
        state.apply(failedOver);
        Notifier notifier = notifier(port, 1, Duration.ofMillis(10));

        List<Boolean> sent = awaitAll(notifier.onRecord(failedOver, state));

        assertThat(sent).containsExactly(true);
        assertThat(smtp.mails()).hasSize(1);
        SmtpTestServer.Received mail = smtp.mails().get(0);
        assertThat(mail.to()).containsExactly("admin@example.org", "oncall@example.org");
        assertThat(mail.from()).isEqualTo("lifeboat@example.org");
        assertThat(mail.subject()).isEqualTo("[lifeboat] mail FAILED OVER to hostB (RTO 13 s, RPO 4 s)");
        assertThat(mail.text()).contains("host hostA was lost", "now runs on hostB", "Restore point: p-42",
                "./lifeboat failback mail");
    }

    @Test
    void anRpoViolationSendsOneMailThenOneRecoveryMail() throws Exception {
        CoordinatorState state = protectedGuest();
        Notifier notifier = notifier(port, 1, Duration.ofMillis(10));
        Duration rpo = Duration.ofSeconds(60);
        RestorePoint old = new RestorePoint("p-1", "hostB", T0, true);
        List<Future<Boolean>> sends = new ArrayList<>();
        // Within RPO + slack (60 + 30 s): nothing; past it: one mail, however often it is checked.
        for (int s : new int[] {30, 80, 100, 110, 200, 400}) {
            sends.addAll(notifier.onRpoCheck(state, status(rpo, old), T0.plusSeconds(s)));
        }
        RestorePoint fresh = new RestorePoint("p-2", "hostB", T0.plusSeconds(405), true);
        for (int s : new int[] {410, 420, 460}) {
            sends.addAll(notifier.onRpoCheck(state, status(rpo, fresh), T0.plusSeconds(s)));
        }

        assertThat(awaitAll(sends)).containsExactly(true, true);
        assertThat(smtp.mails()).extracting(SmtpTestServer.Received::subject).containsExactly(
                "[lifeboat] mail RPO VIOLATED: newest point 100 s old, RPO 60 s",
                "[lifeboat] mail back within RPO (newest point 5 s old, RPO 60 s)");
        assertThat(smtp.mails().get(0).text()).contains("on hostB", "you will get another mail");
    }

    @Test
    void aFenceReportedTwiceIsMailedOnce() throws Exception {
        CoordinatorState state = protectedGuest();
        Notifier notifier = notifier(port, 1, Duration.ofMillis(10));
        Envelope fenced = Envelope.newBuilder().setMessageId("m-1").setSender("hostA").setFenced(Fenced.newBuilder()
                .setHostId("hostA").setReason(FenceReason.FENCE_REASON_LEASE_EXPIRED).addStoppedGuestIds(GUEST)
                .setFencedBy("hostA")).build();

        List<Future<Boolean>> sends = new ArrayList<>(notifier.onEvent(fenced, state));
        sends.addAll(notifier.onEvent(fenced, state));

        assertThat(awaitAll(sends)).containsExactly(true);
        assertThat(smtp.mails()).extracting(SmtpTestServer.Received::subject)
                .containsExactly("[lifeboat] host hostA SELF-FENCED (lease expired)");
        assertThat(smtp.mails().get(0).text()).contains("Stopped guests: mail");
    }

    @Test
    void aFenceTheCoordinatorCouldNotDoIsMailedSayingToCheckTheHostIsOff() throws Exception {
        CoordinatorState state = protectedGuest();
        Notifier notifier = notifier(port, 1, Duration.ofMillis(10));
        Envelope failed = Envelope.newBuilder().setMessageId("m-3").setSender("c1").setFenceFailed(
                io.lifeboat.protocol.v1.FenceFailed.newBuilder().setHostId("hostA").setAgentHostId("hostB")
                        .setHypervisorUri("qemu+ssh://root@10.0.0.2/system").setOperationId("failover-1-hostA")
                        .setRequestedBy("c1").setFailure(io.lifeboat.protocol.v1.Failure.newBuilder()
                                .setCode("unreachable").setMessage("no route to host"))).build();

        assertThat(awaitAll(notifier.onEvent(failed, state))).containsExactly(true);
        assertThat(smtp.mails()).extracting(SmtpTestServer.Received::subject)
                .containsExactly("[lifeboat] host hostA could NOT be fenced");
        assertThat(smtp.mails().get(0).text()).contains("agent hostB through qemu+ssh://root@10.0.0.2/system",
                "unreachable: no route to host", "check that hostA is really off");
    }

    @Test
    void aFailbackThatFinishesOrRollsBackIsMailedOnceEach() throws Exception {
        CoordinatorState state = protectedGuest();
        Notifier notifier = notifier(port, 1, Duration.ofMillis(10));
        io.lifeboat.protocol.v1.FailbackProgress.Builder p = io.lifeboat.protocol.v1.FailbackProgress.newBuilder()
                .setOperationId("fb-1").setGuestId(GUEST).setPrimaryHostId("hostA").setStandbyHostId("hostB");
        JournalRecord rolledBack = JournalRecord.newBuilder().setFailbackProgress(p.clone()
                .setPhase(io.lifeboat.protocol.v1.FailbackPhase.FAILBACK_PHASE_ROLLED_BACK)
                .setFailure(io.lifeboat.protocol.v1.Failure.newBuilder().setCode("primary_lost")
                        .setMessage("hostA stopped answering"))).build();
        JournalRecord done = JournalRecord.newBuilder().setFailbackProgress(p.setOperationId("fb-2")
                .setPhase(io.lifeboat.protocol.v1.FailbackPhase.FAILBACK_PHASE_DONE)
                .setDowntime(com.google.protobuf.Duration.newBuilder().setSeconds(9))).build();

        List<Future<Boolean>> sends = new ArrayList<>(notifier.onRecord(rolledBack, state));
        sends.addAll(notifier.onRecord(rolledBack, state));
        sends.addAll(notifier.onRecord(done, state));

        assertThat(awaitAll(sends)).containsExactly(true, true);
        assertThat(smtp.mails()).extracting(SmtpTestServer.Received::subject).containsExactly(
                "[lifeboat] mail failback ROLLED BACK, still on hostB",
                "[lifeboat] mail FAILED BACK to hostA (downtime 9 s)");
        assertThat(smtp.mails().get(0).text()).contains("Reason: primary_lost: hostA stopped answering",
                "./lifeboat failback mail");
    }

    @Test
    void withTheMailServerDownTheCallerCarriesOnAndTheMailIsDroppedAfterItsRetries() throws Exception {
        CoordinatorState state = protectedGuest();
        await(smtp.close());
        Notifier notifier = notifier(port, 3, Duration.ofMillis(50));
        Envelope fenced = Envelope.newBuilder().setMessageId("m-2").setFenced(Fenced.newBuilder().setHostId("hostA")
                .setReason(FenceReason.FENCE_REASON_COMMAND).setFencedBy("c1")).build();

        long before = System.nanoTime();
        List<Future<Boolean>> sends = notifier.onEvent(fenced, state);
        long callMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);

        assertThat(callMillis).as("the caller is not held up by the mail server").isLessThan(1_000);
        assertThat(sends).singleElement().satisfies(f -> assertThat(f.isComplete()).isFalse());
        assertThat(awaitAll(sends)).as("dropped after 3 attempts, not failed").containsExactly(false);
        assertThat(smtp.mails()).isEmpty();
    }

    private Notifier notifier(int smtpPort, int attempts, Duration firstRetry) {
        MailSettings settings = new MailSettings("127.0.0.1", smtpPort, MailSettings.StartTls.DISABLED,
                Optional.empty(), Optional.empty(), "lifeboat@example.org",
                List.of("admin@example.org", "oncall@example.org"));
        Notifier n = new Notifier(new Mailer(vertx, settings, null, "[test]", attempts, firstRetry));
        notifiers.add(n);
        return n;
    }

    private static CoordinatorState protectedGuest() {
        CoordinatorState state = new CoordinatorState();
        state.apply(JournalRecord.newBuilder().setGuestProtected(GuestProtected.newBuilder()
                .setSpec(GuestSpec.newBuilder().setGuestId(GUEST).setName("mail")).setPrimaryHostId("hostA")
                .setStandbyHostId("hostB").setPlan("office")).build());
        return state;
    }

    private static Map<String, ReplicationStatus> status(Duration rpo, RestorePoint newest) {
        return Map.of(GUEST, new ReplicationStatus(GUEST, rpo, Optional.of(newest), Optional.empty(),
                Optional.empty(), Optional.empty(), 0, Optional.empty()));
    }

    private static List<Boolean> awaitAll(List<Future<Boolean>> futures) throws Exception {
        List<Boolean> out = new ArrayList<>();
        for (Future<Boolean> f : futures) {
            out.add(await(f));
        }
        return out;
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
}
