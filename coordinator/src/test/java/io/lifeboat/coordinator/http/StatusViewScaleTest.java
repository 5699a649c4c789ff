package io.lifeboat.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.lifeboat.coordinator.compat.CompatibilityEngine;
import io.lifeboat.coordinator.core.CoordinatorCore;
import io.lifeboat.coordinator.core.GuestProtection;
import io.lifeboat.coordinator.failover.FailoverPlanner;
import io.lifeboat.coordinator.health.LeaseTimers;
import io.lifeboat.coordinator.health.VoterPlacement;
import io.lifeboat.coordinator.state.CoordinatorState;
import io.lifeboat.coordinator.state.Timestamps;
import io.lifeboat.protocol.v1.DiskFormat;
import io.lifeboat.protocol.v1.DiskSpec;
import io.lifeboat.protocol.v1.EpochStarted;
import io.lifeboat.protocol.v1.FencingCapability;
import io.lifeboat.protocol.v1.GuestBitness;
import io.lifeboat.protocol.v1.GuestProtected;
import io.lifeboat.protocol.v1.GuestSpec;
import io.lifeboat.protocol.v1.HostFacts;
import io.lifeboat.protocol.v1.HostFactsRecorded;
import io.lifeboat.protocol.v1.HypervisorKind;
import io.lifeboat.protocol.v1.JournalRecord;
import io.lifeboat.protocol.v1.NicModel;
import io.lifeboat.protocol.v1.NicSpec;
import io.lifeboat.protocol.v1.RecoveryPlanDefined;
import io.lifeboat.protocol.v1.RestorePointRecorded;
import io.lifeboat.protocol.v1.VirtualizationExtension;
import io.lifeboat.protocol.v1.VmdkCreateType;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The bench scale's site (1,000 hosts, 10,000 guests with three points each): the status document and the REST
 * guest list render every guest from one snapshot, with the shapes each endpoint documents; the event loop only takes
 * the snapshot, and goes on (a timer fires) while a worker renders.
 */
class StatusViewScaleTest {

    private static final Instant NOW = Instant.parse("2026-11-30T10:00:00Z");
    private static final int HOSTS = 1_000;
    private static final int GUESTS = 10_000;

