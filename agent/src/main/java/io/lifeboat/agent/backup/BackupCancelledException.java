package io.lifeboat.agent.backup;

import java.io.IOException;

/** A backup cycle was cancelled before it committed; its snapshot was released and no point was committed. */
public final class BackupCancelledException extends IOException {

    private static final long serialVersionUID = 1L;

    public BackupCancelledException(String message) {
        super(message);
    }
}
