package io.lifeboat.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeboat.protocol.v1.Credentials;
import io.lifeboat.protocol.v1.Hello;
import io.lifeboat.protocol.v1.Role;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class HelloCredentialsTest {

    private static final byte[] SECRET = "sixteen-byte-key".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NONCE = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f");

    private final HelloCredentials site = new HelloCredentials("site", SECRET);

    private static Hello hello(Credentials credentials) {
        return Hello.newBuilder().setRole(Role.ROLE_AGENT).setSenderId("hostA").setIncarnation(7)
                .setCredentials(credentials).build();
    }

    @Test
    void theMacMatchesAnIndependentlyComputedVector() {
        // printf 'lifeboat.v1|ROLE_AGENT|hostA|7|000102030405060708090a0b0c0d0e0f' \
        //   | openssl dgst -sha256 -hmac 'sixteen-byte-key'
        Credentials credentials = site.sign(Role.ROLE_AGENT, "hostA", 7, NONCE);

        assertThat(HexFormat.of().formatHex(credentials.getMac().toByteArray()))
                .isEqualTo("6fe4d2eff29ecb0a2f88ad9837836e0d49408453a356f778901542f2e9d7faa9");
        assertThat(credentials.getKeyId()).isEqualTo("site");
    }

    @Test
    void aSignedHelloVerifiesAndAnyChangeBreaksIt() {
        Hello signed = hello(site.sign(Role.ROLE_AGENT, "hostA", 7));

        assertThat(site.verify(signed)).isTrue();
        assertThat(site.verify(signed.toBuilder().setSenderId("hostB").build())).isFalse();
        assertThat(site.verify(signed.toBuilder().setIncarnation(8).build())).isFalse();
        assertThat(site.verify(signed.toBuilder().setRole(Role.ROLE_COORDINATOR).build())).isFalse();
        assertThat(new HelloCredentials("site", "another-16-bytes".getBytes(StandardCharsets.UTF_8))
                .verify(signed)).isFalse();
        assertThat(new HelloCredentials("old", SECRET).verify(signed)).isFalse();
    }

    @Test
    void missingOrShortNoncesAndMissingCredentialsAreRejected() {
        assertThat(site.verify(hello(site.sign(Role.ROLE_AGENT, "hostA", 7, new byte[8])))).isFalse();
        assertThat(site.verify(Hello.newBuilder().setRole(Role.ROLE_AGENT).setSenderId("hostA").build())).isFalse();
    }

    @Test
    void freshNoncesDiffer() {
        assertThat(site.sign(Role.ROLE_AGENT, "hostA", 7).getNonce())
                .isNotEqualTo(site.sign(Role.ROLE_AGENT, "hostA", 7).getNonce());
    }

    @Test
    void shortSecretsAreRefused() {
        assertThatThrownBy(() -> new HelloCredentials("site", new byte[15]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("shared secret 'site' has 15 bytes, at least 16 are needed");
    }
}
