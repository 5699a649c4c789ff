package io.lifeboat.coordinator.client;

/**
 * A REST call that failed, with a one-line message naming the request and what went wrong (the problem detail's
 * {@code detail} when the coordinator sent one).
 */
public final class LifeboatApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    /** A failure with HTTP status {@code status}, or 0 when no response came. */
    public LifeboatApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** A transport failure (no response). */
    public LifeboatApiException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
    }

    /** The HTTP status of the response, or 0 when there was none. */
    public int status() {
        return status;
    }
}
