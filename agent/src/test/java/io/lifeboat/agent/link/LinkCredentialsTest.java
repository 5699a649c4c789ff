package io.lifeboat.agent.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeboat.protocol.HelloCredentials;
import io.lifeboat.protocol.v1.Hello;
import io.lifeboat.protocol.v1.Role;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LinkCredentialsTest {
  static final byte[] SECRET = "0123456789abcdef-site".getBytes(StandardCharsets.UTF_8);

  @Test
  void agentHellosVerifyWithTheProtocolsCheckAndNotWithAnotherSecretOrIdentity() {
    LinkCredentials agent = new LinkCredentials("site", SECRET);
    Hello hello = Hello.newBuilder().setRole(Role.ROLE_AGENT).setSenderId("hostA").setIncarnation(3)
        .setCredentials(agent.sign(Role.ROLE_AGENT, "hostA", 3)).build();
    assertThat(new HelloCredentials("site", SECRET).verify(hello)).isTrue();
    assertThat(agent.verify(hello)).isTrue();
    assertThat(agent.verify(hello.toBuilder().setIncarnation(4).build())).as("replayed with another incarnation")
        .isFalse();
    assertThat(agent.verify(hello.toBuilder().setSenderId("hostB").build())).isFalse();
    assertThat(new LinkCredentials("site", "another-secret-of-16+".getBytes(StandardCharsets.UTF_8)).verify(hello))
        .isFalse();
    assertThatThrownBy(() -> new LinkCredentials("site", new byte[8])).isInstanceOf(IllegalArgumentException.class);
  }
}
