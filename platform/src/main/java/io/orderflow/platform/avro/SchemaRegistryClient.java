package io.orderflow.platform.avro;

import org.apache.avro.Schema;

/**
 * The part of the Confluent Schema Registry API that the serde needs. Implementations cache: the
 * serde calls these on every record, so only the first call per schema or id may do I/O.
 */
public interface SchemaRegistryClient {

    /** Registers {@code schema} under {@code subject} (or finds it there) and returns its global id. */
    int register(String subject, Schema schema);

    /** The schema with this global id. */
    Schema schemaById(int id);
}
