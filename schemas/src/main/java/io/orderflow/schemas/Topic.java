package io.orderflow.schemas;

import java.util.List;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * A topic of the order flow: its name, the record types it carries and how it is kept.
 *
 * <p>Keys are always strings (the orderId, or the coupon code on the catalog). The value schema
 * registered under {@code <name>-value} is the union of the topic's record types, so one subject
 * per topic (Confluent's default TopicNameStrategy) describes every record on it, and adding a
 * type to a topic is a BACKWARD-compatible change.
 */
public final class Topic {

    private final String name;
    private final List<Schema> recordSchemas;
    private final Schema valueSchema;
    private final boolean compacted;

    private Topic(String name, boolean compacted, List<Schema> recordSchemas) {
        this.name = Objects.requireNonNull(name);
        this.compacted = compacted;
        this.recordSchemas = List.copyOf(recordSchemas);
        this.valueSchema = recordSchemas.size() == 1 ? recordSchemas.get(0) : Schema.createUnion(recordSchemas);
    }

    static Topic events(String name, Schema... recordSchemas) {
        return new Topic(name, false, List.of(recordSchemas));
    }

    static Topic compacted(String name, Schema recordSchema) {
        return new Topic(name, true, List.of(recordSchema));
    }

    public String name() {
        return name;
    }

    /** The writer schema for every value on this topic (a union when it carries several types). */
    public Schema valueSchema() {
        return valueSchema;
    }

    public List<Schema> recordSchemas() {
        return recordSchemas;
    }

    public boolean compacted() {
        return compacted;
    }

    /** Whether a record of this type may be written to this topic. */
    public boolean carries(SpecificRecord record) {
        return recordSchemas.stream().anyMatch(s -> s.getFullName().equals(record.getSchema().getFullName()));
    }

    public String valueSubject() {
        return name + "-value";
    }

    @Override
    public String toString() {
        return name;
    }
}
