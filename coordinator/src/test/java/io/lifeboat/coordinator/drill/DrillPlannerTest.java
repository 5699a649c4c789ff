package io.lifeboat.coordinator.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.lifeboat.coordinator.failover.Decision;
import io.lifeboat.coordinator.failover.OutboundCommand;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.BootCheck;
import io.lifeboat.protocol.v1.BootCheckKind;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.DrillBootResult;
import io.lifeboat.protocol.v1.DrillReport;
import io.lifeboat.protocol.v1.DrillTeardownResult;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.PlanEntry;
import io.lifeboat.protocol.v1.RecoveryPlanDefined;

class DrillPlannerTest {

    private static final String MAIL = "11111111-1111-1111-1111-111111111111";
    private static final String WEB = "22222222-2222-2222-2222-222222222222";
    private static final String DRILL = "d41d8cd9-8f00-3204-a980-0998ecf8427e";
    private static final Instant T0 = Instant.parse("2026-12-06T03:00:00Z");

    private final RecoveryPlanDefined plan = RecoveryPlanDefined.newBuilder().setName("office").setTargetHostId("hostB")
            .addEntries(PlanEntry.newBuilder().setGuestId(MAIL).setBootCheck(BootCheck.newBuilder()
                    .setKind(BootCheckKind.BOOT_CHECK_KIND_SERIAL_MARKER).setSerialMarker("LIFEBOAT-BOOTED")
                    .setTimeout(Timestamps.of(Duration.ofSeconds(30)))))
            .addEntries(PlanEntry.newBuilder().setGuestId(WEB))
            .build();
    private final Map<String, DrillGuest> guests = new HashMap<>(Map.of(
            MAIL, guest(MAIL, "mail", MAIL + "/20261206T024500Z"),
            WEB, guest(WEB, "web", WEB + "/20261206T025000Z")));
    private final DrillSite site = id -> Optional.ofNullable(guests.get(id));
    private final List<JournalRecord> journal = new ArrayList<>();

    private static DrillGuest guest(String id, String name, String point) {
        return new DrillGuest(id, name, "hostB", GuestSpec.newBuilder().setGuestId(id).setName(name).build(),
                Optional.of(point), Optional.empty());
    }

    private Decision journaled(Decision d) {
        journal.addAll(d.records());
        return d;
    }

