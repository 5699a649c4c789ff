package io.lifeboat.coordinator.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectionOptionsTest {

    @TempDir
    Path dir;

    private ConnectionOptions options(Map<String, String> env) {
        ConnectionOptions o = new ConnectionOptions();
        o.env = env;
        o.prompt = (p, s) -> null;
        return o;
    }

    @Test
    void theUrlComesFromTheFlagThenTheEnvironmentThenTheConfigThenTheDefault() throws Exception {
        Path config = dir.resolve("coordinator.yaml");
        Files.writeString(config, "nodeId: c1\nhttp:\n  listen: \"0.0.0.0:7481\"\n  tls: {cert: c.pem, key: k.pem}\n");
        ConnectionOptions o = options(Map.of("LIFEBOAT_URL", "http://nas:7482"));
        o.url = "http://127.0.0.1:9000";
        o.config = config;
        assertThat(o.url()).isEqualTo(URI.create("http://127.0.0.1:9000"));
        o.url = null;
        assertThat(o.url()).isEqualTo(URI.create("http://nas:7482"));
        o.env = Map.of();
        assertThat(o.url()).as("any-address listen is reached on loopback; tls means https")
                .isEqualTo(URI.create("https://127.0.0.1:7481"));
        o.config = null;
        assertThat(o.url()).isEqualTo(URI.create(ConnectionOptions.DEFAULT_URL));
        o.url = "nas:7480";
        assertThat(o.url()).isEqualTo(URI.create("http://nas:7480"));
    }

    @Test
    void aConfigWithoutHttpOrAMissingOneIsAnErrorNamingTheFile() throws Exception {
        Path config = dir.resolve("agentless.yaml");
        Files.writeString(config, "nodeId: c1\n");
        ConnectionOptions o = options(Map.of());
        o.config = config;
        assertThatThrownBy(o::url).hasMessage(config + ": no http.listen, so the coordinator serves no REST API; "
                + "give --url");
        o.config = dir.resolve("missing.yaml");
        assertThatThrownBy(o::url).hasMessage(dir.resolve("missing.yaml") + ": no such file");
        o.config = null;
        o.url = "ftp://nas";
        assertThatThrownBy(o::url).hasMessage("coordinator URL 'ftp://nas' is not http(s)://HOST:PORT");
    }

    @Test
    void theUserComesFromTheFlagOrTheEnvironmentAndThePasswordNeverFromAnArgument() {
        ConnectionOptions o = options(Map.of("LIFEBOAT_USER", "ann", "LIFEBOAT_PASSWORD", "s3cret"));
        assertThat(o.user()).isEqualTo("ann");
        o.user = "vic";
        assertThat(o.user()).isEqualTo("vic");
        assertThat(o.password("vic", URI.create("http://nas:7480"))).containsExactly('s', '3', 'c', 'r', 'e', 't');
        ConnectionOptions nobody = options(Map.of());
        assertThatThrownBy(nobody::user).hasMessage("no user to log in as: give --user NAME or set LIFEBOAT_USER");
        assertThatThrownBy(() -> nobody.password("ann", URI.create("http://nas:7480")))
                .hasMessage("no password for ann at http://nas:7480: set LIFEBOAT_PASSWORD or run on a terminal to "
                        + "be asked");
    }
}
