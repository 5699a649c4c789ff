package io.lifeboat.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import io.lifeboat.coordinator.api.auth.PasswordHasher;
import io.lifeboat.lab.Lab;
import io.lifeboat.lab.LabExtension;
import io.lifeboat.lab.site.LabSite;
import io.lifeboat.lab.site.SiteCoordinator;
import io.lifeboat.lab.site.SiteGuest;

/**
 * The web status page in headless Chromium against the lab site: real agents in two lab hosts, guests on hostA, the
 * coordinator in this JVM. The admin logs in, sees both hosts and both guests protected with restore points, the
 * primary is killed ({@code docker kill}) and the page, never reloaded, shows hostA lost and the guests failed over
 * to hostB. Screenshots in {@code target/screenshots/LabPageIT/}.
 *
 * <p>The lab site's configuration names no users yet, so the test restarts the site's coordinator from the same
 * configuration (same journal, same agent port) with an admin added: the agents relink on their own, as after any
 * coordinator restart.
 */
@ExtendWith(LabExtension.class)
class LabPageIT {

    private static final String ADMIN = "lab-admin";
    private static final String PASSWORD = "lab admin's long passphrase";
    private static final Duration WAIT = Duration.ofSeconds(90);

    @RegisterExtension
    static final Browser BROWSER = new Browser();

    @Test
    void theDashboardFollowsARealSiteThroughAHostKillWithoutAReload(Lab lab, @TempDir Path work) throws Exception {
        LabSite.Settings settings = new LabSite.Settings(List.of("ui1", "ui2"), 20, 60, work);
        LabSite site = LabSite.start(lab, settings, line -> System.out.println("[site] " + line));
        SiteCoordinator coordinator = null;
        try {
            coordinator = withUsers(site, work);
            // (SiteCoordinator.httpAddress() probes /api/v1/status, which needs a login once users exist.)
            String base = "http://127.0.0.1:" + httpPort(work);
            System.out.println("[site] coordinator restarted with users, failover "
                    + coordinator.failoverNotArmedReason().map(why -> "NOT armed: " + why).orElse("armed"));
            BROWSER.driver().get(base + "/");
            await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.find("#login-form").isPresent());
            BROWSER.driver().findElement(By.id("user")).sendKeys(ADMIN);
            BROWSER.driver().findElement(By.id("password")).sendKeys(PASSWORD);
            BROWSER.driver().findElement(By.id("login-submit")).click();
            await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.driver().findElement(By.id("who-name"))
                    .getText().equals(ADMIN + " (admin)"));

            // Both hosts up, both guests on hostA, protected with a restore point.
            await("both hosts UP and both guests on hostA with a restore point").atMost(WAIT).ignoreExceptions()
                    .until(() -> BROWSER.driver().findElements(By.cssSelector("#hosts section.host[data-state='UP']"))
                            .size() == 2 && site.guests().stream().allMatch(g -> "hostA".equals(hostOf(g))
                            && guestRow(g).orElseThrow().getText().contains("Newest point")));
            BROWSER.shot("lab-dashboard");
            for (SiteGuest g : site.guests()) {
                assertThat(guestRow(g).orElseThrow().findElement(By.cssSelector(".guest-name")).getText())
                        .isEqualTo(g.name());
            }

            // The primary dies; the page follows without a reload.
            BROWSER.script("window.lifeboatNoReload = 'still-here';");
            lab.kill(site.primary().name());
            await("hostA LOST and every guest FAILED_OVER on hostB").atMost(Duration.ofSeconds(180))
                    .ignoreExceptions().until(() -> "LOST".equals(hostState("hostA")) && site.guests().stream()
                            .allMatch(g -> "FAILED_OVER".equals(guestRow(g).orElseThrow().getAttribute("data-state"))
                                    && "hostB".equals(hostOf(g))));
            assertThat(BROWSER.script("return window.lifeboatNoReload")).as("the page was not reloaded")
                    .isEqualTo("still-here");
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> BROWSER
                    .find("#timeline li.event[data-type='HostLost']").isPresent());
            BROWSER.shot("lab-failed-over");
        } catch (AssertionError | RuntimeException e) {
            BROWSER.shot("lab-failure");
            throw e;
        } finally {
            if (coordinator != null) {
                coordinator.close();
            }
            try {
                site.close();
            } catch (RejectedExecutionException e) {
                // The site closes its own coordinator last, which withUsers closed already (Vert.x refuses twice).
                if (coordinator == null) {
                    throw e;
                }
            }
        }
    }

    /**
     * Stops the site's coordinator and starts it again from its configuration, on the port the agents know, with an
     * admin user added.
     */
    private static SiteCoordinator withUsers(LabSite site, Path work) throws Exception {
        int agentPort = site.coordinator().port();
        Path original = work.resolve("coordinator.yaml");
        String yaml = Files.readString(original, StandardCharsets.UTF_8);
        int listen = yaml.indexOf("listen:\n");
        int port = yaml.indexOf("  port: 0\n", listen);
        assertThat(listen).as("listen block in %s", original).isGreaterThanOrEqualTo(0);
        assertThat(port).as("listen port 0 in %s", original).isGreaterThan(listen);
        String withUsers = yaml.substring(0, port) + "  port: " + agentPort + "\n"
                + yaml.substring(port + "  port: 0\n".length())
                + "users:\n  - {name: " + ADMIN + ", role: admin, passwordHash: \""
                + PasswordHasher.hash(PASSWORD.toCharArray()) + "\"}\n";
        Path file = work.resolve("coordinator-with-users.yaml");
        Files.writeString(file, withUsers, StandardCharsets.UTF_8);
        site.coordinator().close();
        return SiteCoordinator.start(file, httpPort(work));
    }

    /** The loopback HTTP port the site's configuration gives the coordinator. */
    private static int httpPort(Path work) throws java.io.IOException {
        String yaml = Files.readString(work.resolve("coordinator.yaml"), StandardCharsets.UTF_8);
        return Integer.parseInt(yaml.replaceAll("(?s).*listen: \"127\\.0\\.0\\.1:(\\d+)\".*", "$1"));
    }

    private static Optional<WebElement> guestRow(SiteGuest g) {
        return BROWSER.find("#hosts li.guest[data-guest-id='" + g.id() + "']");
    }

    private static String hostOf(SiteGuest g) {
        return guestRow(g).map(e -> e.findElement(By.xpath("ancestor::section[@data-host-id]"))
                .getAttribute("data-host-id")).orElse("");
    }

    private static String hostState(String hostId) {
        return BROWSER.find("#hosts section.host[data-host-id='" + hostId + "']")
                .map(e -> e.getAttribute("data-state")).orElse("");
    }
}