    private static CommandResult bootPassed(Envelope boot, double seconds) {
        return CommandResult.newBuilder().setCommandId(boot.getDrillBoot().getHeader().getCommandId())
                .setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED)
                .setDrillBoot(DrillBootResult.newBuilder().setDrillId(boot.getDrillBoot().getDrillId())
                        .setDrillName(boot.getDrillBoot().getDrillName()).setPointId(boot.getDrillBoot().getPointId())
                        .setPassed(true).setEvidence("Welcome\nLIFEBOAT-BOOTED\n")
                        .setBootDuration(Timestamps.of(Duration.ofMillis((long) (seconds * 1000)))))
                .build();
    }

    private static CommandResult teardown(Envelope teardown, String... leftovers) {
        return CommandResult.newBuilder().setCommandId(teardown.getDrillTeardown().getHeader().getCommandId())
                .setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED)
                .setDrillTeardown(DrillTeardownResult.newBuilder().setNothingLeft(leftovers.length == 0)
                        .addAllLeftovers(List.of(leftovers)).setRemovedFiles(3)
                        .addRemovedDomains(teardown.getDrillTeardown().getDrillName()))
                .build();
    }

    private static Envelope only(Decision d) {
        assertThat(d.commands()).hasSize(1);
        OutboundCommand c = d.commands().get(0);
        assertThat(c.hostId()).isEqualTo("hostB");
        return c.envelope();
    }

    private static DrillReport report(Decision d) {
        return d.records().stream().filter(JournalRecord::hasDrillEnded).findFirst().orElseThrow()
                .getDrillEnded().getReport();
    }

    @Test
    void bootsThenTearsDownEachGuestInPlanOrderAndReportsRtoAndRpo() {
        DrillPlanner planner = new DrillPlanner("c1");
        Decision start = journaled(planner.start(DRILL, plan, "", "admin", site, 3, T0));
        assertThat(start.records().get(0).hasDrillBegun()).isTrue();
        assertThat(start.records().get(1).hasDrillCommandSent()).isTrue();
        Envelope boot = only(start);
        assertThat(boot.getEpoch()).isEqualTo(3);
        assertThat(boot.getDrillBoot().getGuestId()).isEqualTo(MAIL);
        assertThat(boot.getDrillBoot().getPointId()).isEqualTo(MAIL + "/20261206T024500Z");
        assertThat(boot.getDrillBoot().getDrillName()).isEqualTo("drill-mail-d41d8cd9");
        assertThat(boot.getDrillBoot().getBootMarker()).isEqualTo("LIFEBOAT-BOOTED");
        assertThat(boot.getDrillBoot().getBootTimeout()).isEqualTo(Timestamps.of(Duration.ofSeconds(30)));
        assertThat(boot.getDrillBoot().getSpec().getName()).isEqualTo("mail");
        assertThat(planner.runningDrill("office")).contains(DRILL);

        Envelope down = only(journaled(planner.onResult(bootPassed(boot, 7.5), plan, site, 3, T0.plusSeconds(8))));
        assertThat(down.getDrillTeardown().getDrillName()).isEqualTo("drill-mail-d41d8cd9");
        Decision next = journaled(planner.onResult(teardown(down), plan, site, 3, T0.plusSeconds(9)));
        Envelope webBoot = only(next);
        assertThat(webBoot.getDrillBoot().getGuestId()).isEqualTo(WEB);
        assertThat(webBoot.getDrillBoot().getBootMarker()).isEmpty();
        Envelope webDown = only(journaled(planner.onResult(bootPassed(webBoot, 4), plan, site, 3, T0.plusSeconds(13))));
        Decision end = journaled(planner.onResult(teardown(webDown), plan, site, 3, T0.plusSeconds(14)));

        assertThat(end.commands()).isEmpty();
        DrillReport report = report(end);
        assertThat(report.getSuccess()).isTrue();
        assertThat(report.getGuestsList()).extracting(g -> g.getGuestId()).containsExactly(MAIL, WEB);
        assertThat(Timestamps.duration(report.getGuests(0).getRto())).isEqualTo(Duration.ofMillis(7500));
        assertThat(Timestamps.duration(report.getGuests(0).getRpo())).isEqualTo(Duration.ofMinutes(15));
        assertThat(Timestamps.duration(report.getGuests(1).getRpo())).isEqualTo(Duration.ofMinutes(10));
        assertThat(Timestamps.instant(report.getFinishedAt())).isEqualTo(T0.plusSeconds(14));
        assertThat(planner.runningDrill("office")).isEmpty();
        assertThat(planner.reports()).containsExactly(report);
        assertThat(planner.guestDetails(DRILL)).hasSize(2);
        assertThat(planner.guestDetails(DRILL).get(0).getBoot().getEvidence()).contains("LIFEBOAT-BOOTED");
    }

    @Test
    void aGuestWithoutAVerifiedPointFailsWithTheReasonAndTheNextGuestStillRuns() {
        guests.put(MAIL, new DrillGuest(MAIL, "mail", "hostB", GuestSpec.getDefaultInstance(), Optional.empty(),
                Optional.empty()));
        DrillPlanner planner = new DrillPlanner("c1");
        Envelope boot = only(planner.start(DRILL, plan, "", "admin", site, 1, T0));
        assertThat(boot.getDrillBoot().getGuestId()).isEqualTo(WEB);
        Envelope down = only(planner.onResult(bootPassed(boot, 2), plan, site, 1, T0.plusSeconds(3)));
        DrillReport report = report(planner.onResult(teardown(down), plan, site, 1, T0.plusSeconds(4)));
        assertThat(report.getSuccess()).isFalse();
        assertThat(report.getGuests(0).getBootVerified()).isFalse();
        assertThat(report.getGuests(0).getFailure().getCode()).isEqualTo("no_usable_point");
        assertThat(report.getGuests(0).getFailure().getMessage()).isEqualTo("guest mail: no verified restore point on hostB");
        assertThat(report.getGuests(1).getBootVerified()).isTrue();
    }

    @Test
    void aFailedBootIsStillTornDownAndFailsWithTheAgentsReason() {
        DrillPlanner planner = new DrillPlanner("c1");
        Envelope boot = only(planner.start(DRILL, plan, "", "admin", site, 1, T0));
        CommandResult failed = CommandResult.newBuilder().setCommandId(boot.getDrillBoot().getHeader().getCommandId())
                .setOutcome(CommandOutcome.COMMAND_OUTCOME_FAILED)
                .setFailure(io.lifeboat.protocol.v1.Failure.newBuilder().setCode("point_unusable")
                        .setMessage(MAIL + "/20261206T024500Z: chunk 3 marked bad by scrub"))
                .setDrillBoot(DrillBootResult.newBuilder().setPassed(false).setEvidence("")).build();
        Envelope down = only(planner.onResult(failed, plan, site, 1, T0.plusSeconds(1)));
        assertThat(down.hasDrillTeardown()).isTrue();
        Decision next = planner.onResult(teardown(down), plan, site, 1, T0.plusSeconds(2));
        var mail = next.records().stream().filter(JournalRecord::hasDrillGuestFinished).findFirst().orElseThrow()
                .getDrillGuestFinished().getResult();
        assertThat(mail.getBootVerified()).isFalse();
        assertThat(mail.getFailure().getMessage()).isEqualTo(MAIL + "/20261206T024500Z: chunk 3 marked bad by scrub");
        assertThat(only(next).getDrillBoot().getGuestId()).isEqualTo(WEB);
    }

    @Test
    void leftoversAfterTheTeardownFailTheGuestAndAreListed() {
        DrillPlanner planner = new DrillPlanner("c1");
        Envelope boot = only(planner.start(DRILL, plan, "", "admin", site, 1, T0));
        Envelope down = only(planner.onResult(bootPassed(boot, 2), plan, site, 1, T0.plusSeconds(3)));
        Decision next = planner.onResult(teardown(down, "drill-mail-d41d8cd9", "/var/lib/lifeboat/.drills/x/overlay-0.qcow2"),
                plan, site, 1, T0.plusSeconds(4));
        var mail = next.records().stream().filter(JournalRecord::hasDrillGuestFinished).findFirst().orElseThrow()
                .getDrillGuestFinished().getResult();
        assertThat(mail.getBootVerified()).isFalse();
        assertThat(mail.getFailure().getCode()).isEqualTo("drill_leftovers");
        assertThat(mail.getFailure().getMessage()).isEqualTo("guest " + MAIL + " on hostB: teardown left "
                + "drill-mail-d41d8cd9, /var/lib/lifeboat/.drills/x/overlay-0.qcow2");
    }

    @Test
    void aBootWithoutResultByItsDeadlineIsTornDown() {
        DrillPlanner planner = new DrillPlanner("c1");
        planner.start(DRILL, plan, "", "admin", site, 1, T0);
        assertThat(planner.tick(Map.of("office", plan), site, 1, T0.plusSeconds(60)).isEmpty()).isTrue();
        Decision late = planner.tick(Map.of("office", plan), site, 1, T0.plusSeconds(200));
        assertThat(only(late).hasDrillTeardown()).isTrue();
        assertThat(late.records().get(0).getDrillCommandSent().getBootFailure().getCode())
                .isEqualTo("drill_boot_timed_out");
    }

    @Test
    void oneDrillAtATimePerPlan() {
        DrillPlanner planner = new DrillPlanner("c1");
        planner.start(DRILL, plan, "", "admin", site, 1, T0);
        assertThatThrownBy(() -> planner.start("other", plan, "", "admin", site, 1, T0.plusSeconds(1)))
                .isInstanceOf(DrillConflictException.class)
                .hasMessage("plan office: drill " + DRILL + " is still running");
        RecoveryPlanDefined other = plan.toBuilder().setName("lab").build();
        assertThat(planner.start("other", other, "", "admin", site, 1, T0.plusSeconds(1)).commands()).hasSize(1);
    }

    @Test
    void resumesFromTheJournalAfterARestartMidDrill() {
        DrillPlanner planner = new DrillPlanner("c1");
        Envelope boot = only(journaled(planner.start(DRILL, plan, "isolated", "admin", site, 3, T0)));
        assertThat(boot.getDrillBoot().getIsolatedNetwork()).isEqualTo("isolated");
        Envelope down = only(journaled(planner.onResult(bootPassed(boot, 7.5), plan, site, 3, T0.plusSeconds(8))));

        DrillPlanner restarted = new DrillPlanner("c1");
        journal.forEach(restarted::apply);
        assertThat(restarted.runningDrill("office")).contains(DRILL);
        List<OutboundCommand> resent = restarted.resend("hostB", 4);
        assertThat(resent).hasSize(1);
        Envelope again = resent.get(0).envelope();
        assertThat(again.getEpoch()).isEqualTo(4);
        assertThat(again.getDrillTeardown().getHeader().getEpoch()).isEqualTo(4);
        assertThat(again.getDrillTeardown().getHeader().getCommandId())
                .isEqualTo(down.getDrillTeardown().getHeader().getCommandId());
        assertThat(restarted.resend("hostA", 4)).isEmpty();

        Envelope webBoot = only(journaled(restarted.onResult(teardown(down), plan, site, 4, T0.plusSeconds(20))));
        assertThat(webBoot.getDrillBoot().getGuestId()).isEqualTo(WEB);
        Envelope webDown = only(restarted.onResult(bootPassed(webBoot, 3), plan, site, 4, T0.plusSeconds(24)));
        DrillReport report = report(restarted.onResult(teardown(webDown), plan, site, 4, T0.plusSeconds(25)));
        assertThat(report.getSuccess()).isTrue();
        assertThat(Timestamps.duration(report.getGuests(0).getRto())).isEqualTo(Duration.ofMillis(7500));
        assertThat(Timestamps.duration(report.getGuests(0).getRpo())).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void staleOrForeignResultsDecideNothing() {
        DrillPlanner planner = new DrillPlanner("c1");
        planner.start(DRILL, plan, "", "admin", site, 1, T0);
        CommandResult other = CommandResult.newBuilder().setCommandId("not-a-drill-command")
                .setOutcome(CommandOutcome.COMMAND_OUTCOME_SUCCEEDED).build();
        assertThat(planner.onResult(other, plan, site, 1, T0.plusSeconds(1)).isEmpty()).isTrue();
    }
}
