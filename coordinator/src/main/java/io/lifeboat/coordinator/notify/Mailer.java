package io.lifeboat.coordinator.notify;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailConfig;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.StartTLSOptions;

/**
 * Sends notifications over SMTP without blocking: each mail is tried a few times with doubling waits, then dropped
 * with a WARN; its future always succeeds, with whether the mail went out, so a sender never waits on or fails
 * because of the mail server.
 */
public final class Mailer {

    private static final Logger LOG = LoggerFactory.getLogger(Mailer.class);

    private final Vertx vertx;
    private final MailSettings settings;
    private final MailClient client;
    private final String logContext;
    private final int attempts;
    private final Duration firstRetry;

    /**
     * Creates the mailer.
     *
     * @param password the SMTP login's password, or null without a login; never logged
     * @param logContext what to prefix log lines with, e.g. {@code [coordinator node=c1]}
     * @param attempts how many times a mail is tried in all (at least 1)
     * @param firstRetry the wait before the second try; each next wait doubles
     */
    public Mailer(Vertx vertx, MailSettings settings, String password, String logContext, int attempts,
                  Duration firstRetry) {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts " + attempts + " < 1");
        }
        this.vertx = vertx;
        this.settings = settings;
        this.logContext = logContext;
        this.attempts = attempts;
        this.firstRetry = firstRetry;
        MailConfig config = new MailConfig().setHostname(settings.host()).setPort(settings.port())
                .setStarttls(switch (settings.startTls()) {
                    case OPTIONAL -> StartTLSOptions.OPTIONAL;
                    case REQUIRED -> StartTLSOptions.REQUIRED;
                    case DISABLED -> StartTLSOptions.DISABLED;
                })
                .setConnectTimeout(10_000).setKeepAlive(false);
        if (settings.user().isPresent()) {
            config.setLogin(LoginOption.REQUIRED).setUsername(settings.user().get()).setPassword(password);
        } else {
            config.setLogin(LoginOption.DISABLED);
        }
        this.client = MailClient.create(vertx, config);
    }

    /** Sends {@code n} to every recipient; completes with true once sent, false once dropped (never fails). */
    public Future<Boolean> send(Notification n) {
        MailMessage message = new MailMessage().setFrom(settings.from()).setTo(settings.to())
                .setSubject(n.subject()).setText(n.body());
        Promise<Boolean> done = Promise.promise();
        attempt(message, n, 1, firstRetry, done);
        return done.future();
    }

    private void attempt(MailMessage message, Notification n, int attempt, Duration wait, Promise<Boolean> done) {
        client.sendMail(message).onComplete(ar -> {
            if (ar.succeeded()) {
                LOG.info("{} {} mail sent to {}: {}", logContext, n.kind(), settings.to(), n.subject());
                done.complete(true);
                return;
            }
            String why = String.valueOf(ar.cause().getMessage()).replace('\n', ' ');
            if (attempt >= attempts) {
                LOG.warn("{} {} mail to {} via SMTP {}:{} dropped after {} attempts: {} (subject: {})", logContext,
                        n.kind(), settings.to(), settings.host(), settings.port(), attempt, why, n.subject());
                done.complete(false);
                return;
            }
            LOG.info("{} {} mail via SMTP {}:{} failed (attempt {} of {}), retrying in {} ms: {}", logContext,
                    n.kind(), settings.host(), settings.port(), attempt, attempts, wait.toMillis(), why);
            vertx.setTimer(Math.max(1, wait.toMillis()),
                    id -> attempt(message, n, attempt + 1, wait.multipliedBy(2), done));
        });
    }

    /** Closes the SMTP client. */
    public Future<Void> close() {
        return client.close();
    }
}
