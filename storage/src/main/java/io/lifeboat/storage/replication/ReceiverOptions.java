package io.lifeboat.storage.replication;

import java.nio.file.Path;

/**
 * How a replication receiver listens.
 *
 * @param host        address to bind
 * @param port        port to bind (0: any free port)
 * @param secret      the store's shared secret
 * @param tlsCert     PEM certificate chain for TLS, or null for plain TCP
 * @param tlsKey      PEM private key for TLS, or null
 * @param workerPool  name of the worker pool for hashing and file I/O
 * @param workerSize  its size
 */
public record ReceiverOptions(String host, int port, byte[] secret, Path tlsCert, Path tlsKey, String workerPool,
                              int workerSize) {

    /** Plain TCP on {@code host:port} with the default worker pool. */
    public static ReceiverOptions plain(String host, int port, byte[] secret) {
        return new ReceiverOptions(host, port, secret, null, null, "lifeboat-store-io", 2);
    }
}
