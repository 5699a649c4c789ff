package io.lifeboat.protocol;

/** Thrown when bytes on a framed link are not a valid frame: oversized, truncated, or not an {@code Envelope}. */
public final class FrameException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message one line naming what is wrong and where
     */
    public FrameException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     *
     * @param message one line naming what is wrong and where
     * @param cause the underlying parse error
     */
    public FrameException(String message, Throwable cause) {
        super(message, cause);
    }
}
