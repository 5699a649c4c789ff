package io.lifeboat.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import io.lifeboat.lab.Lab;
import io.lifeboat.lab.LabExtension;
import io.lifeboat.lab.site.GuestDataDisk;
import io.lifeboat.lab.site.LabSite;
import io.lifeboat.lab.site.SiteGuest;

/**
 * The web status page in headless Chromium against the lab site: real agents in two lab hosts, guests on hostA, the
 * coordinator in this JVM with the site's admin and viewer. The admin logs in and watches the first replication of a
 * guest with a data disk (256 MiB of random data, agents capped at 12 MiB/s) move its progress bar until the point is
 * committed; sees both hosts and both guests protected; a POST without the CSRF token is refused while the same POST
 * with it reaches the action; the viewer gets 403 from the failover action; then the primary is killed
 * ({@code docker kill}) and the page, never reloaded, shows hostA lost and the guests failed over to hostB.
 * Screenshots in {@code target/screenshots/LabPageIT/}.
 */
@ExtendWith(LabExtension.class)
class LabPageIT {

    private static final String ADMIN_PASSWORD = "lab admin's long passphrase";
    private static final String VIEWER_PASSWORD = "lab viewer's long passphrase";
    /** 256 MiB at 12 MiB/s: a first replication of about 20 s. */
    private static final GuestDataDisk DATA_DISK = new GuestDataDisk(256L << 20);
    private static final String LIMIT_RATE = "12M";
    private static final Duration WAIT = Duration.ofSeconds(90);

    @RegisterExtension
    static final Browser BROWSER = new Browser();

    @Test
    void theDashboardFollowsARealSiteFromItsFirstReplicationThroughAHostKillWithoutAReload(Lab lab,
            @TempDir Path work) {
        LabSite.Settings settings = new LabSite.Settings(List.of("ui1", "ui2"), 20, 60, work)
                .withAdmin(ADMIN_PASSWORD).withViewer(VIEWER_PASSWORD).withDataDisk(DATA_DISK)
                .withReplicationLimit(LIMIT_RATE);
        try (LabSite site = LabSite.start(lab, settings, line -> System.out.println("[site] " + line))) {
            SiteGuest data = site.guests().get(0);
            String base = await("the coordinator's HTTP server").atMost(WAIT)
                    .until(() -> site.coordinator().httpAddress(), Optional::isPresent).orElseThrow();
            BROWSER.driver().get(base + "/");
            login(LabSite.ADMIN_USER, ADMIN_PASSWORD, "admin");
            try {
                replicationProgressMovesUntilCommitted(data);
                dashboardShowsBothHostsAndGuests(site);
                aPostWithoutItsCsrfTokenIsRefused(data);
                theViewerGets403FromTheFailoverAction(data);
                login(LabSite.ADMIN_USER, ADMIN_PASSWORD, "admin");
                aHostKillTurnsTheGuestsFailedOverWithoutAReload(lab, site);
            } catch (AssertionError | RuntimeException e) {
                BROWSER.shot("lab-failure");
                System.out.println(site.agentLogs());
                throw e;
            }
        }
    }

