package io.lifeboat.coordinator.api.internal;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Answers with RFC 9457 problem details ({@code application/problem+json}): type, title, status, detail, instance. */
public final class Problems {

    /** The media type of a problem document. */
    public static final String CONTENT_TYPE = "application/problem+json";
    /** Prefix of every problem type URI. */
    public static final String TYPE_PREFIX = "urn:lifeboat:problem:";

    private Problems() {
    }

    /** Ends the request with a problem of type {@code slug}; {@code detail} says what and where. */
    public static void send(RoutingContext ctx, int status, String slug, String title, String detail) {
        if (ctx.response().ended()) {
            return;
        }
        JsonObject body = new JsonObject().put("type", TYPE_PREFIX + slug).put("title", title).put("status", status)
                .put("detail", detail).put("instance", ctx.request().path());
        ctx.response().setStatusCode(status).putHeader("Content-Type", CONTENT_TYPE)
                .putHeader("Cache-Control", "no-store").end(body.encode());
    }

    /** 400: the request is malformed; the detail names the field. */
    public static void badRequest(RoutingContext ctx, String detail) {
        send(ctx, 400, "bad-request", "Bad request", detail);
    }

    /** 401: not logged in. */
    public static void unauthorized(RoutingContext ctx, String detail) {
        send(ctx, 401, "unauthorized", "Not logged in", detail);
    }

    /** 403: logged in but not allowed, or the CSRF token is missing or wrong. */
    public static void forbidden(RoutingContext ctx, String slug, String detail) {
        send(ctx, 403, slug, "Forbidden", detail);
    }

    /** 404: no such route or resource. */
    public static void notFound(RoutingContext ctx, String detail) {
        send(ctx, 404, "not-found", "Not found", detail);
    }

    /** 409: the action conflicts with the current state; nothing was changed. */
    public static void conflict(RoutingContext ctx, String detail) {
        send(ctx, 409, "conflict", "Conflict", detail);
    }
}
