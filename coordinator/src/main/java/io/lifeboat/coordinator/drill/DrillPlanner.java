package io.lifeboat.coordinator.drill;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import io.lifeboat.coordinator.failover.Decision;
import io.lifeboat.coordinator.failover.OutboundCommand;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.BootCheck;
import io.lifeboat.protocol.v1.BootCheckKind;
import io.lifeboat.protocol.v1.CommandHeader;
import io.lifeboat.protocol.v1.CommandOutcome;
import io.lifeboat.protocol.v1.CommandResult;
import io.lifeboat.protocol.v1.DrillBegun;
import io.lifeboat.protocol.v1.DrillBoot;
import io.lifeboat.protocol.v1.DrillBootResult;
import io.lifeboat.protocol.v1.DrillCommandSent;
import io.lifeboat.protocol.v1.DrillEnded;
import io.lifeboat.protocol.v1.DrillGuestFinished;
import io.lifeboat.protocol.v1.DrillGuestResult;
import io.lifeboat.protocol.v1.DrillReport;
import io.lifeboat.protocol.v1.DrillStarted;
import io.lifeboat.protocol.v1.DrillTeardown;
import io.lifeboat.protocol.v1.DrillTeardownResult;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.Failure;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.PlanEntry;
import io.lifeboat.protocol.v1.RecoveryPlanDefined;

/**
 * Runs DR drills guest by guest in plan order: DrillBoot on the guest's standby from its latest verified restore
 * point, then DrillTeardown whatever the boot result, then the next guest, then the report. It decides by returning
 * journal records (to make durable first) and commands (to send after), changes its state only by applying those
 * records, reads no clock, and rebuilds a running drill from the journal after a restart ({@link #apply}).
 */
public final class DrillPlanner {

    /** Who starts a drill when its plan's cron fires. */
    public static final String SCHEDULER = "scheduler";

    private static final Duration DEFAULT_BOOT_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration COMMAND_SLACK = Duration.ofSeconds(60);
    private static final Duration TEARDOWN_TIMEOUT = Duration.ofSeconds(120);

    private static final java.time.format.DateTimeFormatter POINT_TIME = java.time.format.DateTimeFormatter
            .ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(java.time.ZoneOffset.UTC);

    private final String nodeId;
    private final Map<String, Run> running = new LinkedHashMap<>();
    private final List<DrillReport> finished = new ArrayList<>();
    private final Map<String, List<DrillGuestFinished>> guestDetails = new LinkedHashMap<>();

    /** Creates a planner for the coordinator {@code nodeId}, with no drill running. */
    public DrillPlanner(String nodeId) {
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
    }

    /** Applies one journal record; records that are not about drills are ignored. */
    public void apply(JournalRecord record) {
        switch (record.getRecordCase()) {
            case DRILL_BEGUN -> {
                DrillBegun b = record.getDrillBegun();
                running.put(b.getStarted().getPlan(), new Run(b));
                guestDetails.put(b.getStarted().getDrillId(), new ArrayList<>());
            }
            case DRILL_COMMAND_SENT -> runOf(record.getDrillCommandSent().getDrillId())
                    .ifPresent(r -> r.pending = record.getDrillCommandSent());
            case DRILL_GUEST_FINISHED -> {
                DrillGuestFinished f = record.getDrillGuestFinished();
                runOf(f.getDrillId()).ifPresent(r -> {
                    r.pending = null;
                    r.results.add(f.getResult());
                });
                guestDetails.computeIfAbsent(f.getDrillId(), k -> new ArrayList<>()).add(f);
            }
            case DRILL_ENDED -> {
                DrillReport report = record.getDrillEnded().getReport();
                running.remove(report.getPlan());
                finished.add(report);
                // The same bound as the history a journal snapshot keeps, so a restart lists the same reports.
                while (finished.size() > io.lifeboat.coordinator.state.RecentHistory.DRILLS_KEPT) {
                    guestDetails.remove(finished.remove(0).getDrillId());
                }
            }
            default -> {
                // not a drill record
            }
        }
    }

