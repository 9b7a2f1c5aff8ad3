package io.orderflow.platform.avro;

import io.orderflow.platform.failure.PermanentFailure;

/** The registry answered that it has no schema with this id (Confluent error 40403): a record naming it can never be read. */
public class SchemaNotFoundException extends SchemaRegistryException implements PermanentFailure {

    private static final long serialVersionUID = 1L;

    public SchemaNotFoundException(String message, int httpStatus, int errorCode) {
        super(message, httpStatus, errorCode, null);
    }
}
