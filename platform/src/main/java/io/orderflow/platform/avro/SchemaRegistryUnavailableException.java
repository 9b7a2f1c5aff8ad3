package io.orderflow.platform.avro;

import io.orderflow.platform.failure.TransientFailure;

/**
 * The registry could not be used, and nothing is known about the schema: no answer (refused, reset,
 * timed out), a 5xx, throttling, or an answer that is not the registry's (a refused credential, a URL
 * that is not a registry). Transient: the same call succeeds once the environment is fixed.
 */
public class SchemaRegistryUnavailableException extends SchemaRegistryException implements TransientFailure {

    private static final long serialVersionUID = 1L;

    public SchemaRegistryUnavailableException(String message, Throwable cause) {
        super(message, -1, -1, cause);
    }

    public SchemaRegistryUnavailableException(String message, int httpStatus, int errorCode) {
        super(message, httpStatus, errorCode, null);
    }
}