    /** The id of the drill running for {@code plan}, if any. */
    public Optional<String> runningDrill(String plan) {
        return Optional.ofNullable(running.get(plan)).map(r -> r.begun.getStarted().getDrillId());
    }

    /** The plans whose drill runs, with the drill's start record. */
    public List<DrillBegun> runningDrills() {
        return running.values().stream().map(r -> r.begun).toList();
    }

    /** The plan of the running drill that sent command {@code commandId}, if any. */
    public Optional<String> planOf(String commandId) {
        return running.entrySet().stream().filter(e -> e.getValue().pending != null
                && commandId(e.getValue().pending.getCommand()).equals(commandId)).map(Map.Entry::getKey).findFirst();
    }

    /** Finished drills' reports, oldest first. */
    public List<DrillReport> reports() {
        return List.copyOf(finished);
    }

    /** The per-guest detail (boot evidence, teardown) recorded for {@code drillId}, in plan order. */
    public List<DrillGuestFinished> guestDetails(String drillId) {
        return List.copyOf(guestDetails.getOrDefault(drillId, List.of()));
    }

    /**
     * Starts a drill of {@code plan}: journals DrillBegun and the first guest's DrillBoot.
     *
     * @param drillId the new drill's id
     * @param isolatedNetwork network the drill copies join, empty for no NIC
     * @param startedBy the user, or {@link #SCHEDULER}
     * @throws DrillConflictException when a drill of this plan still runs
     */
    public Decision start(String drillId, RecoveryPlanDefined plan, String isolatedNetwork, String startedBy,
                          DrillSite site, long epoch, Instant now) {
        Run run = running.get(plan.getName());
        if (run != null) {
            throw new DrillConflictException(plan.getName(), run.begun.getStarted().getDrillId());
        }
        DrillStarted started = DrillStarted.newBuilder().setDrillId(drillId).setPlan(plan.getName())
                .addAllGuestIds(plan.getEntriesList().stream().map(PlanEntry::getGuestId).toList())
                .setStartedBy(startedBy).build();
        DrillBegun begun = DrillBegun.newBuilder().setStarted(started).setAt(Timestamps.of(now))
                .setIsolatedNetwork(isolatedNetwork).build();
        Builder out = new Builder();
        out.record(JournalRecord.newBuilder().setDrillBegun(begun).build());
        advance(plan, site, epoch, now, out);
        return out.build();
    }

    /** Takes the result of a DrillBoot or DrillTeardown; results of other commands decide nothing. */
    public Decision onResult(CommandResult result, RecoveryPlanDefined plan, DrillSite site, long epoch,
                             Instant now) {
        Run run = running.get(plan.getName());
        if (run == null || run.pending == null
                || !commandId(run.pending.getCommand()).equals(result.getCommandId())) {
            return new Decision(List.of(), List.of());
        }
        Builder out = new Builder();
        DrillCommandSent pending = run.pending;
        if (pending.getCommand().hasDrillBoot()) {
            DrillBootResult boot = result.hasDrillBoot() ? result.getDrillBoot() : DrillBootResult.getDefaultInstance();
            Failure failure = null;
            if (result.getOutcome() != CommandOutcome.COMMAND_OUTCOME_SUCCEEDED || !boot.getPassed()) {
                failure = result.hasFailure() ? result.getFailure()
                        : failure("drill_boot_failed", "guest " + pending.getGuestId() + " on "
                                + pending.getHostId() + ": " + (boot.getReason().isEmpty()
                                ? "drill copy did not boot" : boot.getReason()));
            }
            sendTeardown(run, pending, boot, failure, epoch, now, out);
        } else {
            DrillTeardownResult teardown = result.hasDrillTeardown() ? result.getDrillTeardown()
                    : DrillTeardownResult.getDefaultInstance();
            Failure teardownFailure = null;
            if (result.getOutcome() != CommandOutcome.COMMAND_OUTCOME_SUCCEEDED) {
                teardownFailure = result.hasFailure() ? result.getFailure()
                        : failure("drill_teardown_failed", "teardown failed on " + pending.getHostId());
            } else if (!teardown.getNothingLeft()) {
                teardownFailure = failure("drill_leftovers", "guest " + pending.getGuestId() + " on "
                        + pending.getHostId() + ": teardown left " + String.join(", ", teardown.getLeftoversList()));
            }
            finishGuest(run, pending, teardown, teardownFailure, out);
            advance(plan, site, epoch, now, out);
        }
        return out.build();
    }

