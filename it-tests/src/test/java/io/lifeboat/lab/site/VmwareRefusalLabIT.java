package io.lifeboat.lab.site;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeboat.lab.Lab;
import io.lifeboat.lab.LabExtension;
import io.lifeboat.lab.VmwareSimulatorOptions;
import io.lifeboat.protocol.v1.Envelope;
import io.lifeboat.protocol.v1.FailoverStep;
import io.lifeboat.protocol.v1.GuestState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 64-bit capable guest protected onto a host without VT-x/AMD-V is refused, with the reason (issue 6, section 8): the
 * guest runs as an x86_64 domain on hostA, the standby is a VI-simulated VMware Server 2 host whose CPU reports no
 * hardware virtualisation, managed by an agent inside it over the VI API. The coordinator's status says REFUSE and
 * names the missing extensions, and when hostA dies the guest is not failed over.
 */
@ExtendWith(LabExtension.class)
class VmwareRefusalLabIT {
  private static final String GUEST = "vt1";

  @Test
  void aSixtyFourBitGuestOntoANonVtVmwareHostIsRefusedWithTheReason(Lab lab, @TempDir Path work) throws Exception {
    LabSite.Settings settings = new LabSite.Settings(List.of(GUEST), 30, 60, work)
        .withVmwareStandby(VmwareSimulatorOptions.esxi(0).asOldServerWithoutVirtualizationExtensions());
    try (LabSite site = LabSite.start(lab, settings, line -> System.out.println("[site] " + line))) {
      SiteFailover failover = new SiteFailover(site);
      SiteGuest guest = site.guests().get(0);
      try {
        failover.awaitLinked(Duration.ofSeconds(90));
        String base = Awaitility.await("the coordinator's GET /api/v1/status answering 200 on loopback")
            .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
            .until(() -> site.coordinator().httpAddress(), Optional::isPresent).orElseThrow();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        JsonObject status = Awaitility.await("a compatibility verdict for " + GUEST + " in GET /api/v1/status")
            .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
            .until(() -> guestStatus(http, base, guest.id()), g -> g.isPresent() && g.get().getString(
                "compatibility") != null).orElseThrow();
        System.out.println("[site] " + GUEST + " in /api/v1/status: " + status.encode());
        assertThat(status.getString("compatibility")).isEqualTo("REFUSE");
        assertThat(status.getString("compatibilitySummary")).as("the refusal's reason")
            .contains(LabSite.VMWARE_STANDBY).contains("VT-x").contains("AMD-V");

        // A refused guest is never failed over, not even when its primary dies: hostA is killed and declared LOST;
        // the recovery of the guest is abandoned with the refusal, before any step (no materialise, register or start
        // is sent to vmB), and the guest stays owned by hostA.
        lab.kill(site.primary().name());
        Awaitility.await("hostA declared LOST").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
            .until(() -> SiteFailover.lost(site.coordinator().state(), site.primary().name()));
        Envelope abandoned = Awaitility.await("the recovery of " + GUEST + " abandoned").atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(500)).until(() -> site.coordinator().events().stream()
                .map(SiteCoordinator.Event::envelope).filter(e -> e.hasFailoverStepFailed()
                    && e.getFailoverStepFailed().getGuestId().equals(guest.id()) && !e.getFailoverStepFailed()
                        .getWillRetry()).findFirst().orElse(null), e -> e != null);
        assertThat(abandoned.getFailoverStepFailed().getStep()).as("the step the recovery failed at")
            .isEqualTo(FailoverStep.FAILOVER_STEP_UNSPECIFIED);
        assertThat(abandoned.getFailoverStepFailed().getFailure().getMessage()).contains("VT-x/AMD-V");
        Awaitility.await("no failover step of " + GUEST + " after hostA's loss").during(Duration.ofSeconds(10))
            .atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofSeconds(1))
            .until(() -> site.coordinator().events().stream().map(SiteCoordinator.Event::envelope)
                .noneMatch(e -> e.hasFailoverStepStarted() && e.getFailoverStepStarted().getGuestId().equals(guest.id()))
                && site.coordinator().state().guest(guest.id()).map(g -> g.ownerHostId().equals("hostA")
                    && g.state() != GuestState.GUEST_STATE_FAILED_OVER).orElse(false));
        System.out.println("[site] " + GUEST + " after hostA's loss: " + failover.describe(site.coordinator().state()));
      } catch (AssertionError | RuntimeException e) {
        System.out.println("coordinator: " + failover.describe(site.coordinator().state()));
        System.out.println(site.agentLogs());
        throw e;
      }
    }
  }

  private static Optional<JsonObject> guestStatus(HttpClient http, String base, String guestId) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/status"))
        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      return Optional.empty();
    }
    JsonArray guests = new JsonObject(r.body()).getJsonArray("guests", new JsonArray());
    for (int i = 0; i < guests.size(); i++) {
      if (guestId.equals(guests.getJsonObject(i).getString("guestId"))) {
        return Optional.of(guests.getJsonObject(i));
      }
    }
    return Optional.empty();
  }
}
