package io.lifeboat.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The VI API simulator's Go sources pass {@code go vet} and their unit tests (SOAP filter, CPUID bits, .vmx reading),
 * and build into the cached executable.
 */
class VmwareSimulatorSourcesIT {

    @Test
    void goVetAndGoUnitTestsPass() throws Exception {
        Path log = Files.createTempFile("vcsim-go-test-", ".log");
        try {
            String output = VmwareSimulatorBinary.locate().runGoTests(log);
            assertThat(output).containsPattern("(?m)^ok\\s");
        } finally {
            Files.deleteIfExists(log);
        }
    }

    @Test
    void theBinaryIsCachedUnderTheHashOfItsSources() {
        VmwareSimulatorBinary binary = VmwareSimulatorBinary.locate();
        Path built = binary.ensureBuilt();
        assertThat(built).isExecutable();
        assertThat(built.getParent().getFileName().toString()).isEqualTo(binary.sourceHash().substring(0, 16));
        assertThat(binary.ensureBuilt()).isEqualTo(built);
    }
}
