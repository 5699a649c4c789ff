package io.lifeboat.ui;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

/**
 * A loopback TCP proxy in front of the coordinator's HTTP port that can cut every connection through it at once, as a
 * flaky network does: the browser's event stream drops and must resume.
 */
final class DroppingProxy {

    private final NetServer server;
    private final NetClient client; // held while its sockets live (Vert.x 5 closes a collected client)
    private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();

    private DroppingProxy(NetServer server, NetClient client) {
        this.server = server;
        this.client = client;
    }

    /** Listens on a free loopback port and forwards each connection to {@code 127.0.0.1:targetPort}. */
    static Future<DroppingProxy> start(Vertx vertx, int targetPort) {
        NetClient client = vertx.createNetClient();
        NetServer server = vertx.createNetServer();
        DroppingProxy proxy = new DroppingProxy(server, client);
        server.connectHandler(in -> {
            in.pause();
            client.connect(targetPort, "127.0.0.1").onSuccess(out -> {
                proxy.sockets.add(in);
                proxy.sockets.add(out);
                in.closeHandler(v -> {
                    proxy.sockets.remove(in);
                    out.close();
                });
                out.closeHandler(v -> {
                    proxy.sockets.remove(out);
                    in.close();
                });
                in.handler(out::write);
                out.handler(in::write);
                in.resume();
            }).onFailure(e -> in.close());
        });
        return server.listen(0, "127.0.0.1").map(s -> proxy);
    }

    /** The port the proxy listens on. */
    int port() {
        return server.actualPort();
    }

    /** Closes every connection through the proxy; new ones are forwarded again. */
    void dropAll() {
        for (NetSocket s : sockets) {
            s.close();
        }
    }

    /** The client that opens the forwarded connections. */
    NetClient client() {
        return client;
    }
}
