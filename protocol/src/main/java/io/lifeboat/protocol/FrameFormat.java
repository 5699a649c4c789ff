package io.lifeboat.protocol;

/**
 * The frame layout of agent and coordinator TCP links: a 4-byte big-endian unsigned length, then that many bytes of
 * a serialized {@code lifeboat.v1.Envelope}.
 */
public final class FrameFormat {

    /** Size of the length prefix in bytes. */
    public static final int HEADER_BYTES = 4;

    /** Default maximum size of a frame's body (the serialized envelope), in bytes: 1 MiB. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 1 << 20;

    /** Largest maximum frame size a link may be configured with: 64 MiB. */
    public static final int LIMIT_MAX_FRAME_BYTES = 64 << 20;

    private FrameFormat() {
    }

    /**
     * Checks a configured maximum frame size.
     *
     * @param maxFrameBytes the configured maximum
     * @return {@code maxFrameBytes}
     * @throws IllegalArgumentException if it is below 1 or above {@link #LIMIT_MAX_FRAME_BYTES}
     */
    public static int requireValidMax(int maxFrameBytes) {
        if (maxFrameBytes < 1 || maxFrameBytes > LIMIT_MAX_FRAME_BYTES) {
            throw new IllegalArgumentException("maximum frame size " + maxFrameBytes + " bytes is outside 1.."
                    + LIMIT_MAX_FRAME_BYTES + " bytes");
        }
        return maxFrameBytes;
    }
}
