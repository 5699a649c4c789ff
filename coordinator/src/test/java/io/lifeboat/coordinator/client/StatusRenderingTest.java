package io.lifeboat.coordinator.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** What {@code status} makes of the REST API's hosts and guests: the table, and the problems that make it exit 1. */
class StatusRenderingTest {

    private static JsonArray hosts(String stateA) {
        return new JsonArray().add(new JsonObject().put("hostId", "hostA").put("state", stateA)
                        .put("facts", new JsonObject().put("hypervisorKind", "VMWARE_SERVER").put("hypervisorVersion",
                                "2.0.2")))
                .add(new JsonObject().put("hostId", "hostB").put("state", "UP"));
    }

    @Test
    void aGuestPastItsRpoAndOneTheStandbyRefusesAreAtRiskWithTheirReasons() {
        JsonArray guests = new JsonArray()
                .add(new JsonObject().put("guestId", "g1").put("name", "mail").put("state", "AT_RISK")
                        .put("ownerHostId", "hostA").put("standbyHostId", "hostB").put("rpoSeconds", 900.0)
                        .put("newestPointAgeSeconds", 1500.0)
                        .put("compatibility", new JsonObject().put("verdict", "CONVERT")))
                .add(new JsonObject().put("guestId", "g2").put("name", "ts").put("state", "AT_RISK")
                        .put("ownerHostId", "hostA").put("standbyHostId", "hostB").put("rpoSeconds", 900.0)
                        .put("compatibility", new JsonObject().put("verdict", "REFUSE")
                                .put("summary", "REFUSE: 64-bit guest, standby has no VT-x")))
                .add(new JsonObject().put("guestId", "g3").put("name", "web").put("state", "PROTECTED")
                        .put("ownerHostId", "hostA").put("standbyHostId", "hostB").put("rpoSeconds", 900.0)
                        .put("newestPointAgeSeconds", 42.0).put("backupInFlight", true)
                        .put("replicationProgress", new JsonObject().put("bytesRead", 250).put("bytesTotal", 1000)));

        List<String> problems = StatusCommand.problems(hosts("UP"), guests);

        assertThat(problems).containsExactly(
                "guest mail is AT_RISK: newest restore point 25 min old, RPO 15 min",
                "guest ts is AT_RISK: no restore point yet; the standby refuses it (REFUSE: 64-bit guest, standby has "
                        + "no VT-x)");
        String text = StatusCommand.render(hosts("UP"), guests, problems);
        assertThat(text.lines()).contains(
                "HOST   STATE  HYPERVISOR           NOTE",
                "hostA  UP     VMWARE_SERVER 2.0.2",
                "GUEST  STATE      ON     STANDBY  NEWEST POINT  RPO     COMPATIBILITY  NOTE",
                "mail   AT_RISK    hostA  hostB    25 min ago    15 min  CONVERT",
                "ts     AT_RISK    hostA  hostB    none          15 min  REFUSE",
                "web    PROTECTED  hostA  hostB    42 s ago      15 min  -              replicating 25%",
                "! guest mail is AT_RISK: newest restore point 25 min old, RPO 15 min");
    }

    @Test
    void aHostThatIsNotUpIsAProblemAndAllWellSaysSo() {
        assertThat(StatusCommand.problems(hosts("SUSPECTED"), new JsonArray()))
                .containsExactly("host hostA is SUSPECTED");
        assertThat(StatusCommand.problems(hosts("UP"), new JsonArray())).isEmpty();
        assertThat(StatusCommand.render(hosts("UP"), new JsonArray(), List.of()))
                .contains("no protected guests", "all guests protected, all hosts up");
    }
}
