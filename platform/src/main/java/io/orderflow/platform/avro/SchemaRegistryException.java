package io.orderflow.platform.avro;

/** A registry call failed; carries the HTTP status and the Confluent error code when there was one. */
public class SchemaRegistryException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private final int httpStatus;
    private final int errorCode;

    public SchemaRegistryException(String message, int httpStatus, int errorCode) {
        super(message);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = -1;
        this.errorCode = -1;
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
