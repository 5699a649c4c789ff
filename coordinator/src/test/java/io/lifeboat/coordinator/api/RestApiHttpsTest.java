package io.lifeboat.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lifeboat.coordinator.CoordinatorVerticle;
import io.lifeboat.coordinator.api.auth.PasswordHasher;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;
import io.lifeboat.coordinator.config.SiteConfigs;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** With {@code http.tls} the coordinator speaks HTTPS only, and its session cookie is Secure. */
class RestApiHttpsTest {

    @TempDir
    Path dir;

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void overHttpsTheSessionCookieIsSecure() throws Exception {
        Path cert = dir.resolve("coordinator.pem");
        Path key = dir.resolve("coordinator.key");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost").redirectErrorStream(true).start();
        String output = new String(openssl.getInputStream().readAllBytes());
        assertThat(openssl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(openssl.exitValue()).as(output).isZero();
        String hash = PasswordHasher.hash("admin secret 1".toCharArray());
        CoordinatorVerticle verticle = new CoordinatorVerticle(CoordinatorConfigLoader.load(SiteConfigs.write(dir,
                "nas", "http:\n  listen: \"127.0.0.1:0\"\n  tls: {cert: coordinator.pem, key: coordinator.key}\n"
                        + "users:\n  - {name: alice, role: admin, passwordHash: \"" + hash + "\"}\n")));
        vertx.deployVerticle(verticle).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(cert)) {
            trust.setCertificateEntry("coordinator", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        HttpClient client = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(30)).build();

        HttpResponse<String> login = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:"
                + verticle.httpPort() + "/api/v1/session")).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(new JsonObject()
                        .put("user", "alice").put("password", "admin secret 1").encode())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        assertThat(login.headers().firstValue("Set-Cookie").orElseThrow()).containsIgnoringCase("Secure")
                .containsIgnoringCase("HttpOnly").contains("SameSite=Strict");

        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + verticle.httpPort() + "/api/v1/openapi.json")).timeout(Duration.ofSeconds(30))
                .build(), HttpResponse.BodyHandlers.ofString())).isInstanceOf(java.io.IOException.class);
    }
}