    /** Gives up on commands past their deadline: a boot that timed out is still torn down. */
    public Decision tick(Map<String, RecoveryPlanDefined> plans, DrillSite site, long epoch, Instant now) {
        Builder out = new Builder();
        for (Run run : List.copyOf(running.values())) {
            DrillCommandSent pending = run.pending;
            RecoveryPlanDefined plan = plans.get(run.begun.getStarted().getPlan());
            if (pending == null || plan == null || now.isBefore(Timestamps.instant(pending.getDeadline()))) {
                continue;
            }
            if (pending.getCommand().hasDrillBoot()) {
                sendTeardown(run, pending, DrillBootResult.getDefaultInstance(), failure("drill_boot_timed_out",
                        "guest " + pending.getGuestId() + " on " + pending.getHostId()
                                + ": no DrillBoot result by " + Timestamps.instant(pending.getDeadline())),
                        epoch, now, out);
            } else {
                finishGuest(run, pending, DrillTeardownResult.getDefaultInstance(), failure("drill_teardown_timed_out",
                        "guest " + pending.getGuestId() + " on " + pending.getHostId()
                                + ": no DrillTeardown result by " + Timestamps.instant(pending.getDeadline())), out);
                advance(plan, site, epoch, now, out);
            }
        }
        return out.build();
    }

    /** The outstanding drill commands for {@code hostId}, to resend unchanged (same command id) at {@code epoch}. */
    public List<OutboundCommand> resend(String hostId, long epoch) {
        List<OutboundCommand> out = new ArrayList<>();
        for (Run run : running.values()) {
            if (run.pending != null && run.pending.getHostId().equals(hostId)) {
                out.add(new OutboundCommand(hostId, atEpoch(run.pending.getCommand(), epoch)));
            }
        }
        return out;
    }

    /** The drill name of a guest: {@code drill-<name>-<first 8 characters of the drill id>}, safe characters only. */
    static String drillName(String guestName, String drillId) {
        String safe = guestName.replaceAll("[^A-Za-z0-9_.-]", "_");
        String shortId = drillId.replace("-", "");
        return "drill-" + safe + "-" + shortId.substring(0, Math.min(8, shortId.length()));
    }

    private void advance(RecoveryPlanDefined plan, DrillSite site, long epoch, Instant now, Builder out) {
        Run run = running.get(plan.getName());
        List<String> guests = run.begun.getStarted().getGuestIdsList();
        while (run.pending == null && run.results.size() < guests.size()) {
            String guestId = guests.get(run.results.size());
            PlanEntry entry = plan.getEntriesList().stream().filter(e -> e.getGuestId().equals(guestId)).findFirst()
                    .orElse(PlanEntry.newBuilder().setGuestId(guestId).build());
            Optional<DrillGuest> guest = site.guest(guestId);
            if (guest.isEmpty() || guest.get().standbyHostId().isEmpty() || guest.get().pointId().isEmpty()) {
                String why = guest.isEmpty() ? "guest " + guestId + " is not known to the coordinator"
                        : guest.get().standbyHostId().isEmpty() ? "guest " + guest.get().name() + " has no standby"
                        : "guest " + guest.get().name() + ": no verified restore point on "
                        + guest.get().standbyHostId();
                DrillGuestResult result = DrillGuestResult.newBuilder().setGuestId(guestId)
                        .setFailure(failure("no_usable_point", why)).build();
                out.record(JournalRecord.newBuilder().setDrillGuestFinished(DrillGuestFinished.newBuilder()
                        .setDrillId(run.drillId()).setResult(result)
                        .setHostId(guest.map(DrillGuest::standbyHostId).orElse(""))).build());
                continue;
            }
            sendBoot(run, entry, guest.get(), epoch, now, out);
        }
        if (run.pending == null && run.results.size() == guests.size()) {
            DrillReport report = DrillReport.newBuilder().setDrillId(run.drillId()).setPlan(plan.getName())
                    .setSuccess(run.results.stream().allMatch(DrillGuestResult::getBootVerified))
                    .addAllGuests(run.results).setStartedAt(run.begun.getAt()).setFinishedAt(Timestamps.of(now))
                    .build();
            out.record(JournalRecord.newBuilder().setDrillEnded(DrillEnded.newBuilder().setReport(report)).build());
        }
    }

