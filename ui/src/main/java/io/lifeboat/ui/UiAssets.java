package io.lifeboat.ui;

import java.util.Objects;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * Mounts the web status page (static assets on this module's classpath) on a coordinator's Vert.x Web router at
 * {@code /}, with headers that keep the page from loading anything but its own origin's resources.
 */
public final class UiAssets {

    /** Where the assets live on the classpath. */
    public static final String WEBROOT = "io/lifeboat/ui/webroot";

    /**
     * The page's Content-Security-Policy: every resource from this origin only (no inline script or style, no CDN),
     * no framing, no {@code <base>} and forms posting to this origin only.
     */
    public static final String CONTENT_SECURITY_POLICY =
            "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /**
     * The paths the assets answer: everything except the REST API under {@code /api} and Prometheus'
     * {@code /metrics}, which the coordinator serves itself.
     */
    static final String PAGE_PATHS = "^/(?!api(?:/|$)|metrics$).*";

    private UiAssets() {
    }

    /**
     * Serves the assets on {@code router} for {@code GET} and {@code HEAD} of every path outside {@code /api} and
     * {@code /metrics}, {@code /} being {@code index.html}. A path with no asset falls through to the router's next
     * route (the coordinator's 404). Responses carry ETag and Last-Modified and {@code Cache-Control: no-cache}, so
     * a browser revalidates (304) and never runs a page older than the coordinator serving it.
     */
    public static void mount(Router router) {
        Objects.requireNonNull(router, "router");
        StaticHandler assets = StaticHandler.create(WEBROOT)
                .setIndexPage("index.html")
                .setDirectoryListing(false)
                .setIncludeHidden(false)
                .setCachingEnabled(true)
                .setFilesReadOnly(true)
                .setDefaultContentEncoding("UTF-8");
        router.routeWithRegex(PAGE_PATHS).method(HttpMethod.GET).method(HttpMethod.HEAD)
                .handler(UiAssets::secureHeaders).handler(assets);
    }

    private static void secureHeaders(RoutingContext ctx) {
        ctx.addHeadersEndHandler(v -> {
            HttpServerResponse r = ctx.response();
            r.headers().set("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                    .set("X-Content-Type-Options", "nosniff")
                    .set("Referrer-Policy", "no-referrer")
                    .set("X-Frame-Options", "DENY");
            if (r.getStatusCode() < 400) {
                r.headers().set(HttpHeaders.CACHE_CONTROL, "no-cache");
            }
        });
        ctx.next();
    }
}
