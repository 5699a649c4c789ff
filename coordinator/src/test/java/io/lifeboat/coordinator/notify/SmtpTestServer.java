package io.lifeboat.coordinator.notify;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;

/** A tiny SMTP server for tests: EHLO/HELO, MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT; keeps what it received. */
final class SmtpTestServer {

    /** One mail as received: envelope sender, recipients and the DATA text. */
    record Received(String from, List<String> to, String data) {

        String subject() {
            return data.lines().filter(l -> l.startsWith("Subject: ")).findFirst().orElse("Subject: ").substring(9);
        }

        /** The whole DATA with quoted-printable soft breaks and escapes undone (ASCII text). */
        String text() {
            String joined = data.replace("=\n", "");
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < joined.length(); i++) {
                char c = joined.charAt(i);
                if (c == '=' && i + 2 < joined.length() && joined.substring(i + 1, i + 3).matches("[0-9A-F]{2}")) {
                    out.append((char) Integer.parseInt(joined.substring(i + 1, i + 3), 16));
                    i += 2;
                } else {
                    out.append(c);
                }
            }
            return out.toString();
        }
    }

    private final List<Received> mails = new CopyOnWriteArrayList<>();
    private NetServer server;

    Future<Integer> start(Vertx vertx) {
        return vertx.createNetServer().connectHandler(this::session).listen(0, "127.0.0.1").map(s -> {
            server = s;
            return s.actualPort();
        });
    }

    List<Received> mails() {
        return List.copyOf(mails);
    }

    Future<Void> close() {
        return server.close();
    }

    private void session(NetSocket socket) {
        socket.write("220 localhost test SMTP\r\n");
        String[] from = {""};
        List<String> to = new ArrayList<>();
        StringBuilder data = new StringBuilder();
        boolean[] inData = {false};
        RecordParser lines = RecordParser.newDelimited("\r\n", (Buffer b) -> {
            String line = b.toString();
            if (inData[0]) {
                if (line.equals(".")) {
                    inData[0] = false;
                    mails.add(new Received(from[0], List.copyOf(to), data.toString()));
                    data.setLength(0);
                    to.clear();
                    socket.write("250 OK queued\r\n");
                } else {
                    data.append(line.startsWith("..") ? line.substring(1) : line).append('\n');
                }
                return;
            }
            String upper = line.toUpperCase(java.util.Locale.ROOT);
            if (upper.startsWith("EHLO")) {
                socket.write("250-localhost\r\n250-8BITMIME\r\n250 SIZE 10000000\r\n");
            } else if (upper.startsWith("HELO")) {
                socket.write("250 localhost\r\n");
            } else if (upper.startsWith("MAIL FROM:")) {
                from[0] = line.substring(10).replaceAll("[<>]", "").strip().split(" ")[0];
                socket.write("250 OK\r\n");
            } else if (upper.startsWith("RCPT TO:")) {
                to.add(line.substring(8).replaceAll("[<>]", "").strip());
                socket.write("250 OK\r\n");
            } else if (upper.equals("DATA")) {
                inData[0] = true;
                socket.write("354 End data with <CR><LF>.<CR><LF>\r\n");
            } else if (upper.equals("QUIT")) {
                socket.write("221 bye\r\n").onComplete(v -> socket.close());
            } else if (upper.startsWith("RSET") || upper.startsWith("NOOP")) {
                socket.write("250 OK\r\n");
            } else {
                socket.write("502 not implemented\r\n");
            }
        });
        socket.handler(lines);
    }
}
