package io.lifeboat.agent.hypervisor;

import io.lifeboat.protocol.v1.ErrorClass;
import io.lifeboat.protocol.v1.Failure;

import java.util.Objects;

/**
 * A driver failure, classified once where the native fault is seen (retriable, permanent, fatal), with a stable
 * code and a message naming what and where.
 */
public class HypervisorException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ErrorClass errorClass;
    private final String code;

    public HypervisorException(ErrorClass errorClass, String code, String message, Throwable cause) {
        super(message, cause);
        this.errorClass = Objects.requireNonNull(errorClass, "errorClass");
        this.code = Objects.requireNonNull(code, "code");
    }

    public HypervisorException(ErrorClass errorClass, String code, String message) {
        this(errorClass, code, message, null);
    }

    /** A permanent failure: the request cannot succeed as given. */
    public static HypervisorException permanent(String code, String message) {
        return new HypervisorException(ErrorClass.ERROR_CLASS_PERMANENT, code, message);
    }

    /** How to handle the failure. */
    public ErrorClass errorClass() {
        return errorClass;
    }

    /** Short lower_snake_case code, e.g. {@code no_such_guest}. */
    public String code() {
        return code;
    }

    /** Whether the same request may succeed later. */
    public boolean isRetriable() {
        return errorClass == ErrorClass.ERROR_CLASS_RETRIABLE;
    }

    /** The failure as it travels in events and command results. */
    public Failure toFailure() {
        return Failure.newBuilder().setErrorClass(errorClass).setCode(code)
                .setMessage(Objects.requireNonNullElse(getMessage(), code)).build();
    }
}
