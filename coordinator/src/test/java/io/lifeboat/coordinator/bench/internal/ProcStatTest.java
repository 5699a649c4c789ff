package io.lifeboat.coordinator.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;

import org.junit.jupiter.api.Test;

class ProcStatTest {

    @Test
    void utimePlusStimeCountedFromTheLastParenthesis() throws IOException {
        String stat = "4242 (java (bench) x) S 1 4242 4242 0 -1 4194560 51234 0 12 0 1500 250 3 4 20 0 42 0 "
                + "123456 5000000000 60000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
        assertThat(ProcStat.parseCpuTicks(stat, "/proc/4242/stat")).isEqualTo(1750);
    }

    @Test
    void malformedStatLinesNameTheFile() {
        assertThatThrownBy(() -> ProcStat.parseCpuTicks("4242 java S 1", "/proc/4242/stat"))
                .isInstanceOf(IOException.class).hasMessageStartingWith("/proc/4242/stat: no ')'");
        assertThatThrownBy(() -> ProcStat.parseCpuTicks("4242 (java) S 1 2 3", "/proc/4242/stat"))
                .hasMessageContaining("utime and stime are fields 14 and 15");
        assertThatThrownBy(() -> ProcStat.parseCpuTicks("1 (j) S 1 1 1 0 -1 0 0 0 0 0 x 2 0 0", "/proc/1/stat"))
                .hasMessageContaining("utime 'x'");
    }

    @Test
    void thisProcessHasSpentSomeCpu() throws IOException {
        long before = ProcStat.cpuTicks(ProcessHandle.current().pid());
        assertThat(before).isPositive();
        assertThatThrownBy(() -> ProcStat.cpuTicks(Long.MAX_VALUE)).hasMessageContaining("no such process");
    }

    @Test
    void shareOfOneCoreIsTicksOverClockOverWallSeconds() {
        assertThat(ProcStat.shareOfOneCore(1000, 2500, 100, 60_000_000_000L)).isCloseTo(0.25, within(1e-9));
        assertThat(ProcStat.clockTicksPerSecond()).isPositive();
    }
}
