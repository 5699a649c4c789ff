package io.lifeboat.storage.cli;

import picocli.CommandLine;

/** Runs {@code store ...} in its own JVM, so tests can kill a receiver with -9. */
public final class StoreServeMain {

    private StoreServeMain() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new StoreCommand()).execute(args));
    }
}
