package io.lifeboat.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class DataDiskTest {
  @Property(tries = 200)
  void anyRangeEqualsTheSameSliceOfTheWholeImage(@ForAll long seed, @ForAll @IntRange(min = 0, max = 60_000) int offset,
      @ForAll @IntRange(min = 0, max = 5_000) int length) {
    byte[] whole = DataDisk.image(seed, 65_536);
    assertThat(DataDisk.bytes(seed, offset, length)).isEqualTo(Arrays.copyOfRange(whole, offset, offset + length));
  }

  @Property(tries = 50)
  void differentSeedsGiveDifferentDisks(@ForAll @LongRange(min = 0, max = 1_000_000) long seed) {
    assertThat(DataDisk.bytes(seed, 0, 64)).isNotEqualTo(DataDisk.bytes(seed + 1, 0, 64));
  }

  @Test
  void patternIsNotConstantWithinASector() {
    byte[] sector = DataDisk.bytes(1, 0, 512);
    long distinct = java.util.stream.IntStream.range(0, 512).map(i -> sector[i]).distinct().count();
    assertThat(distinct).isGreaterThan(100);
  }
}