    private void sendBoot(Run run, PlanEntry entry, DrillGuest guest, long epoch, Instant now, Builder out) {
        BootCheck check = entry.getBootCheck();
        Duration timeout = check.hasTimeout() ? Timestamps.duration(check.getTimeout()) : DEFAULT_BOOT_TIMEOUT;
        String commandId = stableId(run.drillId() + "/" + guest.guestId() + "/boot");
        DrillBoot.Builder boot = DrillBoot.newBuilder()
                .setHeader(CommandHeader.newBuilder().setCommandId(commandId).setEpoch(epoch)
                        .setOperationId(run.drillId()).setTimeout(Timestamps.of(timeout.plus(COMMAND_SLACK))))
                .setDrillId(run.drillId()).setGuestId(guest.guestId()).setPointId(guest.pointId().orElseThrow())
                .setDrillName(drillName(guest.name(), run.drillId()))
                .setIsolatedNetwork(run.begun.getIsolatedNetwork())
                .setBootTimeout(Timestamps.of(timeout));
        if (check.getKind() == BootCheckKind.BOOT_CHECK_KIND_SERIAL_MARKER) {
            boot.setBootMarker(check.getSerialMarker());
        }
        if (!guest.spec().equals(guest.spec().getDefaultInstanceForType())) {
            boot.setSpec(guest.spec());
        }
        Envelope envelope = envelope(epoch, commandId).setDrillBoot(boot).build();
        DrillCommandSent sent = DrillCommandSent.newBuilder().setDrillId(run.drillId()).setGuestId(guest.guestId())
                .setHostId(guest.standbyHostId()).setCommand(envelope).setAt(Timestamps.of(now))
                .setDeadline(Timestamps.of(now.plus(timeout).plus(COMMAND_SLACK.multipliedBy(2))))
                .setPointId(guest.pointId().orElseThrow()).build();
        out.record(JournalRecord.newBuilder().setDrillCommandSent(sent).build());
        out.command(new OutboundCommand(guest.standbyHostId(), envelope));
    }

    private void sendTeardown(Run run, DrillCommandSent boot, DrillBootResult result, Failure failure, long epoch,
                              Instant now, Builder out) {
        String commandId = stableId(run.drillId() + "/" + boot.getGuestId() + "/teardown");
        String drillName = boot.getCommand().getDrillBoot().getDrillName();
        DrillTeardown teardown = DrillTeardown.newBuilder()
                .setHeader(CommandHeader.newBuilder().setCommandId(commandId).setEpoch(epoch)
                        .setOperationId(run.drillId()).setTimeout(Timestamps.of(TEARDOWN_TIMEOUT)))
                .setDrillId(run.drillId()).setGuestId(boot.getGuestId()).setDrillName(drillName).build();
        Envelope envelope = envelope(epoch, commandId).setDrillTeardown(teardown).build();
        DrillCommandSent.Builder sent = DrillCommandSent.newBuilder().setDrillId(run.drillId())
                .setGuestId(boot.getGuestId()).setHostId(boot.getHostId()).setCommand(envelope)
                .setAt(Timestamps.of(now)).setDeadline(Timestamps.of(now.plus(TEARDOWN_TIMEOUT.plus(COMMAND_SLACK))))
                .setPointId(boot.getPointId()).setBoot(result);
        if (failure != null) {
            sent.setBootFailure(failure);
        }
        DrillCommandSent record = sent.build();
        out.record(JournalRecord.newBuilder().setDrillCommandSent(record).build());
        out.command(new OutboundCommand(boot.getHostId(), envelope));
    }

