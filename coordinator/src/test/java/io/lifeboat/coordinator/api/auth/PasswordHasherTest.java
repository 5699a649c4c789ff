package io.lifeboat.coordinator.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;

import org.junit.jupiter.api.Test;

class PasswordHasherTest {

    @Test
    void aHashMatchesItsPasswordOnlyAndEachHashHasItsOwnSalt() {
        String hash = PasswordHasher.hash("correct horse".toCharArray());
        String[] parts = hash.split("\\$");
        assertThat(parts).hasSize(4);
        assertThat(parts[0]).isEqualTo("pbkdf2-sha256");
        assertThat(Integer.parseInt(parts[1])).isGreaterThanOrEqualTo(210_000);
        assertThat(Base64.getDecoder().decode(parts[2])).hasSize(16);
        assertThat(Base64.getDecoder().decode(parts[3])).hasSize(32);
        assertThat(PasswordHasher.matches("correct horse".toCharArray(), hash)).isTrue();
        assertThat(PasswordHasher.matches("correct horse ".toCharArray(), hash)).isFalse();
        assertThat(PasswordHasher.matches("".toCharArray(), hash)).isFalse();
        assertThat(PasswordHasher.hash("correct horse".toCharArray())).isNotEqualTo(hash);
    }

    @Test
    void malformedOrWeakHashesAreRefusedWithoutQuotingThem() {
        String weak = "pbkdf2-sha256$1000$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=";
        assertThatThrownBy(() -> PasswordHasher.validate(weak)).hasMessageContaining("fewer than 210000")
                .hasMessageNotContaining("c2FsdHNhbHRz");
        assertThatThrownBy(() -> PasswordHasher.validate("md5$abc")).hasMessageNotContaining("abc");
        assertThatThrownBy(() -> PasswordHasher.validate("pbkdf2-sha256$210000$%%%$%%%"))
                .hasMessageContaining("not base64");
        assertThatThrownBy(() -> PasswordHasher.hash("x".toCharArray(), 1000))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPasswordReadFromStdinLosesItsLineEndOnly() {
        assertThat(PasswordHasher.chars("pässwort \r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .containsExactly("pässwort ".toCharArray());
    }
}
