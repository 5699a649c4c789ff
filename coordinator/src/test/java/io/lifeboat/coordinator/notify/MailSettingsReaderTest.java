package io.lifeboat.coordinator.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lifeboat.coordinator.config.ConfigException;

class MailSettingsReaderTest {

    @TempDir
    Path dir;

    @Test
    void readsAFullSectionWithThePasswordFileResolvedNextToTheConfig() throws Exception {
        Files.writeString(dir.resolve("smtp.pass"), "s3cret\n");
        MailSettings s = MailSettingsReader.read(Map.of(
                "smtp", Map.of("host", "mail.example.org", "port", 587, "startTls", "required", "user", "lifeboat",
                        "passwordFile", "smtp.pass"),
                "from", "lifeboat@example.org", "to", List.of("admin@example.org", "oncall@example.org")),
                dir.resolve("c1.yaml"), dir);

        assertThat(s).isEqualTo(new MailSettings("mail.example.org", 587, MailSettings.StartTls.REQUIRED,
                Optional.of("lifeboat"), Optional.of(dir.resolve("smtp.pass")), "lifeboat@example.org",
                List.of("admin@example.org", "oncall@example.org")));
        assertThat(s.toString()).doesNotContain("s3cret");
    }

    @Test
    void defaultsToPort25WithOptionalStartTlsAndNoLogin() {
        MailSettings s = MailSettingsReader.read(Map.of("smtp", Map.of("host", "127.0.0.1"),
                "from", "a@b", "to", List.of("c@d")), dir.resolve("c1.yaml"), dir);

        assertThat(s.port()).isEqualTo(25);
        assertThat(s.startTls()).isEqualTo(MailSettings.StartTls.OPTIONAL);
        assertThat(s.user()).isEmpty();
    }

    @Test
    void badSectionsAreErrorsThatNameTheFileAndTheKey() {
        Path file = dir.resolve("c1.yaml");
        assertThatThrownBy(() -> MailSettingsReader.read(Map.of("smtp", Map.of("host", "h", "tls", true),
                "from", "a@b", "to", List.of("c@d")), file, dir))
                .isInstanceOf(ConfigException.class).hasMessage(file + ": notify.smtp.tls: unknown key (allowed: "
                        + "host, port, startTls, user, passwordFile)");
        assertThatThrownBy(() -> MailSettingsReader.read(Map.of("smtp", Map.of("host", "h", "startTls", "maybe"),
                "from", "a@b", "to", List.of("c@d")), file, dir))
                .hasMessage(file + ": notify.smtp.startTls: 'maybe' is none of optional, required, disabled");
        assertThatThrownBy(() -> MailSettingsReader.read(Map.of("smtp", Map.of("host", "h"),
                "from", "a@b", "to", List.of()), file, dir))
                .hasMessage(file + ": notify.to: expected a list of at least one address");
        assertThatThrownBy(() -> MailSettingsReader.read(Map.of("smtp", Map.of("host", "h"),
                "from", "a@b", "to", List.of("admin")), file, dir))
                .hasMessage(file + ": notify.to[0]: 'admin' is not an email address");
        assertThatThrownBy(() -> MailSettingsReader.read(Map.of("smtp", Map.of("host", "h", "user", "u",
                "passwordFile", "missing.pass"), "from", "a@b", "to", List.of("c@d")), file, dir))
                .hasMessage(file + ": notify.smtp.passwordFile: cannot read " + dir.resolve("missing.pass"));
    }
}
