package io.lifeboat.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

class LifeboatTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Lifeboat.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void helpListsEveryPublicCommandOfTheDesign() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains(
                "demo", "test", "lab", "coordinator", "agent", "vmdk", "store", "status", "events",
                "failover", "failback", "restore", "drill", "bench");
    }

    @Test
    void demoTakesKillPrimaryAndJson() {
        assertThat(run("demo", "--help")).isZero();
        assertThat(out.toString()).contains("--kill-primary", "--json", "RTO and RPO");
        assertThat(run("demo", "--no-such-option")).isEqualTo(2);
    }

    @Test
    void benchFailoverChecksItsRunCountBeforeTouchingTheLab() {
        assertThat(run("bench", "failover", "--runs", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--runs 0 outside 1..50");
    }

    @Test
    void benchDrillChecksItsRunCountBeforeTouchingTheLab() {
        assertThat(run("bench", "drill", "--runs", "51")).isEqualTo(2);
        assertThat(err.toString()).contains("--runs 51 outside 1..50");
    }

    @Test
    void anUnknownCommandIsAUsageError() {
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(err.toString()).contains("frobnicate");
    }

    @Test
    void errorsAreOneLineWithoutStackTraceUnlessDebug() {
        Exception nested = new RuntimeException(new java.io.IOException("disk.vmdk: grain size 3 is not a power of two"));
        assertThat(Lifeboat.OneLineErrors.describe(nested)).isEqualTo(nested.getMessage());
        assertThat(Lifeboat.OneLineErrors.describe(new IllegalStateException("a\nb"))).isEqualTo("a b");
        assertThat(Lifeboat.OneLineErrors.describe(new IllegalStateException())).isEqualTo("IllegalStateException");
    }
}
