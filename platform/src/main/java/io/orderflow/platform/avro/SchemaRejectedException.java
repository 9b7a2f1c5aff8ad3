package io.orderflow.platform.avro;

import io.orderflow.platform.failure.PermanentFailure;

/**
 * The registry refused to register a schema: incompatible with the subject's earlier versions (409) or
 * invalid (422). Retrying the same schema changes nothing; an operator changes the schema or the subject.
 */
public class SchemaRejectedException extends SchemaRegistryException implements PermanentFailure {

    private static final long serialVersionUID = 1L;

    public SchemaRejectedException(String message, int httpStatus, int errorCode) {
        super(message, httpStatus, errorCode, null);
    }
}
