package io.lifeboat.coordinator.api.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.lifeboat.coordinator.api.auth.PasswordHasher;
import picocli.CommandLine;

class HashPasswordCommandTest {

    @Test
    void printsAHashOfThePasswordOnStdinAndTakesNoPasswordArgument() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new HashPasswordCommand(new ByteArrayInputStream(
                "s3cret pass\nignored\n".getBytes(StandardCharsets.UTF_8))));
        cli.setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        assertThat(cli.execute()).isZero();
        String hash = out.toString().strip();
        assertThat(hash).startsWith("pbkdf2-sha256$210000$").doesNotContain("s3cret");
        assertThat(PasswordHasher.matches("s3cret pass".toCharArray(), hash)).isTrue();

        CommandLine withArgument = new CommandLine(new HashPasswordCommand(new ByteArrayInputStream(new byte[0])));
        withArgument.setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(new StringWriter()));
        assertThat(withArgument.execute("s3cret")).isEqualTo(2);
    }

    @Test
    void itIsASubcommandOfCoordinatorThatNeedsNoConfig() {
        CommandLine coordinator = new CommandLine(new io.lifeboat.coordinator.cli.CoordinatorCommand());
        StringWriter out = new StringWriter();
        coordinator.setOut(new PrintWriter(out)).setErr(new PrintWriter(new StringWriter()));
        assertThat(coordinator.execute("hash-password", "--help")).isZero();
        assertThat(out.toString()).contains("hash-password");
        assertThat(coordinator.execute()).as("coordinator without --config is a usage error").isEqualTo(2);
    }

    @Test
    void anEmptyPasswordIsAnError() {
        CommandLine cli = new CommandLine(new HashPasswordCommand(new ByteArrayInputStream("\n".getBytes(
                StandardCharsets.UTF_8))));
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(err));
        assertThat(cli.execute()).isEqualTo(1);
    }
}
