package io.lifeboat.coordinator.config;

/** A configuration file that cannot be used, with the file and the key at fault in the message. */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception; {@code message} names the file and the key. */
    public ConfigException(String message) {
        super(message);
    }

    /** Creates the exception with its cause. */
    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
