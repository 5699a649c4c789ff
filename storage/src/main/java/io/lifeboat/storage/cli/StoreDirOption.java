package io.lifeboat.storage.cli;

import io.lifeboat.storage.store.ChunkStore;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The {@code --store DIR} option every store command takes, and the two ways to open it. */
final class StoreDirOption {

    @Option(names = "--store", required = true, paramLabel = "DIR", description = "The store directory.")
    Path dir;

    /** Opens the store, creating it when the directory holds none yet (backup, serve). */
    ChunkStore openOrCreate() throws IOException {
        return ChunkStore.open(dir);
    }

    /** Opens a store that must already exist, so that a mistyped path is an error rather than a new, empty store. */
    ChunkStore openExisting() throws IOException {
        if (!Files.isDirectory(dir.resolve("packs"))) {
            throw new IOException(dir + ": not a store (no packs directory)");
        }
        return ChunkStore.open(dir);
    }
}
