package io.lifeboat.storage.cli;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;

/** The {@code --json} option of a reporting command, and the one place that prints its result. */
final class JsonOption {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON document.")
    boolean json;

    /** Prints the JSON document with {@code --json}, the text otherwise. */
    void print(JsonObject doc, String text) {
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? doc.encode() : text);
        out.flush();
    }
}