    @Test
    void tenThousandGuestsRenderOffTheEventLoopInBothShapes() throws Exception {
        CoordinatorCore core = site();
        // Warm up (JIT), then measure: the snapshot is what the event loop pays, the rest runs on a worker.
        StatusView.render(StatusSnapshot.capture(core, NOW, 0L));
        long t0 = System.nanoTime();
        StatusSnapshot snapshot = StatusSnapshot.capture(core, NOW, 0L);
        long t1 = System.nanoTime();
        String status = StatusView.render(snapshot).encode();
        long t2 = System.nanoTime();
        JsonArray guests = StatusView.guests(snapshot);
        long t3 = System.nanoTime();
        System.out.printf("10,000 guests: snapshot %d ms on the event loop; status document %d ms, %d KB; REST "
                + "guest list %d ms (both on a worker)%n", (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000,
                status.length() / 1024, (t3 - t2) / 1_000_000);

        JsonObject doc = new JsonObject(status);
        assertThat(doc.getJsonArray("hosts")).hasSize(HOSTS);
        assertThat(doc.getJsonArray("guests")).hasSize(GUESTS);
        JsonObject first = doc.getJsonArray("guests").getJsonObject(0);
        assertThat(first.getString("state")).isEqualTo("PROTECTED");
        assertThat(first.getDouble("rpoSeconds")).isEqualTo(600.0);
        assertThat(first.getDouble("newestPointAgeSeconds")).isEqualTo(60.0);
        assertThat(first.getInteger("pointCount")).isEqualTo(3);
        assertThat(first.getString("compatibility")).isIn("OK", "CONVERT");
        assertThat(first.containsKey("recovery")).as("the status document's shape").isFalse();

        assertThat(guests).hasSize(GUESTS);
        JsonObject resource = guests.getJsonObject(0);
        Set<String> shared = new TreeSet<>(first.fieldNames());
        shared.removeAll(Set.of("compatibility", "compatibilitySummary"));
        for (String field : shared) {
            assertThat(resource.getValue(field)).as(field).isEqualTo(first.getValue(field));
        }
        assertThat(resource.getJsonObject("compatibility").getString("verdict")).isEqualTo(first
                .getString("compatibility"));
        assertThat(resource.getBoolean("rpoExceeded")).isFalse();
        assertThat(resource.containsKey("recovery")).isTrue();
        assertThat(StatusView.host(snapshot, "host7").orElseThrow().getJsonArray("guestIds")).hasSize(GUESTS / HOSTS);

        // On a Vert.x event loop: a timer set right after asking fires while the worker still renders.
        Vertx vertx = Vertx.vertx();
        try {
            Context loop = vertx.getOrCreateContext();
            CompletableFuture<List<String>> order = new CompletableFuture<>();
            loop.runOnContext(v -> {
                List<String> seen = new ArrayList<>();
                StatusRenderer renderer = new StatusRenderer(vertx, core, Clock.fixed(NOW, ZoneOffset.UTC), () -> 0L);
                renderer.render(Map.of(), s -> StatusView.render(s).encode()).onComplete(ar -> {
                    seen.add(ar.succeeded() && ar.result().length() == status.length() ? "rendered" : "failed");
                    renderer.close().onComplete(c -> order.complete(seen));
                });
                vertx.setTimer(1, id -> seen.add("timer"));
            });
            assertThat(order.get(60, TimeUnit.SECONDS)).containsExactly("timer", "rendered");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private static CoordinatorCore site() {
        CoordinatorState state = new CoordinatorState();
        state.apply(JournalRecord.newBuilder().setEpochStarted(EpochStarted.newBuilder().setEpoch(1).setNodeId("c1"))
                .build());
        Map<String, String> boxes = new HashMap<>();
        boxes.put("c1", "nas");
        for (int h = 0; h < HOSTS; h++) {
            boxes.put("host" + h, "box" + h);
            state.apply(JournalRecord.newBuilder().setHostFactsRecorded(HostFactsRecorded.newBuilder().setFacts(
                    HostFacts.newBuilder().setHostId("host" + h).setHypervisorKind(
                            HypervisorKind.HYPERVISOR_KIND_LIBVIRT_KVM).setHypervisorVersion("9.0.0")
                            .setVirtualizationExtension(VirtualizationExtension.VIRTUALIZATION_EXTENSION_VT_X)
                            .setCpu64BitCapable(true).setCpuCount(64).setMemoryBytes(512L << 30)
                            .setMemoryFreeBytes(400L << 30).setDatastoreFreeBytes(10L << 40)
                            .setFencingCapability(FencingCapability.FENCING_CAPABILITY_SELF_FENCE))).build());
        }
        state.apply(JournalRecord.newBuilder().setRecoveryPlanDefined(RecoveryPlanDefined.newBuilder().setName("site")
                .putNetworkMap("lan", "br0")).build());
        List<GuestProtection> protections = new ArrayList<>();
        for (int g = 0; g < GUESTS; g++) {
            String id = String.format("guest-%05d", g);
            String primary = "host" + (g % HOSTS);
            String standby = "host" + ((g + 1) % HOSTS);
            state.apply(JournalRecord.newBuilder().setGuestProtected(GuestProtected.newBuilder().setSpec(
                    GuestSpec.newBuilder().setGuestId(id).setName("vm" + g).setBitness(GuestBitness.GUEST_BITNESS_64)
                            .setVcpus(1).setMemoryBytes(512L << 20)
                            .addDisks(DiskSpec.newBuilder().setPath("/var/lib/vms/" + id + ".vmdk")
                                    .setFormat(DiskFormat.DISK_FORMAT_VMDK)
                                    .setVmdkCreateType(VmdkCreateType.VMDK_CREATE_TYPE_MONOLITHIC_SPARSE)
                                    .setCapacityBytes(1L << 30))
                            .addNics(NicSpec.newBuilder().setMacAddress(String.format("52:54:00:00:%02x:%02x",
                                    g / 256 % 256, g % 256)).setModel(NicModel.NIC_MODEL_VIRTIO).setNetwork("lan")))
                    .setPrimaryHostId(primary).setStandbyHostId(standby).setPlan("site")).build());
            for (int p = 0; p < 3; p++) {
                state.apply(JournalRecord.newBuilder().setRestorePointRecorded(RestorePointRecorded.newBuilder()
                        .setGuestId(id).setPointId(id + "/p" + p).setStoreHostId(standby).setVerified(true)
                        .setSnapshotTime(Timestamps.of(NOW.minus(Duration.ofMinutes(1 + 10L * p))))).build());
            }
            protections.add(new GuestProtection(id, "vm" + g, primary, standby, "site", Duration.ofMinutes(10)));
        }
        CoordinatorCore core = new CoordinatorCore("c1", LeaseTimers.defaults(), new VoterPlacement(boxes),
                boxes.keySet().stream().filter(b -> !b.equals("c1")).collect(java.util.stream.Collectors.toSet()),
                new FailoverPlanner("c1", new CompatibilityEngine(), FailoverPlanner.Settings.defaults()), state, 0);
        core.configure(List.of(), protections);
        return core;
    }
}
