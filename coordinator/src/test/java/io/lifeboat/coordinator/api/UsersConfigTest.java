package io.lifeboat.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lifeboat.coordinator.api.auth.PasswordHasher;
import io.lifeboat.coordinator.config.ConfigException;
import io.lifeboat.coordinator.config.CoordinatorConfig;
import io.lifeboat.coordinator.config.CoordinatorConfigLoader;
import io.lifeboat.coordinator.config.SiteConfigs;

/** The {@code users} and {@code http.tls} blocks of the coordinator config. */
class UsersConfigTest {

    private static final String HASH = PasswordHasher.hash("pw".toCharArray());

    @TempDir
    Path dir;

    @Test
    void usersWithRolesAndHttpsFilesAreRead() throws Exception {
        CoordinatorConfig config = CoordinatorConfigLoader.load(SiteConfigs.write(dir, "nas", """
                http:
                  listen: "127.0.0.1:8443"
                  tls: {cert: tls/coordinator.pem, key: tls/coordinator.key}
                users:
                  - {name: alice, role: admin, passwordHash: "%s"}
                  - {name: bob, role: viewer, passwordHash: "%s"}
                """.formatted(HASH, HASH)));
        assertThat(config.users()).containsOnlyKeys("alice", "bob");
        assertThat(config.users().get("alice").admin()).isTrue();
        assertThat(config.users().get("bob").admin()).isFalse();
        assertThat(config.users().get("bob").toString()).doesNotContain(HASH);
        assertThat(config.httpTls()).hasValueSatisfying(t -> {
            assertThat(t.cert()).isEqualTo(dir.resolve("tls/coordinator.pem").toAbsolutePath());
            assertThat(t.key()).isEqualTo(dir.resolve("tls/coordinator.key").toAbsolutePath());
        });
    }

    @Test
    void badUsersAreErrorsNamingTheKeyAndNeverTheHash() throws Exception {
        Path badRole = SiteConfigs.write(dir, "nas", "users:\n  - {name: alice, role: root, passwordHash: \""
                + HASH + "\"}\n");
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(badRole)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("users[0].role").hasMessageContaining("admin or viewer");
        String weak = "pbkdf2-sha256$1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
        Path weakHash = SiteConfigs.write(dir, "nas", "users:\n  - {name: alice, role: admin, passwordHash: \""
                + weak + "\"}\n");
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(weakHash)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("users[0].passwordHash").hasMessageNotContaining("c2FsdHNhbHQ");
        Path twice = SiteConfigs.write(dir, "nas", "users:\n  - {name: a, role: admin, passwordHash: \"" + HASH
                + "\"}\n  - {name: a, role: viewer, passwordHash: \"" + HASH + "\"}\n");
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(twice)).hasMessageContaining("listed twice");
        Path plain = SiteConfigs.write(dir, "nas", "users:\n  - {name: a, role: admin, password: hunter2}\n");
        assertThatThrownBy(() -> CoordinatorConfigLoader.load(plain)).hasMessageContaining("unknown key")
                .hasMessageNotContaining("hunter2");
    }
}
