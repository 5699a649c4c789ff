package io.lifeboat.coordinator.api.cli;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.concurrent.Callable;

import io.lifeboat.coordinator.api.auth.PasswordHasher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code lifeboat coordinator hash-password}: reads a password from the terminal (asked twice) or from stdin, never
 * from an argument, and prints the {@code passwordHash} to put under {@code users} in the coordinator config.
 */
@Command(name = "hash-password", mixinStandardHelpOptions = true, description = "Print a passwordHash for the coordinator config's users. The password "
        + "is read from the terminal (asked twice) or, when stdin is not a terminal, from its first line.")
public final class HashPasswordCommand implements Callable<Integer> {

    private final InputStream stdin;

    @Spec
    CommandSpec spec;

    /** Reads from {@link System#in} when there is no console. */
    public HashPasswordCommand() {
        this(System.in);
    }

    /** Reads from {@code stdin} when there is no console (tests). */
    public HashPasswordCommand(InputStream stdin) {
        this.stdin = stdin;
    }

    @Override
    public Integer call() throws IOException {
        Console console = stdin == System.in ? System.console() : null;
        char[] password;
        if (console != null) {
            password = console.readPassword("Password: ");
            char[] again = console.readPassword("Again: ");
            if (password == null || again == null || !Arrays.equals(password, again)) {
                throw new IllegalArgumentException("hash-password: the two passwords differ");
            }
            Arrays.fill(again, '\0');
        } else {
            password = PasswordHasher.chars(firstLine(stdin));
        }
        try {
            if (password.length == 0) {
                throw new IllegalArgumentException("hash-password: empty password on "
                        + (console != null ? "the terminal" : "stdin"));
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(PasswordHasher.hash(password));
            out.flush();
            return 0;
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private static byte[] firstLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            line.write(b);
        }
        return line.toByteArray();
    }
}
