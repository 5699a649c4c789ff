package io.lifeboat.agent.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EpochStoreTest {

  @Test
  void staleEpochsAreRefusedAlsoAfterARestart(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("epoch");
    EpochStore store = EpochStore.open(file);
    assertThat(store.highest()).isZero();
    assertThat(store.admit(6)).isTrue();
    assertThat(store.admit(7)).isTrue();
    assertThat(store.admit(7)).isTrue();
    assertThat(store.admit(6)).isFalse();
    assertThat(Files.readString(file)).isEqualTo("epoch=7\n");

    EpochStore restarted = EpochStore.open(file);
    assertThat(restarted.highest()).isEqualTo(7);
    assertThat(restarted.admit(6)).as("stale after restart (I3)").isFalse();
    assertThat(restarted.admit(8)).isTrue();
    try (var listing = Files.list(dir)) {
      assertThat(listing).containsExactly(file);
    }
  }

  @Test
  void aCorruptEpochFileStopsTheAgentInsteadOfForgetting(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("epoch");
    Files.writeString(file, "epoch=banana\n");
    assertThatThrownBy(() -> EpochStore.open(file)).isInstanceOf(IOException.class)
        .hasMessage(file + ": epoch \"banana\" is not a number; refusing to guess the epoch");
    Files.writeString(file, "garbage");
    assertThatThrownBy(() -> EpochStore.open(file)).hasMessageContaining("expected \"epoch=<number>\"");
  }

  @Test
  void incarnationIsBumpedAtEachStart(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("incarnation");
    assertThat(IncarnationStore.bump(file)).isEqualTo(1);
    assertThat(IncarnationStore.bump(file)).isEqualTo(2);
    assertThat(IncarnationStore.bump(file)).isEqualTo(3);
  }
}
