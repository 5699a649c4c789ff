package io.lifeboat.lab;

import java.net.URI;

/**
 * A running VI API simulator that stands for a VMware host: its SDK endpoint, its options and its datastore files.
 */
public interface VmwareSimulator extends AutoCloseable {

    /** The VI API endpoint as the test JVM reaches it, e.g. {@code https://127.0.0.1:41234/sdk}. */
    URI sdkUrl();

    /** The options the simulator was started with (credentials, product, CPU facts). */
    VmwareSimulatorOptions options();

    /** Writes a file into the datastore, at {@code relativePath} such as {@code web/web.vmx}, creating its folder. */
    void writeDatastoreFile(String relativePath, byte[] content);

    /** The text of a datastore file (bytes as ISO-8859-1, so serial logs never fail to decode), or "" if missing. */
    String readDatastoreFile(String relativePath);

    /** Whether a file exists in the datastore at {@code relativePath}. */
    boolean datastoreFileExists(String relativePath);

    /** Stops the simulator. */
    @Override
    void close();
}