    /** The data-disk guest's bar shows up while its first cycle sends, its value grows, and it goes on commit. */
    private static void replicationProgressMovesUntilCommitted(SiteGuest g) {
        await("a progress bar for " + g.name()).atMost(WAIT).ignoreExceptions().until(() -> bar(g).value() > 0);
        Bar first = bar(g);
        BROWSER.shot("lab-replication-progress");
        assertThat(first.max()).as("the bar's end: the data disk's %d bytes and the boot disk",
                DATA_DISK.writtenBytes()).isGreaterThanOrEqualTo(DATA_DISK.writtenBytes());
        assertThat(first.value()).as("a first reading part-way through, %s", first).isLessThan(first.max());
        await("the bar of " + g.name() + " moves on from " + first).atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> bar(g).value() > first.value());
        BROWSER.shot("lab-replication-progress-later");
        await("the cycle of " + g.name() + " commits: the bar goes and a newest point is shown").atMost(WAIT)
                .ignoreExceptions().until(() -> bar(g).value() == 0
                        && guestRow(g).orElseThrow().getText().contains("Newest point"));
    }

    private static void dashboardShowsBothHostsAndGuests(LabSite site) {
        await("both hosts UP and both guests on hostA with a restore point").atMost(WAIT).ignoreExceptions()
                .until(() -> BROWSER.driver().findElements(By.cssSelector("#hosts section.host[data-state='UP']"))
                        .size() == 2 && site.guests().stream().allMatch(g -> "hostA".equals(hostOf(g))
                        && guestRow(g).orElseThrow().getText().contains("Newest point")));
        BROWSER.shot("lab-dashboard");
        // The dashboard redraws rows on every live event: a row read between two redraws may be gone (stale).
        await("each guest's row names it").atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            for (SiteGuest g : site.guests()) {
                assertThat(guestRow(g).orElseThrow().findElement(By.cssSelector(".guest-name")).getText())
                        .isEqualTo(g.name());
            }
        });
    }

    /**
     * From the admin's page: the failover POST without its token, and with a forged one, is 403; with the session's
     * own token it reaches the action, which refuses (409) to start a copy while the primary is up.
     */
    private static void aPostWithoutItsCsrfTokenIsRefused(SiteGuest g) {
        List<?> none = post(g, "none");
        assertThat(none.get(0)).isEqualTo(403L);
        assertThat((String) none.get(1)).contains("X-CSRF-Token");
        assertThat(post(g, "forged").get(0)).isEqualTo(403L);
        assertThat(post(g, "session").get(0)).as("the same POST with the session's token").isEqualTo(409L);
        await("the guest still protected").atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(
                guestRow(g).orElseThrow().getAttribute("data-state")).isIn("PROTECTED", "AT_RISK"));
    }

    private static void theViewerGets403FromTheFailoverAction(SiteGuest g) {
        BROWSER.driver().findElement(By.id("logout")).click();
        login(LabSite.VIEWER_USER, VIEWER_PASSWORD, "viewer");
        await("the viewer's failover button, disabled").atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(
                guestRow(g).orElseThrow().findElement(By.cssSelector("button.action-failover")).isEnabled())
                .as("the viewer's failover button").isFalse());
        List<?> refused = post(g, "session");
        assertThat(refused.get(0)).isEqualTo(403L);
        assertThat((String) refused.get(1)).contains("viewer");
        BROWSER.shot("lab-viewer");
        BROWSER.driver().findElement(By.id("logout")).click();
    }

    private static void aHostKillTurnsTheGuestsFailedOverWithoutAReload(Lab lab, LabSite site) {
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
    }

    private static void login(String user, String password, String role) {
        await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.find("#login-form").isPresent());
        WebElement name = BROWSER.driver().findElement(By.id("user"));
        name.clear();
        name.sendKeys(user);
        BROWSER.driver().findElement(By.id("password")).sendKeys(password);
        BROWSER.driver().findElement(By.id("login-submit")).click();
        await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.driver().findElement(By.id("who-name"))
                .getText().equals(user + " (" + role + ")"));
    }

    /** What a progress bar shows: its value and its max, 0 and 0 when the guest has none. */
    private record Bar(long value, long max) {}

    /** The guest's progress bar, read in one script so that a redraw cannot slip between finding and reading it. */
    private static Bar bar(SiteGuest g) {
        Object r = BROWSER.script("""
                const bar = document.querySelector(
                  `#hosts li.guest[data-guest-id='${arguments[0]}'] progress.replication-bar`);
                return bar ? [Number(bar.value), Number(bar.max)] : [0, 0];
                """, g.id());
        List<?> read = (List<?>) r;
        return new Bar(((Number) read.get(0)).longValue(), ((Number) read.get(1)).longValue());
    }

    /**
     * POSTs the guest's failover from the page with no CSRF token ("none"), a forged one ("forged") or the one
     * {@code GET /api/v1/session} gives ("session"): [status, problem detail].
     */
    private static List<?> post(SiteGuest g, String token) {
        return (List<?>) BROWSER.asyncScript("""
                const [guest, token, done] = arguments;
                (async () => {
                  const headers = {'Content-Type': 'application/json'};
                  if (token === 'forged') headers['X-CSRF-Token'] = 'forged';
                  if (token === 'session') {
                    headers['X-CSRF-Token'] = (await (await fetch('/api/v1/session')).json()).csrfToken;
                  }
                  const r = await fetch(`/api/v1/guests/${guest}/failover`, {method: 'POST', headers, body: '{}'});
                  let detail = '';
                  try { detail = (await r.json()).detail || ''; } catch (e) { /* no problem document */ }
                  return [r.status, detail];
                })().then(done, (e) => done([-1, String(e)]));
                """, g.id(), token);
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
