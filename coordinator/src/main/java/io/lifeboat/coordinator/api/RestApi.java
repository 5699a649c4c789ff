package io.lifeboat.coordinator.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lifeboat.coordinator.api.auth.LoginThrottle;
import io.lifeboat.coordinator.api.auth.SessionStore;
import io.lifeboat.coordinator.api.auth.UserDirectory;
import io.lifeboat.coordinator.api.internal.ApiViews;
import io.lifeboat.coordinator.api.internal.EventJson;
import io.lifeboat.coordinator.api.internal.EventLog;
import io.lifeboat.coordinator.api.internal.ProtoJson;
import io.lifeboat.coordinator.api.internal.Problems;
import io.lifeboat.coordinator.config.CoordinatorConfig;
import io.lifeboat.coordinator.core.CoordinatorCore;
import io.lifeboat.coordinator.core.CoreOutput;
import io.lifeboat.coordinator.core.ManualFailover;
import io.lifeboat.coordinator.http.StatusRenderer;
import io.lifeboat.coordinator.http.StatusSnapshot;
import io.lifeboat.coordinator.http.StatusView;
import io.lifeboat.protocol.Addresses;
import io.lifeboat.protocol.v1.Audit;
import io.lifeboat.protocol.v1.AuditRecorded;
import io.lifeboat.protocol.v1.Envelope;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The coordinator's REST API under {@code /api/v1}: login sessions (cookie + CSRF token, rate-limited), hosts,
 * guests, restore points, events (paged and as server-sent events), plans, drills, admin actions (manual failover,
 * restore to a chosen point, failback, drills) that are audited in the journal, and the OpenAPI document. Every
 * error is an RFC 9457 problem detail.
 *
 * <p>Mount it on a router created on the coordinator verticle's event loop: handlers read the in-memory state
 * there, without locks, and never block; password checks (PBKDF2) run on the {@value #AUTH_POOL} worker pool, and
 * actions hand their journal records to {@code journal}, which makes them durable before their commands go out.
 */
public final class RestApi {

    /** The prefix of every route. */
    public static final String BASE = "/api/v1";
    /** Name of the session cookie. */
    public static final String SESSION_COOKIE = "lifeboat_session";
    /** Header that carries the CSRF token on POST and DELETE. */
    public static final String CSRF_HEADER = "X-CSRF-Token";
    /** Worker pool that checks passwords. */
    public static final String AUTH_POOL = "lifeboat-api-auth";
    /** The classpath resource of the OpenAPI document. */
    public static final String OPENAPI_RESOURCE = "io/lifeboat/coordinator/api/openapi.json";
    private static final Logger LOG = LoggerFactory.getLogger(RestApi.class);
    private static final int EVENT_LOG_CAPACITY = 2_000;
    private static final int MAX_PAGE = 1_000;
    private static final int DEFAULT_PAGE = 100;
    private static final long SSE_KEEPALIVE_MS = 15_000;
    private static final int MAX_PENDING_LOGINS = 16;

    private final Vertx vertx;
    private final CoordinatorCore core;
    private final CoordinatorConfig config;
    private final Clock wall;
    private final LongSupplier nanoTime;
    private final Function<CoreOutput, Future<Void>> journal;
    private final boolean https;
    private final UserDirectory users;
    private final SessionStore sessions = new SessionStore(Duration.ofHours(8));
    private final LoginThrottle throttle;
    private final EventLog events;
    private final ApiViews views;
    private final StatusRenderer renderer;
    private final Map<String, JsonObject> progress = new HashMap<>();
    private final List<String[]> routes = new ArrayList<>();
    private final String openApi;
    private WorkerExecutor authPool;
    private int pendingLogins;
    private MessageConsumer<Object> consumer;

    /**
     * Creates the API.
     *
     * @param nanoTime the monotonic clock the core's leases count in
     * @param journal journals a core output, then sends its commands; the future completes once the records are
     *                durable
     * @param throttle the login rate limiter
     * @throws IllegalArgumentException when a configured password hash is malformed (naming the user)
     */
    public RestApi(Vertx vertx, CoordinatorCore core, CoordinatorConfig config, Clock wall, LongSupplier nanoTime,
                   Function<CoreOutput, Future<Void>> journal, LoginThrottle throttle) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.core = Objects.requireNonNull(core, "core");
        this.config = Objects.requireNonNull(config, "config");
        this.wall = Objects.requireNonNull(wall, "wall");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.journal = Objects.requireNonNull(journal, "journal");
        this.throttle = Objects.requireNonNull(throttle, "throttle");
        this.https = config.httpTls().isPresent();
        this.users = new UserDirectory(config.users());
        this.events = new EventLog(EVENT_LOG_CAPACITY, core.epoch());
        // The audit trail is journaled: after a restart (or a leader change) the events API still lists it.
        core.state().history().audits().forEach(a -> EventJson.of(auditEnvelope(a), wall.instant())
                .ifPresent(events::append));
        this.views = new ApiViews(core);
        this.renderer = new StatusRenderer(vertx, core, wall, nanoTime);
        this.openApi = readOpenApi();
    }

    /** The API with the default login throttle (5 failures, 30 s). */
    public RestApi(Vertx vertx, CoordinatorCore core, CoordinatorConfig config, Clock wall, LongSupplier nanoTime,
                   Function<CoreOutput, Future<Void>> journal) {
        this(vertx, core, config, wall, nanoTime, journal, LoginThrottle.defaults());
    }

    /**
     * Adds the API's routes to {@code router} and starts following {@code lifeboat.events}. Call on the coordinator
     * verticle's event loop, before any other route that could match {@code /api}.
     */
    public void mount(Router router) {
        if (users.isEmpty()) {
            LOG.warn("[coordinator node={}] no users configured: every /api/v1 route but the login and the OpenAPI "
                    + "document answers 401", config.nodeId());
        }
        authPool = vertx.createSharedWorkerExecutor(AUTH_POOL, 2);
        consumer = vertx.eventBus().consumer(Addresses.EVENTS, m -> {
            if (m.body() instanceof Envelope e) {
                onEvent(e);
            }
        });
        router.route(BASE + "/*").handler(BodyHandler.create().setBodyLimit(64 * 1024).setHandleFileUploads(false));
        router.route(BASE + "/*").handler(ctx -> {
            ctx.response().putHeader("Cache-Control", "no-store").putHeader("X-Content-Type-Options", "nosniff");
            ctx.next();
        });
        router.route(BASE + "/*").handler(this::authenticate);

        add(router, HttpMethod.POST, "/session", this::login);
        add(router, HttpMethod.GET, "/session", this::whoAmI);
        add(router, HttpMethod.DELETE, "/session", this::logout);
        add(router, HttpMethod.GET, "/openapi.json", ctx -> ctx.response()
                .putHeader("Content-Type", "application/json; charset=utf-8").end(openApi));
        // Hosts, guests and the status render from a snapshot on a worker: thousands of guests take a second.
        add(router, HttpMethod.GET, "/hosts", ctx -> rendered(ctx, s -> Optional.of(new JsonObject()
                .put("hosts", StatusView.hosts(s))), null));
        add(router, HttpMethod.GET, "/hosts/:hostId", ctx -> {
            String hostId = ctx.pathParam("hostId");
            rendered(ctx, s -> StatusView.host(s, hostId), () -> Problems.notFound(ctx, "host '" + hostId
                    + "' is not configured on coordinator " + config.nodeId()));
        });
        add(router, HttpMethod.GET, "/guests", ctx -> rendered(ctx, s -> Optional.of(new JsonObject()
                .put("guests", StatusView.guests(s))), null));
        add(router, HttpMethod.GET, "/guests/:guestId", ctx -> {
            String guestId = ctx.pathParam("guestId");
            if (core.state().guest(guestId).isEmpty()) {
                unknownGuest(ctx);
                return;
            }
            rendered(ctx, s -> StatusView.guest(s, guestId), () -> unknownGuest(ctx));
        });
        add(router, HttpMethod.GET, "/guests/:guestId/points", ctx -> views.points(ctx.pathParam("guestId"),
                wall.instant()).ifPresentOrElse(p -> json(ctx, 200, new JsonObject()
                        .put("guestId", ctx.pathParam("guestId")).put("points", p)), () -> unknownGuest(ctx)));
        add(router, HttpMethod.POST, "/guests/:guestId/failover", this::failover);
        add(router, HttpMethod.POST, "/guests/:guestId/failback", this::failback);
        add(router, HttpMethod.POST, "/guests/:guestId/restore", this::restore);
        add(router, HttpMethod.GET, "/events", this::eventPage);
        add(router, HttpMethod.GET, "/events/stream", this::eventStream);
        add(router, HttpMethod.GET, "/plans", ctx -> json(ctx, 200, new JsonObject()
                .put("plans", views.plans(config.plans()))));
        add(router, HttpMethod.GET, "/drills", ctx -> {
            JsonArray drills = new JsonArray();
            List<io.lifeboat.protocol.v1.DrillReport> reports = new ArrayList<>(core.drills().reports());
            java.util.Collections.reverse(reports);
            reports.forEach(r -> drills.add(io.lifeboat.coordinator.drill.DrillReportView.summary(r)));
            JsonArray runningDrills = new JsonArray();
            core.drills().runningDrills().forEach(b -> runningDrills.add(new JsonObject()
                    .put("drillId", b.getStarted().getDrillId()).put("plan", b.getStarted().getPlan())
                    .put("startedBy", b.getStarted().getStartedBy())));
            json(ctx, 200, new JsonObject().put("drills", drills).put("running", runningDrills));
        });
        add(router, HttpMethod.POST, "/drills", this::drill);
        add(router, HttpMethod.GET, "/drills/:drillId", this::drillReport);
        add(router, HttpMethod.GET, "/status", ctx -> rendered(ctx, s -> Optional.of(StatusView.render(s)), null));
        router.route(BASE + "/*").handler(ctx -> Problems.notFound(ctx, "no route " + ctx.request().method() + " "
                + ctx.request().path() + " (see " + BASE + "/openapi.json)"));
    }

    /**
     * Answers 200 with {@code view} of a status snapshot rendered and encoded on the worker pool, or calls
     * {@code absent} when the view is empty (an unknown id).
     */
    private void rendered(RoutingContext ctx, Function<StatusSnapshot, Optional<JsonObject>> view, Runnable absent) {
        renderer.render(progress, s -> view.apply(s).map(JsonObject::encode)).onComplete(ar -> {
            if (ar.failed()) {
                LOG.warn("[coordinator node={}] {} {} failed: {}", config.nodeId(), ctx.request().method(),
                        ctx.request().path(), ar.cause().toString());
                Problems.send(ctx, 500, "internal", "Internal error", "coordinator " + config.nodeId() + ": "
                        + ctx.request().method() + " " + ctx.request().path() + " failed: " + ar.cause().getMessage());
            } else if (ar.result().isEmpty()) {
                absent.run();
            } else {
                ctx.response().setStatusCode(200).putHeader("Content-Type", "application/json; charset=utf-8")
                        .end(ar.result().get());
            }
        });
    }

    /** The routes this API serves, as {method, OpenAPI path} pairs (e.g. {GET, /api/v1/guests/{guestId}}). */
    public List<String[]> routes() {
        return routes.stream().map(r -> r.clone()).toList();
    }

    /** Stops following events and ends every event stream. */
    public Future<Void> close() {
        List<Future<?>> closing = new ArrayList<>();
        if (consumer != null) {
            closing.add(consumer.unregister());
        }
        if (authPool != null) {
            closing.add(authPool.close());
        }
        closing.add(renderer.close());
        return Future.join(closing).mapEmpty();
    }

    /** Records an event the coordinator published (or an audit), for {@code /events} and the streams. */
    private void onEvent(Envelope envelope) {
        Instant now = wall.instant();
        if (envelope.hasReplicationProgress()) {
            var p = envelope.getReplicationProgress();
            JsonObject j = ProtoJson.of(p).put("bytesRead", p.getBytesRead()).put("bytesSent", p.getBytesSent())
                    .put("bytesTotal", p.getBytesTotal()).put("at", now.toString());
            progress.put(p.getGuestId(), j);
            EventJson.of(envelope, now).ifPresent(events::broadcast);
            return;
        }
        if (envelope.hasReplicationCommitted()) {
            progress.remove(envelope.getReplicationCommitted().getGuestId());
        } else if (envelope.hasReplicationFailed()) {
            progress.remove(envelope.getReplicationFailed().getGuestId());
        }
        EventJson.of(envelope, now).ifPresent(events::append);
    }

    private void add(Router router, HttpMethod method, String path, io.vertx.core.Handler<RoutingContext> handler) {
        Route route = router.route(method, BASE + path);
        route.handler(ctx -> {
            try {
                handler.handle(ctx);
            } catch (RuntimeException e) {
                LOG.warn("[coordinator node={}] {} {} failed: {}", config.nodeId(), method, ctx.request().path(),
                        e.toString());
                Problems.send(ctx, 500, "internal", "Internal error", "coordinator " + config.nodeId() + ": "
                        + method + " " + ctx.request().path() + " failed: " + e.getMessage());
            }
        });
        routes.add(new String[] {method.name(), BASE + path.replaceAll(":([A-Za-z]+)", "{$1}")});
    }

    // ---- authentication -------------------------------------------------------------------------------------

    private static boolean open(RoutingContext ctx) {
        String path = ctx.request().path();
        HttpMethod m = ctx.request().method();
        return path.equals(BASE + "/session") && m == HttpMethod.POST
                || path.equals(BASE + "/openapi.json") && m == HttpMethod.GET;
    }

    private void authenticate(RoutingContext ctx) {
        if (open(ctx)) {
            ctx.next();
            return;
        }
        Cookie cookie = ctx.request().getCookie(SESSION_COOKIE);
        Optional<SessionStore.Session> session = sessions.find(cookie == null ? null : cookie.getValue(),
                wall.instant());
        if (session.isEmpty()) {
            Problems.unauthorized(ctx, "log in first: POST " + BASE + "/session with {user, password}");
            return;
        }
        HttpMethod m = ctx.request().method();
        if (m != HttpMethod.GET && m != HttpMethod.HEAD && m != HttpMethod.OPTIONS
                && !session.get().csrfMatches(ctx.request().getHeader(CSRF_HEADER))) {
            Problems.forbidden(ctx, "csrf", m + " " + ctx.request().path() + " needs header " + CSRF_HEADER
                    + " with the token the login returned");
            return;
        }
        ctx.put("session", session.get());
        ctx.next();
    }

    private void login(RoutingContext ctx) {
        Optional<JsonObject> body = jsonBody(ctx);
        if (body.isEmpty()) {
            return;
        }
        String user = stringField(ctx, body.get(), "user");
        String password = user == null ? null : stringField(ctx, body.get(), "password");
        if (password == null) {
            return;
        }
        String address = ctx.request().remoteAddress() == null ? "unknown" : ctx.request().remoteAddress().hostAddress();
        Optional<Duration> wait = throttle.retryAfter(user, address, wall.instant());
        if (wait.isPresent()) {
            long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
            ctx.response().putHeader("Retry-After", Long.toString(seconds));
            Problems.send(ctx, 429, "rate-limited", "Too many failed logins", "too many failed logins for this "
                    + "user or from " + address + ": try again in " + seconds + " s");
            return;
        }
        if (pendingLogins >= MAX_PENDING_LOGINS) {
            // Each check costs a PBKDF2 derivation: a flood of logins (many names, many addresses) waits its turn
            // here instead of queueing CPU work without bound.
            ctx.response().putHeader("Retry-After", "1");
            Problems.send(ctx, 503, "busy", "Too many logins in progress", "coordinator " + config.nodeId()
                    + " is checking " + pendingLogins + " logins: try again in 1 s");
            return;
        }
        pendingLogins++;
        char[] secret = password.toCharArray();
        authPool.executeBlocking(() -> users.authenticate(user, secret), false).onComplete(ar -> {
            pendingLogins--;
            Arrays.fill(secret, '\0');
            if (ar.failed()) {
                Problems.send(ctx, 500, "internal", "Internal error", "coordinator " + config.nodeId()
                        + ": password check failed: " + ar.cause().getMessage());
                return;
            }
            Optional<UserDirectory.User> u = ar.result();
            if (u.isEmpty()) {
                throttle.failed(user, address, wall.instant());
                audit(user, "login", "", "", false, "wrong user name or password", address);
                Problems.unauthorized(ctx, "wrong user name or password");
                return;
            }
            throttle.succeeded(user, address);
            Map.Entry<String, SessionStore.Session> s = sessions.create(u.get().name(), u.get().admin(),
                    wall.instant());
            Cookie cookie = Cookie.cookie(SESSION_COOKIE, s.getKey()).setHttpOnly(true).setPath("/")
                    .setSameSite(CookieSameSite.STRICT).setSecure(https);
            ctx.response().addCookie(cookie);
            audit(u.get().name(), "login", "", "", true, "", address);
            json(ctx, 200, session(s.getValue()));
        });
    }

    private static JsonObject session(SessionStore.Session s) {
        return new JsonObject().put("user", s.user()).put("role", s.admin() ? "admin" : "viewer")
                .put("csrfToken", s.csrfToken());
    }

    private void whoAmI(RoutingContext ctx) {
        json(ctx, 200, session(ctx.get("session")));
    }

    private void logout(RoutingContext ctx) {
        Cookie cookie = ctx.request().getCookie(SESSION_COOKIE);
        sessions.remove(cookie == null ? null : cookie.getValue());
        ctx.response().addCookie(Cookie.cookie(SESSION_COOKIE, "").setHttpOnly(true).setPath("/")
                .setSameSite(CookieSameSite.STRICT).setSecure(https).setMaxAge(0));
        ctx.response().setStatusCode(204).end();
    }

    // ---- actions --------------------------------------------------------------------------------------------

    /** The admin's session, or answers 403 (and audits the refusal) and returns empty. */
    private Optional<SessionStore.Session> admin(RoutingContext ctx, String action, String target) {
        SessionStore.Session s = ctx.get("session");
        if (s.admin()) {
            return Optional.of(s);
        }
        audit(s.user(), action, target, "", false, "role viewer may not take actions", address(ctx));
        Problems.forbidden(ctx, "forbidden", "user " + s.user() + " has role viewer: " + action + " of " + target
                + " needs role admin");
        return Optional.empty();
    }

    private void drillReport(RoutingContext ctx) {
        String drillId = ctx.pathParam("drillId");
        Optional<io.lifeboat.protocol.v1.DrillReport> report = core.drills().reports().stream()
                .filter(r -> r.getDrillId().equals(drillId)).findFirst();
        if (report.isEmpty()) {
            boolean running = core.drills().runningDrills().stream()
                    .anyMatch(b -> b.getStarted().getDrillId().equals(drillId));
            Problems.notFound(ctx, "drill '" + drillId + "' " + (running ? "is still running" : "does not exist")
                    + " on coordinator " + config.nodeId());
            return;
        }
        io.lifeboat.coordinator.drill.DrillReportView.GuestNames names = id -> core.state().guest(id)
                .map(g -> g.spec().getName()).filter(n -> !n.isEmpty()).orElse(id);
        String accept = ctx.request().getHeader("Accept");
        if ("html".equals(ctx.request().getParam("format")) || (accept != null && accept.contains("text/html"))) {
            ctx.response().putHeader("Content-Type", "text/html; charset=utf-8")
                    .putHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
                    .end(io.lifeboat.coordinator.drill.DrillReportView.html(report.get(),
                            core.drills().guestDetails(drillId), names));
            return;
        }
        json(ctx, 200, io.lifeboat.coordinator.drill.DrillReportView.json(report.get(),
                core.drills().guestDetails(drillId), names));
    }

    private void drill(RoutingContext ctx) {
        Optional<SessionStore.Session> s = admin(ctx, "drill", "");
        if (s.isEmpty()) {
            return;
        }
        Optional<JsonObject> body = jsonBody(ctx);
        if (body.isEmpty()) {
            return;
        }
        Object plan = body.get().getValue("plan");
        if (!(plan instanceof String planName) || planName.isEmpty()) {
            Problems.badRequest(ctx, "field 'plan' must name a recovery plan, got " + plan);
            return;
        }
        String user = s.get().user();
        if (core.state().plan(planName).isEmpty()) {
            Problems.notFound(ctx, "plan '" + planName + "' is not a recovery plan of coordinator " + config.nodeId());
            return;
        }
        String drillId = java.util.UUID.randomUUID().toString();
        CoreOutput output;
        try {
            output = core.startDrill(planName, user, drillId, wall.instant());
        } catch (io.lifeboat.coordinator.drill.DrillConflictException e) {
            audit(user, "drill", planName, "", false, e.getMessage(), address(ctx));
            Problems.conflict(ctx, e.getMessage());
            return;
        }
        audited(output, auditOf(user, "drill", planName, drillId, true, "", address(ctx))).onComplete(ar -> {
            if (ar.failed()) {
                Problems.send(ctx, 500, "internal", "Internal error", "coordinator " + config.nodeId()
                        + ": drill of plan " + planName + " could not be journaled: " + ar.cause().getMessage());
                return;
            }
            ctx.response().putHeader("Location", BASE + "/drills/" + drillId);
            json(ctx, 202, new JsonObject().put("drillId", drillId).put("plan", planName));
        });
    }

    private void failover(RoutingContext ctx) {
        String guestId = ctx.pathParam("guestId");
        Optional<SessionStore.Session> s = admin(ctx, "failover", guestId);
        if (s.isEmpty()) {
            return;
        }
        if (core.state().guest(guestId).isEmpty()) {
            unknownGuest(ctx);
            return;
        }
        boolean confirmed = false;
        if (ctx.body().length() > 0) {
            Optional<JsonObject> body = jsonBody(ctx);
            Optional<Boolean> off = body.isEmpty() ? Optional.empty() : primaryConfirmedOff(ctx, body.get());
            if (off.isEmpty()) {
                return;
            }
            confirmed = off.get();
        }
        boolean primaryConfirmedOff = confirmed;
        String user = s.get().user();
        answerGuestOperation(ctx, user, "failover", guestId,
                core.failoverGuest(guestId, user, primaryConfirmedOff, wall.instant()), "FAILING_OVER",
                primaryConfirmedOff ? "primary confirmed off by the admin" : "");
    }

    private void failback(RoutingContext ctx) {
        String guestId = ctx.pathParam("guestId");
        Optional<SessionStore.Session> s = admin(ctx, "failback", guestId);
        if (s.isEmpty()) {
            return;
        }
        if (core.state().guest(guestId).isEmpty()) {
            unknownGuest(ctx);
            return;
        }
        String user = s.get().user();
        answerGuestOperation(ctx, user, "failback", guestId, core.failbackGuest(guestId, user, wall.instant()),
                "FAILING_BACK", "");
    }

    /**
     * Answers an admin's guest operation the core accepted or refused: a refusal is audited and answered 409; an
     * accepted one is journaled first (I4), then audited and answered 202 with its operation id.
     */
    private void answerGuestOperation(RoutingContext ctx, String user, String action, String guestId,
                                      ManualFailover result, String state, String auditNote) {
        if (result.conflict().isPresent()) {
            audit(user, action, guestId, "", false, result.conflict().get(), address(ctx));
            Problems.conflict(ctx, result.conflict().get());
            return;
        }
        String operationId = result.operationId().orElseThrow();
        Audit audit = auditOf(user, action, guestId, operationId, true, auditNote, address(ctx));
        audited(result.output(), audit).onComplete(ar -> {
            if (ar.failed()) {
                Problems.send(ctx, 500, "internal", "Internal error", "coordinator " + config.nodeId()
                        + ": " + action + " of " + guestId + " could not be journaled: " + ar.cause().getMessage());
                return;
            }
            ctx.response().putHeader("Location", BASE + "/guests/" + guestId);
            json(ctx, 202, new JsonObject().put("operationId", operationId).put("guestId", guestId)
                    .put("state", state));
        });
    }

    private void restore(RoutingContext ctx) {
        String guestId = ctx.pathParam("guestId");
        Optional<SessionStore.Session> s = admin(ctx, "restore", guestId);
        if (s.isEmpty()) {
            return;
        }
        var guest = core.state().guest(guestId);
        if (guest.isEmpty()) {
            unknownGuest(ctx);
            return;
        }
        Optional<JsonObject> body = jsonBody(ctx);
        if (body.isEmpty()) {
            return;
        }
        String pointId = stringField(ctx, body.get(), "pointId");
        Optional<Boolean> confirmed = pointId == null ? Optional.empty() : primaryConfirmedOff(ctx, body.get());
        if (confirmed.isEmpty()) {
            return;
        }
        String user = s.get().user();
        var point = core.state().points(guestId).stream().filter(p -> p.pointId().equals(pointId)).findFirst();
        String standby = guest.get().standbyHostId();
        if (point.isEmpty() || !point.get().verified() || !point.get().storeHostId().equals(standby)) {
            String why = point.isEmpty() ? "restore point '" + pointId + "' is not a restore point of guest "
                    + guestId + " (see " + BASE + "/guests/" + guestId + "/points)"
                    : !point.get().verified() ? "restore point " + pointId + " of guest " + guestId
                    + " is not verified: it cannot be restored"
                    : "restore point " + pointId + " of guest " + guestId + " is stored on host "
                    + point.get().storeHostId() + ", not on its standby " + standby;
            audit(user, "restore", guestId, "", false, why, address(ctx));
            if (point.isEmpty()) {
                Problems.notFound(ctx, why);
            } else {
                Problems.send(ctx, 422, "unusable-point", "Restore point not usable", why);
            }
            return;
        }
        answerGuestOperation(ctx, user, "restore", guestId, core.restoreGuest(guestId, pointId, user,
                confirmed.get(), wall.instant()), "FAILING_OVER", "point " + pointId
                + (confirmed.get() ? "; primary confirmed off by the admin" : ""));
    }

    /** The optional {@code primaryConfirmedOff} field (false when absent), or empty after answering 400. */
    private static Optional<Boolean> primaryConfirmedOff(RoutingContext ctx, JsonObject body) {
        Object v = body.getValue("primaryConfirmedOff");
        if (v != null && !(v instanceof Boolean)) {
            Problems.badRequest(ctx, "field 'primaryConfirmedOff' must be true or false, got " + v);
            return Optional.empty();
        }
        return Optional.of(Boolean.TRUE.equals(v));
    }

    /**
     * Audits a refused action or a login: journals the audit record alone, then publishes it on
     * {@code lifeboat.events}.
     */
    private void audit(String user, String action, String target, String operationId, boolean allowed,
                       String detail, String address) {
        audited(new CoreOutput(List.of(), List.of(), List.of()), auditOf(user, action, target, operationId, allowed,
                detail, address));
    }

    /**
     * Journals {@code audit} in one batch with the records of the action it allows (or alone), so that no action is
     * acted on unaudited (I4); the action's commands go out once the batch is durable. Then publishes the audit on
     * {@code lifeboat.events} (also when the journal failed, which the log says). Completes once the batch is durable.
     */
    private Future<Void> audited(CoreOutput action, Audit audit) {
        // The journal's log line of the AuditRecorded record (TransitionLines) is the audit's line in the log.
        CoreOutput recorded = core.audit(audit, wall.instant());
        List<io.lifeboat.protocol.v1.JournalRecord> records = new ArrayList<>(recorded.records());
        records.addAll(action.records());
        AuditRecorded journaled = recorded.records().get(0).getAuditRecorded();
        return journal.apply(new CoreOutput(records, action.commands(), action.replies())).andThen(ar -> {
            if (ar.failed()) {
                LOG.warn("[coordinator node={} epoch={}] audit of {} by {} could not be journaled: {}",
                        config.nodeId(), core.epoch(), audit.getAction(), audit.getUser(), ar.cause().getMessage());
            }
            vertx.eventBus().publish(Addresses.EVENTS, auditEnvelope(journaled));
        });
    }

    private static Audit auditOf(String user, String action, String target, String operationId, boolean allowed,
                                 String detail, String address) {
        return Audit.newBuilder().setUser(user).setAction(action).setTarget(target).setOperationId(operationId)
                .setAllowed(allowed).setDetail(detail).setRemoteAddress(address).build();
    }

    /** The {@code Audit} event of a journaled audit record, as published and as listed after a restart. */
    private static Envelope auditEnvelope(AuditRecorded recorded) {
        return Envelope.newBuilder().setMessageId(java.util.UUID.randomUUID().toString())
                .setSender(recorded.getNodeId()).setTimestamp(recorded.getAt()).setAudit(recorded.getAudit()).build();
    }

    // ---- events ---------------------------------------------------------------------------------------------

    private void eventPage(RoutingContext ctx) {
        Optional<Optional<Long>> after = longParam(ctx, "after");
        Optional<Optional<Long>> limit = longParam(ctx, "limit");
        if (after.isEmpty() || limit.isEmpty()) {
            return;
        }
        long n = limit.get().orElse((long) DEFAULT_PAGE);
        if (n < 1 || n > MAX_PAGE) {
            Problems.badRequest(ctx, "query parameter 'limit' must be 1.." + MAX_PAGE + ", got " + n);
            return;
        }
        List<JsonObject> page = events.page(after.get(), (int) n, Optional.ofNullable(ctx.queryParams().get("type")),
                Optional.ofNullable(ctx.queryParams().get("guest")));
        JsonObject out = new JsonObject().put("events", new JsonArray(new ArrayList<>(page)))
                .put("nextAfter", page.isEmpty() ? after.get().map(String::valueOf).orElse(null)
                        : page.get(page.size() - 1).getString("id"));
        json(ctx, 200, out);
    }

    private void eventStream(RoutingContext ctx) {
        String resume = ctx.request().getHeader("Last-Event-ID");
        String after = resume != null && !resume.isBlank() ? resume.strip() : ctx.queryParams().get("after");
        Optional<Long> from = Optional.empty();
        if (after != null && !after.isEmpty()) {
            try {
                from = Optional.of(Long.parseLong(after));
            } catch (NumberFormatException e) {
                Problems.badRequest(ctx, "Last-Event-ID or query parameter 'after' must be an event id (a number), "
                        + "got '" + after + "'");
                return;
            }
        }
        Optional<String> type = Optional.ofNullable(ctx.queryParams().get("type"));
        Optional<String> guest = Optional.ofNullable(ctx.queryParams().get("guest"));
        HttpServerResponse response = ctx.response();
        response.setChunked(true).putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-store").putHeader("X-Accel-Buffering", "no");
        response.write("retry: 2000\n\n");
        if (from.isPresent()) {
            for (JsonObject e : events.page(from, Integer.MAX_VALUE, type, guest)) {
                response.write(sse(e));
            }
        }
        Cookie cookie = ctx.request().getCookie(SESSION_COOKIE);
        String sessionId = cookie == null ? null : cookie.getValue();
        Consumer<JsonObject> listener = e -> {
            if (response.ended() || response.closed()) {
                return;
            }
            if (!sessions.isLive(sessionId, wall.instant())) {
                // Logged out or expired: the stream ends with the session.
                response.end();
                return;
            }
            if (type.map(t -> t.equals(e.getString("type"))).orElse(true)
                    && guest.map(g -> g.equals(e.getString("guestId"))).orElse(true)) {
                if (response.writeQueueFull()) {
                    // A client that cannot keep up is cut off rather than silently skipped: it reconnects with
                    // Last-Event-ID and gets what it missed from the log.
                    ctx.request().connection().close();
                    return;
                }
                response.write(sse(e));
            }
        };
        events.listen(listener);
        long keepalive = vertx.setPeriodic(SSE_KEEPALIVE_MS, id -> {
            if (!response.ended()) {
                response.write(": keepalive\n\n");
            }
        });
        response.closeHandler(v -> {
            events.unlisten(listener);
            vertx.cancelTimer(keepalive);
        });
        response.endHandler(v -> {
            events.unlisten(listener);
            vertx.cancelTimer(keepalive);
        });
    }

    private static String sse(JsonObject event) {
        StringBuilder out = new StringBuilder();
        if (event.getString("id") != null) {
            out.append("id: ").append(event.getString("id")).append('\n');
        }
        return out.append("data: ").append(event.encode()).append("\n\n").toString();
    }

    /** Live SSE listeners (tests). */
    int streamCount() {
        return events.listenerCount();
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private void unknownGuest(RoutingContext ctx) {
        Problems.notFound(ctx, "guest '" + ctx.pathParam("guestId") + "' is not protected by coordinator "
                + config.nodeId());
    }

    private static String address(RoutingContext ctx) {
        return ctx.request().remoteAddress() == null ? "" : ctx.request().remoteAddress().hostAddress();
    }

    private static void json(RoutingContext ctx, int status, JsonObject body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
                .end(body.encode());
    }

    private static Optional<JsonObject> jsonBody(RoutingContext ctx) {
        String type = ctx.request().getHeader("Content-Type");
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            // Only JSON: a cross-site page cannot send it without a CORS preflight, which this API never grants.
            Problems.send(ctx, 415, "unsupported-media-type", "Unsupported media type", ctx.request().method() + " "
                    + ctx.request().path() + ": the body must be application/json, not " + (type == null
                    ? "untyped" : type));
            return Optional.empty();
        }
        String text = ctx.body().asString(StandardCharsets.UTF_8.name());
        if (text == null || text.isBlank()) {
            Problems.badRequest(ctx, ctx.request().method() + " " + ctx.request().path()
                    + ": the body must be a JSON object");
            return Optional.empty();
        }
        try {
            Object v = io.vertx.core.json.Json.decodeValue(text);
            if (v instanceof JsonObject o) {
                return Optional.of(o);
            }
        } catch (DecodeException e) {
            Problems.badRequest(ctx, ctx.request().method() + " " + ctx.request().path()
                    + ": the body is not valid JSON: " + e.getMessage().split("\n", 2)[0]);
            return Optional.empty();
        }
        Problems.badRequest(ctx, ctx.request().method() + " " + ctx.request().path()
                + ": the body must be a JSON object");
        return Optional.empty();
    }

    private static String stringField(RoutingContext ctx, JsonObject body, String field) {
        Object v = body.getValue(field);
        if (!(v instanceof String s) || s.isEmpty()) {
            Problems.badRequest(ctx, "field '" + field + "' " + (v == null ? "is missing" : "must be a non-empty "
                    + "string"));
            return null;
        }
        return s;
    }

    /** A numeric query parameter: empty when it answered 400; an empty inner optional when absent. */
    private static Optional<Optional<Long>> longParam(RoutingContext ctx, String name) {
        String v = ctx.queryParams().get(name);
        if (v == null || v.isEmpty()) {
            return Optional.of(Optional.empty());
        }
        try {
            return Optional.of(Optional.of(Long.parseLong(v)));
        } catch (NumberFormatException e) {
            Problems.badRequest(ctx, "query parameter '" + name + "' must be a number, got '" + v + "'");
            return Optional.empty();
        }
    }

    private static String readOpenApi() {
        try (InputStream in = RestApi.class.getClassLoader().getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + OPENAPI_RESOURCE + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read classpath resource " + OPENAPI_RESOURCE + ": "
                    + e.getMessage(), e);
        }
    }
}
