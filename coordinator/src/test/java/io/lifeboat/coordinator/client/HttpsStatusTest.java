package io.lifeboat.coordinator.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lifeboat.coordinator.CoordinatorVerticle;
import io.lifeboat.coordinator.api.auth.PasswordHasher;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;
import io.lifeboat.coordinator.config.SiteConfigs;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine;

/**
 * {@code status} against a coordinator that speaks HTTPS with a self-signed certificate (made with {@code openssl}):
 * trusted from the config's {@code http.tls.cert} or from {@code --ca}, refused with a one-line TLS error otherwise.
 */
class HttpsStatusTest {

    @TempDir
    Path dir;

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static void openssl(String... args) throws Exception {
        Process p = new ProcessBuilder(java.util.stream.Stream.concat(java.util.stream.Stream.of("openssl"),
                List.of(args).stream()).toList()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }

    private static String[] run(StatusCommand c, String... args) {
        c.connection.env = Map.of("LIFEBOAT_PASSWORD", "ann-secret");
        c.connection.prompt = (p, s) -> null;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(c);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
            return 1;
        });
        int exit = cl.execute(args);
        return new String[] {Integer.toString(exit), out.toString(), err.toString()};
    }

    @Test
    void theConfigsCertificateOrCaIsTrustedAndAnUntrustedOneIsAOneLineError() throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.resolve("http.key").toString(),
                "-out", dir.resolve("http.pem").toString(), "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1");
        Path config = SiteConfigs.write(dir, "nas", "http:\n  listen: \"127.0.0.1:0\"\n"
                + "  tls: {cert: http.pem, key: http.key}\n"
                + "users:\n  - {name: ann, role: admin, passwordHash: \""
                + PasswordHasher.hash("ann-secret".toCharArray()) + "\"}\n");
        CoordinatorVerticle verticle = new CoordinatorVerticle(CoordinatorConfigLoader.load(config));
        vertx.deployVerticle(verticle).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        String url = "https://127.0.0.1:" + verticle.httpPort();

        String[] fromConfig = run(new StatusCommand(), "--json", "--url", url, "--config", config.toString(),
                "--user", "ann");
        assertThat(fromConfig[2]).isEmpty();
        JsonObject doc = new JsonObject(fromConfig[1].strip());
        assertThat(doc.getString("url")).isEqualTo(url);
        assertThat(doc.getJsonArray("hosts")).hasSize(2);

        String[] fromCa = run(new StatusCommand(), "--json", "--url", url, "--ca", dir.resolve("http.pem").toString(),
                "--user", "ann");
        assertThat(fromCa[2]).isEmpty();
        assertThat(new JsonObject(fromCa[1].strip()).getJsonArray("hosts")).hasSize(2);

        String[] untrusted = run(new StatusCommand(), "--url", url, "--user", "ann");
        assertThat(untrusted[0]).isEqualTo("1");
        assertThat(untrusted[1]).isEmpty();
        assertThat(untrusted[2].lines()).singleElement().satisfies(l -> assertThat(l)
                .startsWith("status: " + url + ": TLS failed: "));
    }
}
