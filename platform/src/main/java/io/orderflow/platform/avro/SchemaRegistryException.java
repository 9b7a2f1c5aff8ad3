package io.orderflow.platform.avro;

/**
 * A registry call failed; carries the HTTP status and the Confluent error code when there was one. The
 * subclass says what it means: {@link SchemaRegistryUnavailableException} (retry), {@link
 * SchemaNotFoundException} or {@link SchemaRejectedException} (the schema itself: retrying changes nothing).
 */
public abstract class SchemaRegistryException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private final int httpStatus;
    private final int errorCode;

    protected SchemaRegistryException(String message, int httpStatus, int errorCode, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    /** HTTP status of the registry's answer, or -1 when none came (I/O error). */
    public int httpStatus() {
        return httpStatus;
    }

    /** Confluent error code (e.g. 40403 schema not found, 409 incompatible), or -1. */
    public int errorCode() {
        return errorCode;
    }
}