    private void finishGuest(Run run, DrillCommandSent teardownSent, DrillTeardownResult teardown,
                             Failure teardownFailure, Builder out) {
        DrillBootResult boot = teardownSent.getBoot();
        boolean passed = !teardownSent.hasBootFailure() && boot.getPassed() && teardownFailure == null;
        DrillGuestResult.Builder result = DrillGuestResult.newBuilder().setGuestId(teardownSent.getGuestId())
                .setPointId(teardownSent.getPointId()).setBootVerified(passed);
        if (boot.hasBootDuration()) {
            result.setRto(boot.getBootDuration());
        }
        Instant pointTime = pointTime(teardownSent.getPointId());
        Instant drillStart = Timestamps.instant(run.begun.getAt());
        if (pointTime != null && !pointTime.isAfter(drillStart)) {
            result.setRpo(Timestamps.of(Duration.between(pointTime, drillStart)));
        }
        if (teardownSent.hasBootFailure()) {
            result.setFailure(teardownSent.getBootFailure());
        } else if (teardownFailure != null) {
            result.setFailure(teardownFailure);
        }
        out.record(JournalRecord.newBuilder().setDrillGuestFinished(DrillGuestFinished.newBuilder()
                .setDrillId(run.drillId()).setResult(result).setBoot(boot).setTeardown(teardown)
                .setDrillName(teardownSent.getCommand().getDrillTeardown().getDrillName())
                .setHostId(teardownSent.getHostId())).build());
    }

    private Envelope.Builder envelope(long epoch, String commandId) {
        return Envelope.newBuilder().setSender(nodeId).setEpoch(epoch)
                .setMessageId(stableId(commandId + "@" + epoch));
    }

    private Envelope atEpoch(Envelope command, long epoch) {
        Envelope.Builder out = command.toBuilder().setEpoch(epoch)
                .setMessageId(stableId(commandId(command) + "@" + epoch));
        if (command.hasDrillBoot()) {
            DrillBoot b = command.getDrillBoot();
            out.setDrillBoot(b.toBuilder().setHeader(b.getHeader().toBuilder().setEpoch(epoch)));
        } else if (command.hasDrillTeardown()) {
            DrillTeardown t = command.getDrillTeardown();
            out.setDrillTeardown(t.toBuilder().setHeader(t.getHeader().toBuilder().setEpoch(epoch)));
        }
        return out.build();
    }

    private static String commandId(Envelope command) {
        if (command.hasDrillBoot()) {
            return command.getDrillBoot().getHeader().getCommandId();
        }
        return command.getDrillTeardown().getHeader().getCommandId();
    }

    private Optional<Run> runOf(String drillId) {
        return running.values().stream().filter(r -> r.drillId().equals(drillId)).findFirst();
    }

    /** The snapshot time a point id carries ({@code <guest id>/<UTC yyyyMMddTHHmmssZ>}), or null. */
    static Instant pointTime(String pointId) {
        int slash = pointId.lastIndexOf('/');
        try {
            return POINT_TIME.parse(pointId.substring(slash + 1), Instant::from);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    private static Failure failure(String code, String message) {
        return Failure.newBuilder().setErrorClass(ErrorClass.ERROR_CLASS_PERMANENT).setCode(code).setMessage(message)
                .build();
    }

    private static String stableId(String name) {
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** A running drill, rebuilt from its records. */
    private static final class Run {
        private final DrillBegun begun;
        private final List<DrillGuestResult> results = new ArrayList<>();
        private DrillCommandSent pending;

        private Run(DrillBegun begun) {
            this.begun = begun;
        }

        private String drillId() {
            return begun.getStarted().getDrillId();
        }
    }

    /** Collects the records and commands of one decision, applying each record as it is decided. */
    private final class Builder {
        private final List<JournalRecord> records = new ArrayList<>();
        private final List<OutboundCommand> commands = new ArrayList<>();

        private void record(JournalRecord record) {
            records.add(record);
            apply(record);
        }

        private void command(OutboundCommand command) {
            commands.add(command);
        }

        private Decision build() {
            return new Decision(records, commands);
        }
    }
}
