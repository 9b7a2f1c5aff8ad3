package io.orderflow.platform.avro;

import io.orderflow.platform.failure.PermanentFailure;
import org.apache.kafka.common.errors.SerializationException;

/**
 * These bytes can never be decoded by this build: not the Confluent wire format, a schema id the registry
 * does not have, Avro that does not match its writer schema, or a type with no generated class here. A
 * consumer dead-letters such a record at once. (A registry that cannot be reached is not this: see
 * {@link SchemaRegistryUnavailableException}.)
 */
public class UndecodableRecordException extends SerializationException implements PermanentFailure {

    private static final long serialVersionUID = 1L;

    public UndecodableRecordException(String message) {
        super(message);
    }

    public UndecodableRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
