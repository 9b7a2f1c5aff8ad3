package io.orderflow.platform.avro;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;

/**
 * A registry held in memory, for unit tests of pure logic (TopologyTestDriver). It checks no
 * compatibility; integration tests use the embedded registry of {@code devstack} instead.
 */
public final class InMemorySchemaRegistryClient implements SchemaRegistryClient {

    private final Map<Schema, Integer> ids = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(1);

    @Override
    public int register(String subject, Schema schema) {
        return ids.computeIfAbsent(schema, s -> {
            int id = nextId.getAndIncrement();
            schemas.put(id, s);
            return id;
        });
    }

    @Override
    public Schema schemaById(int id) {
        Schema schema = schemas.get(id);
        if (schema == null) {
            throw new SchemaNotFoundException("Schema " + id + " not found", 404, 40403);
        }
        return schema;
    }
}
