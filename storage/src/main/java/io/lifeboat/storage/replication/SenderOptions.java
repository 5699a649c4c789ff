package io.lifeboat.storage.replication;

import java.nio.file.Path;

/**
 * Where and how a sender connects.
 *
 * @param host           receiver host
 * @param port           receiver port
 * @param secret         the receiving store's shared secret
 * @param limitBytesPerSecond bandwidth limit for chunk data, 0 for none
 * @param tls            whether to use TLS
 * @param tlsTrust       PEM CA certificate to trust (with TLS), or null to trust the JVM's default roots
 * @param workerPool     name of the worker pool that reads, hashes and sends
 */
public record SenderOptions(String host, int port, byte[] secret, long limitBytesPerSecond, boolean tls,
                            Path tlsTrust, String workerPool) {

    /** Plain TCP to {@code host:port}, unlimited. */
    public static SenderOptions plain(String host, int port, byte[] secret) {
        return new SenderOptions(host, port, secret, 0, false, null, "lifeboat-replication-send");
    }

    /** The same options with a bandwidth limit. */
    public SenderOptions withLimit(long bytesPerSecond) {
        return new SenderOptions(host, port, secret, bytesPerSecond, tls, tlsTrust, workerPool);
    }
}
