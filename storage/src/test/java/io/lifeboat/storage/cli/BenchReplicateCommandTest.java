package io.lifeboat.storage.cli;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class BenchReplicateCommandTest {

    @TempDir
    Path tmp;

    @Test
    void aSmallRunReportsEveryFigureAndSendsLittleMoreThanTheChangedData() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new BenchReplicateCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute("--data-bytes", String.valueOf(16 << 20), "--capacity-bytes", String.valueOf(256 << 20),
                "--dir", tmp.toString(), "--json");
        assertThat(exit).as(err.toString()).isZero();
        JsonObject doc = new JsonObject(out.toString().trim());
        long changed = doc.getLong("changedBytes");
        assertThat(changed).isEqualTo((16L << 20) / 10 / 65536 * 65536);
        assertThat(doc.getLong("sentBytes")).isLessThanOrEqualTo((long) (1.05 * changed) + doc.getLong("chunkListBytes"));
        assertThat(doc.getLong("grainsHashed")).isEqualTo(changed / 65536);
        assertThat(doc.getDouble("fullSeconds")).isPositive();
        assertThat(doc.getDouble("incrementalSeconds")).isPositive();
        assertThat(doc.getDouble("rsyncSeconds")).isPositive();
        assertThat(doc.getDouble("ratio")).isPositive();
        assertThat(doc.getJsonObject("targets").getBoolean("sentWithinBudget")).isTrue();
    }
}
