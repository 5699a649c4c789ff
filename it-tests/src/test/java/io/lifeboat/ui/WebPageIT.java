package io.lifeboat.ui;

import static io.lifeboat.ui.FakeAgentSite.ADMIN;
import static io.lifeboat.ui.FakeAgentSite.ADMIN_PASSWORD;
import static io.lifeboat.ui.FakeAgentSite.MAIL;
import static io.lifeboat.ui.FakeAgentSite.VIEWER;
import static io.lifeboat.ui.FakeAgentSite.VIEWER_PASSWORD;
import static io.lifeboat.ui.FakeAgentSite.WEB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;

/**
 * The web status page in headless Chromium against a real coordinator (REST API, sessions, SSE) whose two agents are
 * scripted links ({@link FakeAgentSite}): login, the dashboard with both hosts and their guests, a replication
 * progress bar that moves, the guest page's points and RPO plot, a drill run from the page and its report, a
 * viewer's disabled buttons and 403s, a POST without its CSRF token, a host kill that turns the guests "failed over"
 * without a reload, a failback from the guest page with its steps and downtime, and the login rate limit. One site and one
 * browser serve every case, in order; each step leaves a screenshot in {@code target/screenshots/WebPageIT/}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebPageIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final Browser BROWSER = new Browser();

    @TempDir
    static Path dir;

    private static FakeAgentSite site;

    @BeforeAll
    static void startSite() throws Exception {
        site = FakeAgentSite.start(dir);
    }

    @AfterAll
    static void stopSite() {
        if (site != null) {
            site.close();
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private static void open(String fragment) {
        BROWSER.driver().get(site.baseUrl() + "/" + fragment);
    }

    private static void login(String user, String password) {
        // Right after a page load the page is still asking whether its session goes on: wait until it knows.
        await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.find("#who:not([hidden])").isPresent()
                || BROWSER.find("#login-form").isPresent());
        if (BROWSER.find("#who:not([hidden])").isPresent()) {
            logout();
        }
        await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.find("#login-form").isPresent());
        WebElement u = BROWSER.driver().findElement(By.id("user"));
        u.clear();
        u.sendKeys(user);
        BROWSER.driver().findElement(By.id("password")).sendKeys(password);
        BROWSER.driver().findElement(By.id("login-submit")).click();
    }

    private static void loginOk(String user, String password) {
        login(user, password);
        await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.driver().findElement(By.id("who-name")).getText()
                .startsWith(user));
    }

    private static void logout() {
        BROWSER.driver().findElement(By.id("logout")).click();
        await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.find("#login-form").isPresent());
    }

    private static Optional<WebElement> guestRow(String guestId) {
        return BROWSER.find("#hosts li.guest[data-guest-id='" + guestId + "']");
    }

    /**
     * What the dashboard shows of a guest, read in one script so that a redraw (every 2 s and on each event) cannot
     * slip between finding the row and reading it: state, tone, host section, text, name, badge, verdict, progress
     * (done, max) and the failover button (disabled, title). Empty when the guest is not drawn.
     */
    private static Map<?, ?> guest(String guestId) {
        Object r = BROWSER.script("""
                const row = document.querySelector(`#hosts li.guest[data-guest-id='${arguments[0]}']`);
                if (!row) return null;
                const q = (css) => row.querySelector(css);
                const bar = q('progress.replication-bar');
                const button = q('button.action-failover');
                const section = row.closest('section[data-host-id]');
                return {state: row.dataset.state, tone: row.dataset.tone, host: section ? section.dataset.hostId : '',
                  text: row.innerText, name: q('.guest-name') ? q('.guest-name').innerText : '',
                  badge: q('.badge') ? q('.badge').innerText : '', verdict: q('.verdict') ? q('.verdict').innerText : '',
                  done: bar ? Number(bar.dataset.done) : 0, max: bar ? bar.getAttribute('max') : '',
                  disabled: button ? button.disabled : null, title: button ? (button.getAttribute('title') || '') : ''};
                """, guestId);
        return r == null ? Map.of() : (Map<?, ?>) r;
    }

    private static String guest(String guestId, String field) {
        Object v = guest(guestId).get(field);
        return v == null ? "" : String.valueOf(v);
    }

    private static String guestState(String guestId) {
        return guest(guestId, "state");
    }

    private static String hostOf(String guestId) {
        return guest(guestId, "host");
    }

    /** Clicks the guest's failover button from a script (a redraw may replace it between find and click). */
    private static void clickFailover(String guestId, boolean evenIfDisabled) {
        BROWSER.script("""
                const b = document.querySelector(`#hosts li.guest[data-guest-id='${arguments[0]}'] button.action-failover`);
                if (arguments[1]) b.disabled = false;
                b.click();
                """, guestId, evenIfDisabled);
    }

    /** A fetch from the page: [status, problem detail]. */
    private static List<?> fetch(String method, String path, Map<String, String> headers) {
        Object r = BROWSER.asyncScript("""
                const [method, path, headers, done] = arguments;
                fetch(path, {method, headers, credentials: 'same-origin', body: method === 'POST' ? '{}' : undefined})
                  .then(async (r) => { let d = ''; try { d = (await r.json()).detail || ''; } catch (e) {} ;
                    done([r.status, d]); })
                  .catch((e) => done([-1, String(e)]));
                """, method, path, headers);
        return (List<?>) r;
    }

    /** A GET from the page, parsed: the JSON document the coordinator answers. */
    private static Object getJson(String path) {
        return BROWSER.asyncScript("""
                const [path, done] = arguments;
                fetch(path, {credentials: 'same-origin'}).then((r) => r.json()).then(done)
                  .catch((e) => done({error: String(e)}));
                """, path);
    }

    /** Clicks the first element matching css from a script (a redraw may replace it between find and click). */
    private static void click(String css, boolean evenIfDisabled) {
        BROWSER.script("""
                const b = document.querySelector(arguments[0]);
                if (arguments[1]) b.disabled = false;
                b.click();
                """, css, evenIfDisabled);
    }

    /** A list a script returned, as strings. */
    private static List<String> strings(Object list) {
        return ((List<?>) list).stream().map(String::valueOf).toList();
    }

    /** The texts of the elements matching css, in document order. */
    private static List<String> texts(String css) {
        return strings(BROWSER.script("return [...document.querySelectorAll(arguments[0])].map((e) => e.innerText)",
                css));
    }

    /** Clicks the first element matching css (see {@link #click}) and waits for the confirmation dialog it opens. */
    private static WebElement openDialog(String css, boolean evenIfDisabled) {
        click(css, evenIfDisabled);
        WebElement dialog = BROWSER.driver().findElement(By.id("confirm"));
        await().atMost(WAIT).until(dialog::isDisplayed);
        return dialog;
    }

    /** The text of the element matching css in the confirmation dialog. */
    private static String inDialog(String css) {
        return BROWSER.driver().findElement(By.cssSelector("#confirm " + css)).getText();
    }

    /**
     * Checks that the viewer sees the action button matching css disabled with the reason {@code why}, then forces it:
     * confirming the dialog shows the coordinator's 403.
     */
    private static void viewerIsRefused(String css, String why, String shot) {
        WebElement b = BROWSER.driver().findElement(By.cssSelector(css));
        assertThat(b.isEnabled()).isFalse();
        assertThat(b.getAttribute("title")).startsWith(why);
        BROWSER.shot(shot);
        openDialog(css, true);
        confirmAndExpect403(shot + "-403");
    }

    /** Confirms the open dialog as the viewer and checks that the coordinator's 403 is shown, then cancels. */
    private static void confirmAndExpect403(String shot) {
        WebElement dialog = BROWSER.driver().findElement(By.id("confirm"));
        dialog.findElement(By.id("confirm-ok")).click();
        await().atMost(WAIT).ignoreExceptions().until(() -> dialog.findElement(By.id("confirm-error")).isDisplayed());
        WebElement error = dialog.findElement(By.id("confirm-error"));
        assertThat(error.getAttribute("data-status")).isEqualTo("403");
        assertThat(error.getText()).startsWith("403 Forbidden").contains("viewer");
        BROWSER.shot(shot);
        dialog.findElement(By.id("confirm-cancel")).click();
        await().atMost(WAIT).until(() -> !dialog.isDisplayed());
    }

    // ---- cases ----------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void aWrongPasswordIsRefusedWithAMessageAndThePageStaysOnTheLogin() {
        open("");
        BROWSER.shot("login-page");
        login(ADMIN, "not the password");
        await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.driver().findElement(By.id("login-error"))
                .isDisplayed());
        WebElement error = BROWSER.driver().findElement(By.id("login-error"));
        assertThat(error.getText()).isEqualTo("Wrong user or password.");
        assertThat(error.getAttribute("data-status")).isEqualTo("401");
        assertThat(BROWSER.driver().findElement(By.id("password")).getAttribute("value")).isEmpty();
        BROWSER.shot("wrong-password");
    }

    @Test
    @Order(2)
    void theAdminLogsInAndTheDashboardShowsBothHostsWithTheirGuests() {
        open("");
        loginOk(ADMIN, ADMIN_PASSWORD);
        await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.driver()
                .findElements(By.cssSelector("#hosts section.host")).size() == 2 && guestRow(MAIL).isPresent()
                && guestRow(WEB).isPresent());
        assertThat(BROWSER.driver().findElement(By.id("who-name")).getText()).isEqualTo(ADMIN + " (admin)");
        assertThat(((List<?>) BROWSER.script("return [...document.querySelectorAll('#hosts section.host')]"
                + ".map((e) => e.dataset.hostId)")).stream().map(String::valueOf).toList())
                .containsExactly("hostA", "hostB");
        await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.driver().findElements(
                By.cssSelector("#hosts section.host[data-state='UP']")).size() == 2);
        assertThat(hostOf(MAIL)).isEqualTo("hostA");
        assertThat(hostOf(WEB)).isEqualTo("hostA");
        assertThat(guest(MAIL, "name")).isEqualTo("mail");
        assertThat(guest(MAIL, "text")).contains("RPO 30 s").contains("Standby hostB");
        assertThat(guest(MAIL, "verdict")).isIn("OK", "CONVERT");
        assertThat(BROWSER.find("#feed-state").orElseThrow().getAttribute("data-state")).isIn("live", "connecting");
        BROWSER.shot("dashboard-admin");

        // Nothing secret in the page: no password in the DOM, no token in the URL or the browser's storage.
        String html = (String) BROWSER.script("return document.documentElement.outerHTML");
        assertThat(html).doesNotContain(ADMIN_PASSWORD);
        assertThat(BROWSER.driver().getCurrentUrl()).doesNotContainIgnoringCase("token").doesNotContain("csrf");
        assertThat(BROWSER.script("return localStorage.length + sessionStorage.length")).isEqualTo(0L);
        assertThat(BROWSER.script("return document.cookie")).as("the session cookie is HttpOnly").isEqualTo("");

        // A reload keeps the session: the page asks GET /api/v1/session for its CSRF token again.
        BROWSER.driver().navigate().refresh();
        await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.driver().findElement(By.id("who-name")).getText()
                .equals(ADMIN + " (admin)") && guestRow(MAIL).isPresent());
        assertThat(BROWSER.find("#login-form")).isEmpty();
    }

    @Test
    @Order(3)
    void aRunningReplicationShowsAProgressBarThatMoves() {
        open("");
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> progress(MAIL) > 0);
        long first = progress(MAIL);
        BROWSER.shot("replication-progress");
        await().atMost(WAIT).ignoreExceptions().until(() -> progress(MAIL) > first || progress(MAIL) == 0);
        long later = progress(MAIL);
        assertThat(later == 0 || later > first).as("progress moved from %d to %d", first, later).isTrue();
        await().atMost(WAIT).ignoreExceptions().until(() -> !guest(MAIL, "max").isEmpty()
                || progress(MAIL) == 0);
        String max = guest(MAIL, "max");
        assertThat(max.isEmpty() || max.equals(Long.toString(FakeAgentSite.DISK_BYTES))).as("progress max %s", max)
                .isTrue();
        BROWSER.shot("replication-progress-later");
        // When the cycle commits, the bar goes away and the newest point is young.
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> guest(MAIL, "text")
                .contains("Newest point"));
    }

    private static long progress(String guestId) {
        Object done = guest(guestId).get("done");
        return done instanceof Number n ? n.longValue() : 0L;
    }

    @Test
    @Order(4)
    void theGuestPageListsRestorePointsAndPlotsTheirAgeAgainstTheRpo() {
        open("#/guest/" + MAIL);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> BROWSER.driver()
                .findElements(By.cssSelector("#points tbody tr")).size() >= 1);
        // Read in one script: the guest page redraws every few seconds.
        Map<?, ?> page = (Map<?, ?>) BROWSER.script("""
                const q = (css) => document.querySelector(css);
                return {title: q('.guest-page h1').innerText, point: q('#points tbody tr').dataset.pointId,
                  ageLines: document.querySelectorAll('#rpo-chart svg path.age-line').length,
                  rpoLines: document.querySelectorAll('#rpo-chart svg line.rpo-line').length,
                  rpoLabel: q('#rpo-chart svg text.rpo-label').textContent};
                """);
        assertThat((String) page.get("title")).startsWith("mail");
        assertThat((String) page.get("point")).startsWith(MAIL + "/");
        assertThat(page.get("ageLines")).isEqualTo(1L);
        assertThat(page.get("rpoLines")).isEqualTo(1L);
        assertThat(page.get("rpoLabel")).isEqualTo("RPO 30 s");
        BROWSER.shot("guest-page");
    }

    @Test
    @Order(5)
    void theDrillPageShowsItsEmptyState() {
        open("#/drills");
        await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.find("#drills-empty").isPresent());
        assertThat(BROWSER.driver().findElement(By.id("drills-empty")).getText()).contains("No DR drill has run yet");
        BROWSER.shot("drills-empty");
    }

    @Test
    @Order(6)
    void anAdminRunsADrillFromThePageAndItsReportShowsPassRtoPointAndEvidence() {
        open("#/drills");
        // A drill boots each guest's newest restore point: wait until both have one (the fake backups are slow).
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> ((List<?>) ((Map<?, ?>)
                getJson("/api/v1/guests")).get("guests")).stream()
                .allMatch(g -> ((Number) ((Map<?, ?>) g).get("pointCount")).longValue() > 0));
        String button = "#plans li.plan[data-plan='office'] button.action-drill";
        await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.find(button).map(WebElement::isEnabled)
                .orElse(false));
        BROWSER.shot("drills-plans");
        WebElement dialog = openDialog(button, false);
        assertThat(inDialog("#confirm-title")).isEqualTo("Run a DR drill of plan office?");
        assertThat(inDialog(".confirm-plan")).isEqualTo("office");
        assertThat(inDialog(".confirm-host")).isEqualTo("hostB");
        assertThat(texts("#confirm .confirm-guests li")).containsExactly("mail", "web");
        assertThat(inDialog("#confirm-ok")).isEqualTo("Run drill of office on hostB");
        BROWSER.shot("drill-confirmation");
        dialog.findElement(By.id("confirm-ok")).click();
        await().atMost(WAIT).until(() -> !dialog.isDisplayed());

        // The report appears in the history without a reload: passed, with the slowest guest's RTO (2.5 s).
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> BROWSER.find(
                "#drills tbody tr[data-outcome='PASSED']").isPresent());
        Map<?, ?> row = (Map<?, ?>) BROWSER.script("""
                const r = document.querySelector('#drills tbody tr');
                return {id: r.dataset.drillId, rows: document.querySelectorAll('#drills tbody tr').length,
                  plan: r.querySelector('.drill-link').innerText, outcome: r.querySelector('.outcome').innerText,
                  rto: r.querySelector('.rto').innerText, html: r.querySelector('a.report-html').getAttribute('href'),
                  bars: document.querySelectorAll('#rto-chart svg rect.bar').length};
                """);
        assertThat(row.get("rows")).isEqualTo(1L);
        assertThat(row.get("plan")).isEqualTo("office");
        assertThat(row.get("outcome")).isEqualTo("Passed");
        assertThat(row.get("rto")).isEqualTo("3 s");
        assertThat(row.get("bars")).isEqualTo(1L);
        String drillId = (String) row.get("id");
        assertThat(row.get("html")).isEqualTo("/api/v1/drills/" + drillId + "?format=html");
        BROWSER.shot("drill-history");

        // The report's page: per guest pass, the restore point used and its age, the RTO, teardown and evidence.
        click("#drills tbody tr .drill-link", false);
        await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.driver().findElements(By.cssSelector(
                ".drill-guest")).size() == 2);
        Map<?, ?> mail = (Map<?, ?>) BROWSER.script("""
                const g = document.querySelector(`.drill-guest[data-guest-id='${arguments[0]}']`);
                return {passed: g.dataset.passed, title: g.querySelector('h2').innerText,
                  point: g.querySelector('.point').innerText, age: g.querySelector('.point-age').innerText,
                  rto: g.querySelector('.rto').innerText, teardown: g.querySelector('.teardown').innerText,
                  evidence: g.querySelector('pre.evidence').textContent,
                  outcome: document.querySelector('.drill-report').dataset.outcome};
                """, MAIL);
        assertThat(mail.get("outcome")).isEqualTo("PASSED");
        assertThat(mail.get("passed")).isEqualTo("true");
        assertThat((String) mail.get("title")).startsWith("mail").endsWith("Passed");
        assertThat((String) mail.get("point")).startsWith(MAIL + "/");
        assertThat((String) mail.get("age")).endsWith(" s");
        assertThat(mail.get("rto")).isEqualTo("3 s");
        assertThat(mail.get("teardown")).isEqualTo("nothing left");
        assertThat((String) mail.get("evidence")).startsWith("Debian GNU/Linux 12 drill-mail-").endsWith("login:");
        BROWSER.shot("drill-report");

        // The HTML report the page links to is served to the logged-in browser.
        List<?> html = (List<?>) BROWSER.asyncScript("""
                const [path, done] = arguments;
                fetch(path, {credentials: 'same-origin'}).then(async (r) => done([r.status,
                  r.headers.get('Content-Type'), await r.text()])).catch((e) => done([-1, '', String(e)]));
                """, "/api/v1/drills/" + drillId + "?format=html");
        assertThat(html.get(0)).isEqualTo(200L);
        assertThat((String) html.get(1)).startsWith("text/html");
        assertThat((String) html.get(2)).contains("DR drill of plan office").contains("PASSED").contains("drill-web-");
    }

    @Test
    @Order(7)
    void aPostWithoutItsCsrfTokenIsRefused() {
        open("");
        await().atMost(WAIT).ignoreExceptions().until(() -> guestRow(MAIL).isPresent());
        List<?> noToken = fetch("POST", "/api/v1/guests/" + MAIL + "/failover", Map.of("Content-Type",
                "application/json"));
        assertThat(noToken.get(0)).isEqualTo(403L);
        assertThat((String) noToken.get(1)).contains("X-CSRF-Token");
        List<?> wrongToken = fetch("POST", "/api/v1/guests/" + MAIL + "/failover", Map.of("Content-Type",
                "application/json", "X-CSRF-Token", "forged"));
        assertThat(wrongToken.get(0)).isEqualTo(403L);
        List<?> logoutNoToken = fetch("DELETE", "/api/v1/session", Map.of());
        assertThat(logoutNoToken.get(0)).isEqualTo(403L);
        assertThat(guestState(MAIL)).isIn("PROTECTED", "AT_RISK");
        assertThat(BROWSER.find("#who:not([hidden])")).as("still logged in").isPresent();
    }

    @Test
    @Order(8)
    void theAdminsConfirmationDialogNamesTheGuestAndTheHostItWillRunOn() {
        open("");
        await().atMost(WAIT).ignoreExceptions().until(() -> "false".equals(guest(MAIL, "disabled")));
        clickFailover(MAIL, false);
        WebElement dialog = BROWSER.driver().findElement(By.id("confirm"));
        await().atMost(WAIT).until(dialog::isDisplayed);
        assertThat(dialog.findElement(By.id("confirm-title")).getText()).isEqualTo("Fail over mail now?");
        assertThat(dialog.findElement(By.cssSelector(".confirm-guest")).getText()).isEqualTo("mail");
        assertThat(dialog.findElement(By.cssSelector(".confirm-host")).getText()).isEqualTo("hostB");
        assertThat(dialog.findElement(By.id("confirm-ok")).getText()).isEqualTo("Fail over mail to hostB");
        BROWSER.shot("failover-confirmation");
        // The primary is up: without "switched off" the coordinator refuses (409) and the dialog says why.
        dialog.findElement(By.id("confirm-ok")).click();
        await().atMost(WAIT).ignoreExceptions().until(() -> dialog.findElement(By.id("confirm-error")).isDisplayed());
        assertThat(dialog.findElement(By.id("confirm-error")).getAttribute("data-status")).isEqualTo("409");
        BROWSER.shot("failover-refused-primary-up");
        dialog.findElement(By.id("confirm-cancel")).click();
        await().atMost(WAIT).until(() -> !dialog.isDisplayed());
        assertThat(guestState(MAIL)).isIn("PROTECTED", "AT_RISK");
    }

    @Test
    @Order(9)
    void aViewerSeesTheActionDisabledAndGets403WhenTheyForceIt() {
        open("");
        loginOk(VIEWER, VIEWER_PASSWORD);
        await().atMost(WAIT).ignoreExceptions().until(() -> guestRow(MAIL).isPresent());
        assertThat(BROWSER.driver().findElement(By.id("who-name")).getText()).isEqualTo(VIEWER + " (viewer)");
        assertThat(guest(MAIL, "disabled")).isEqualTo("true");
        assertThat(guest(MAIL, "title")).startsWith("Only an admin can");
        BROWSER.shot("dashboard-viewer");
        // A viewer who re-enables the button still meets the coordinator's 403, and the page says so.
        clickFailover(MAIL, true);
        WebElement dialog = BROWSER.driver().findElement(By.id("confirm"));
        await().atMost(WAIT).until(dialog::isDisplayed);
        BROWSER.script("const c = document.getElementById('confirm-off'); if (c) c.checked = true;");
        dialog.findElement(By.id("confirm-ok")).click();
        await().atMost(WAIT).ignoreExceptions().until(() -> dialog.findElement(By.id("confirm-error")).isDisplayed());
        WebElement error = dialog.findElement(By.id("confirm-error"));
        assertThat(error.getAttribute("data-status")).isEqualTo("403");
        assertThat(error.getText()).startsWith("403 Forbidden").contains("viewer");
        BROWSER.shot("viewer-403");
        dialog.findElement(By.id("confirm-cancel")).click();
        assertThat(guestState(MAIL)).isIn("PROTECTED", "AT_RISK");
    }

    @Test
    @Order(10)
    void aViewerSeesRunDrillDisabledAndGets403WhenTheyForceIt() {
        open("#/drills");
        String button = "#plans li.plan[data-plan='office'] button.action-drill";
        await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.find(button).isPresent());
        assertThat(BROWSER.driver().findElement(By.id("who-name")).getText()).isEqualTo(VIEWER + " (viewer)");
        viewerIsRefused(button, "Only an admin can run a drill", "viewer-drill");
        assertThat((List<?>) ((Map<?, ?>) getJson("/api/v1/drills")).get("drills")).as("no second drill").hasSize(1);
    }

    @Test
    @Order(11)
    void theDashboardReadsOnAPhoneWithoutSideways() {
        BROWSER.driver().manage().window().setSize(new Dimension(390, 844));
        try {
            open("");
            await().atMost(WAIT).ignoreExceptions().until(() -> guestRow(MAIL).isPresent());
            assertThat((Long) BROWSER.script("return document.documentElement.scrollWidth - window.innerWidth"))
                    .isLessThanOrEqualTo(0L);
            BROWSER.shot("phone");
        } finally {
            BROWSER.driver().manage().window().setSize(new Dimension(1280, 1000));
        }
    }

    @Test
    @Order(12)
    void theEventTimelineResumesAfterAConnectionDropAndShowsWhatHappenedMeanwhile() throws Exception {
        open("");
        loginOk(ADMIN, ADMIN_PASSWORD);
        await().atMost(WAIT).ignoreExceptions().until(() -> "live".equals(BROWSER.script(
                "return document.getElementById('feed-state').dataset.state")));
        BROWSER.script("""
                window.lifeboatFeedStates = [];
                const el = document.getElementById('feed-state');
                new MutationObserver(() => window.lifeboatFeedStates.push(el.dataset.state))
                  .observe(el, {attributes: true, attributeFilter: ['data-state']});
                window.lifeboatNoReload = 'still-here';
                """);
        site.dropBrowserConnections();
        // Meanwhile, someone else tries to log in: an Audit event the page has not seen.
        HttpResponse<String> other = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(site.baseUrl() + "/api/v1/session")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"user\": \"mallory-during-the-drop\", "
                        + "\"password\": \"guess\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(other.statusCode()).isEqualTo(401);
        await().atMost(WAIT).ignoreExceptions().until(() -> ((List<?>) BROWSER.script(
                "return window.lifeboatFeedStates")).contains("reconnecting"));
        await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.driver().findElements(By.cssSelector(
                "#timeline li.event[data-type='Audit']")).stream().anyMatch(e -> e.getText()
                .contains("mallory-during-the-drop: login")));
        await().atMost(WAIT).ignoreExceptions().until(() -> "live".equals(BROWSER.script(
                "return document.getElementById('feed-state').dataset.state")));
        assertThat(BROWSER.script("return window.lifeboatNoReload")).isEqualTo("still-here");
        BROWSER.shot("timeline-resumed");
    }

    @Test
    @Order(13)
    void aHostKillTurnsItsGuestsFailedOverWithoutAPageReload() throws Exception {
        open("");
        loginOk(ADMIN, ADMIN_PASSWORD);
        await().atMost(WAIT).ignoreExceptions().until(() -> "hostA".equals(hostOf(MAIL)));
        BROWSER.script("window.lifeboatNoReload = 'still-here';");
        BROWSER.shot("before-host-kill");
        site.killPrimary();
        await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.find("#hosts section.host[data-host-id='hostA']")
                .map(e -> e.getAttribute("data-state")).filter(s -> s.equals("LOST") || s.equals("SUSPECTED"))
                .isPresent() || "FAILED_OVER".equals(guestState(MAIL)));
        BROWSER.shot("host-lost");
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> "FAILED_OVER".equals(guestState(MAIL)));
        assertThat(BROWSER.script("return window.lifeboatNoReload")).as("the page was not reloaded")
                .isEqualTo("still-here");
        assertThat(hostOf(MAIL)).isEqualTo("hostB");
        assertThat(guest(MAIL, "tone")).isEqualTo("over");
        assertThat(guest(MAIL, "badge")).isEqualTo("Failed over");
        assertThat(BROWSER.script("return document.querySelector(\"#hosts section.host[data-host-id='hostA']\")"
                + ".dataset.state")).isEqualTo("LOST");
        await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.find("#timeline li.event[data-type='HostLost']")
                .isPresent());
        BROWSER.shot("failed-over");

        // The guest's page tells how its failover went.
        open("#/guest/" + MAIL);
        await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.driver().findElement(By.cssSelector(
                ".guest-page .recovery")).getText().contains("failed over at"));
        assertThat(BROWSER.script("return document.querySelector('.guest-page').dataset.state"))
                .isEqualTo("FAILED_OVER");
        BROWSER.shot("guest-page-failed-over");
    }

    @Test
    @Order(14)
    void aViewerSeesFailBackDisabledAndGets403WhenTheyForceIt() throws Exception {
        site.revivePrimary();
        open("");
        loginOk(VIEWER, VIEWER_PASSWORD);
        await().atMost(WAIT).ignoreExceptions().until(() -> "UP".equals(BROWSER.script(
                "return document.querySelector(\"#hosts section.host[data-host-id='hostA']\").dataset.state")));
        String button = "#hosts li.guest[data-guest-id='" + MAIL + "'] button.action-failback";
        await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.find(button).isPresent());
        assertThat(guestState(MAIL)).isEqualTo("FAILED_OVER");
        assertThat(BROWSER.find("#hosts li.guest[data-guest-id='" + MAIL + "'] button.action-failover"))
                .as("a failed-over guest offers failback, not failover").isEmpty();
        viewerIsRefused(button, "Only an admin can fail back", "viewer-failback");
        assertThat(guestState(MAIL)).isEqualTo("FAILED_OVER");
    }

    @Test
    @Order(15)
    void anAdminFailsAGuestBackFromItsPageWatchesTheStepsAndItEndsOnThePrimaryWithItsDowntime() {
        open("");
        loginOk(ADMIN, ADMIN_PASSWORD);
        open("#/guest/" + MAIL);
        String button = ".guest-page button.action-failback";
        await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.find(button).map(WebElement::isEnabled)
                .orElse(false));
        // Record what the page shows while the failback runs: it redraws the whole page on each event.
        BROWSER.script("""
                window.lifeboatFailback = {steps: [], states: []};
                const main = document.getElementById('main');
                new MutationObserver(() => {
                  const f = document.getElementById('failback');
                  const g = document.querySelector('.guest-page');
                  if (f) window.lifeboatFailback.steps.push(f.dataset.step);
                  if (g) window.lifeboatFailback.states.push(g.dataset.state);
                }).observe(main, {childList: true, subtree: true});
                """);
        WebElement dialog = openDialog(button, false);
        assertThat(inDialog("#confirm-title")).isEqualTo("Fail mail back to hostA?");
        assertThat(inDialog(".confirm-guest")).isEqualTo("mail");
        assertThat(inDialog(".confirm-standby")).isEqualTo("hostB");
        assertThat(inDialog(".confirm-primary")).isEqualTo("hostA");
        assertThat(inDialog(".confirm-downtime")).isEqualTo("Then mail stops on hostB for the final delta");
        assertThat(texts("#confirm li.precondition")).containsExactly("✓ host hostA is back up (now UP)",
                "• no stale copy of mail runs on hostA or is set to autostart there",
                "• mail is compatible with hostA", "• the restore point mail was failed over from is known");
        assertThat(inDialog("#confirm-ok")).isEqualTo("Fail mail back to hostA");
        BROWSER.shot("failback-confirmation");
        dialog.findElement(By.id("confirm-ok")).click();
        await().atMost(WAIT).until(() -> !dialog.isDisplayed());

        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> "true".equals(BROWSER.script(
                "return document.getElementById('failback').dataset.over")));
        BROWSER.shot("failback-done");
        Map<?, ?> seen = (Map<?, ?>) BROWSER.script("return window.lifeboatFailback");
        assertThat(strings(seen.get("states"))).as("the page showed the failback running").contains("FAILING_BACK");
        assertThat(strings(seen.get("steps"))).as("the page showed steps before the end")
                .contains("REVERSE_REPLICATE", "STOP_ON_STANDBY", "FINAL_DELTA");
        Map<?, ?> card = (Map<?, ?>) BROWSER.script("""
                const f = document.getElementById('failback');
                return {succeeded: f.dataset.succeeded, downtime: Number(f.dataset.downtimeSeconds),
                  outcome: f.querySelector('.failback-outcome').innerText,
                  kept: f.querySelector('.kept-point code').innerText,
                  steps: [...new Set([...f.querySelectorAll('.failback-steps li')].map((li) => li.dataset.step))]};
                """);
        assertThat(card.get("succeeded")).isEqualTo("true");
        assertThat(strings(card.get("steps"))).containsExactly("KEEP_PRIMARY_STATE", "REVERSE_REPLICATE",
                "STOP_ON_STANDBY", "FINAL_DELTA", "MATERIALISE_ON_PRIMARY", "REGISTER_ON_PRIMARY",
                "START_ON_PRIMARY", "CLEAN_UP_STANDBY", "RESUME_PROTECTION");
        // Down from the standby's confirmed stop to the verified boot: at least the final delta's 1.5 s.
        assertThat(((Number) card.get("downtime")).doubleValue()).isGreaterThanOrEqualTo(1.5).isLessThan(30);
        assertThat((String) card.get("outcome")).contains("back on hostA").contains("downtime");
        assertThat((String) card.get("kept")).startsWith(MAIL + "/");
        await().atMost(WAIT).ignoreExceptions().until(() -> "PROTECTED".equals(BROWSER.script(
                "return document.querySelector('.guest-page').dataset.state")));
        assertThat(texts(".guest-page dl.facts dd").get(1)).isEqualTo("hostA");
        BROWSER.shot("guest-page-failed-back");

        // The dashboard has the guest on its primary again, and the timeline the failback's steps.
        open("");
        await().atMost(WAIT).ignoreExceptions().until(() -> "hostA".equals(hostOf(MAIL)));
        assertThat(guestState(MAIL)).isIn("PROTECTED", "AT_RISK");
        await().atMost(WAIT).ignoreExceptions().until(() -> BROWSER.driver().findElements(By.cssSelector(
                "#timeline li.event[data-type='FailbackStep']")).stream().anyMatch(e -> e.getText()
                .contains("resume protection completed") && e.getText().contains("downtime")));
        BROWSER.shot("dashboard-failed-back");
    }

    @Test
    @Order(16)
    void repeatedWrongPasswordsAreRateLimitedAndThePageSaysWhenToRetry() {
        open("");
        logout();
        String status = "";
        for (int i = 0; i < 8 && !status.equals("429"); i++) {
            login(VIEWER, "wrong " + i);
            int attempt = i;
            await().atMost(WAIT).ignoreExceptions().until(() -> {
                WebElement e = BROWSER.driver().findElement(By.id("login-error"));
                return e.isDisplayed() && BROWSER.driver().findElement(By.id("login-submit")).isEnabled()
                        && e.getText().length() > 0 && attempt >= 0;
            });
            status = BROWSER.driver().findElement(By.id("login-error")).getAttribute("data-status");
        }
        assertThat(status).isEqualTo("429");
        assertThat(BROWSER.driver().findElement(By.id("login-error")).getText())
                .startsWith("Too many failed logins. Try again in");
        BROWSER.shot("rate-limited");
    }
}
