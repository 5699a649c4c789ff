package io.lifeboat.storage.replication;

import java.io.IOException;

/** A replication link failed or the peer refused; the message names the peer and the reason. */
public class ReplicationException extends IOException {

    private static final long serialVersionUID = 1L;

    public ReplicationException(String message) {
        super(message);
    }

    public ReplicationException(String message, Throwable cause) {
        super(message, cause);
    }
}
