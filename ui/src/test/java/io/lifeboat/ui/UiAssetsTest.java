package io.lifeboat.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class UiAssetsTest {

    private static final Pattern IMPORT = Pattern.compile("(?:import|export)\\s[^'\"]*?from\\s+'(\\./[^']+)'");
    private static final Pattern HTML_REF = Pattern.compile("(?:src|href)=\"([^\"#][^\"]*)\"");

    private static Vertx vertx;
    private static HttpServer server;
    private static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        UiAssets.mount(router);
        router.get("/api/v1/hosts").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json")
                .end("[]"));
        router.get("/metrics").handler(ctx -> ctx.response().end("lifeboat_up 1\n"));
        server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").toCompletionStage()
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path))
                .timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static String resource(String path) throws IOException {
        try (InputStream in = UiAssets.class.getClassLoader().getResourceAsStream(UiAssets.WEBROOT + "/" + path)) {
            assertThat(in).as("asset %s on the classpath", path).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void rootServesThePageWithSecurityAndCachingHeaders() throws Exception {
        HttpResponse<String> r = get("/");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(r.body()).contains("<script type=\"module\" src=\"js/app.js\"></script>");
        assertThat(r.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp ->
                assertThat(csp).startsWith("default-src 'self'").contains("frame-ancestors 'none'"));
        assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(r.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(r.headers().firstValue("Last-Modified")).isPresent();

        HttpResponse<String> again = get("/", "If-Modified-Since", r.headers().firstValue("Last-Modified").get());
        assertThat(again.statusCode()).isEqualTo(304);
    }

    @Test
    void scriptsStylesAndImagesGoOutWithTheirTypes() throws Exception {
        assertThat(get("/js/app.js").headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).contains("javascript"));
        assertThat(get("/css/app.css").headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/css"));
        assertThat(get("/favicon.svg").headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("image/svg+xml"));
    }

    @Test
    void apiAndMetricsAreLeftToTheCoordinator() throws Exception {
        HttpResponse<String> api = get("/api/v1/hosts");
        assertThat(api.body()).isEqualTo("[]");
        assertThat(api.headers().firstValue("Cache-Control")).isEmpty();
        assertThat(get("/metrics").body()).isEqualTo("lifeboat_up 1\n");
    }

    @Test
    void unknownPathsAndTraversalFallThroughTo404() throws Exception {
        assertThat(get("/no-such-page.html").statusCode()).isEqualTo(404);
        assertThat(get("/js/../../UiAssets.class").statusCode()).isEqualTo(404);
        assertThat(get("/%2e%2e/%2e%2e/%2e%2e/UiAssets.class").statusCode()).isEqualTo(404);
    }

    @Test
    void everyModuleAndAssetThePageReferencesIsServed() throws Exception {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        Matcher html = HTML_REF.matcher(resource("index.html"));
        while (html.find()) {
            todo.add(html.group(1));
        }
        while (!todo.isEmpty()) {
            String path = URI.create("/").resolve(todo.pop()).getPath();
            if (!seen.add(path)) {
                continue;
            }
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as("GET %s", path).isEqualTo(200);
            if (path.endsWith(".js")) {
                Matcher m = IMPORT.matcher(r.body());
                while (m.find()) {
                    todo.add(URI.create(path).resolve(m.group(1)).getPath());
                }
            }
        }
        assertThat(seen).contains("/js/app.js", "/js/api.js", "/js/dashboard.js", "/js/guest.js", "/js/drills.js",
                "/css/app.css", "/favicon.svg");
    }

    @Test
    void theHiddenAttributeWinsOverEveryDisplayRule() throws Exception {
        // nav, .who and the banner have display rules; without this, hidden parts of the page would show.
        assertThat(resource("css/app.css")).contains("[hidden] { display: none !important; }");
    }

    @Test
    void thePageLoadsNothingFromElsewhereAndNeedsNoInlineCode() throws Exception {
        String index = resource("index.html");
        assertThat(index).doesNotContainPattern("<script(?![^>]*\\bsrc=)[^>]*>")
                .doesNotContain("<style").doesNotContainPattern("\\sstyle=").doesNotContainPattern("\\son[a-z]+=");
        for (String asset : new String[] {"index.html", "css/app.css", "js/app.js", "js/api.js", "js/actions.js",
            "js/charts.js", "js/dashboard.js", "js/dom.js", "js/drills.js", "js/events.js", "js/format.js",
            "js/guest.js", "js/login.js", "js/model.js"}) {
            String text = resource(asset).replace("http://www.w3.org/2000/svg", "");
            assertThat(text).as(asset).doesNotContainPattern("https?://").doesNotContainPattern("(?:local|session)Storage\\s*[.\\[]")
                    .doesNotContainPattern("(?:inner|outer)HTML\\s*=").doesNotContain("eval(");
        }
    }
}
