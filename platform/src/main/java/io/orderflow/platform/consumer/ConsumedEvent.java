package io.orderflow.platform.consumer;

import org.apache.avro.specific.SpecificRecord;

/** One decoded record as a handler sees it. */
public record ConsumedEvent(String topic, int partition, long offset, String key, String eventId, SpecificRecord value) {

    /** The value as the expected type, or a {@link PoisonEventException} naming what arrived instead. */
    public <T extends SpecificRecord> T as(Class<T> type) {
        if (!type.isInstance(value)) {
            throw new PoisonEventException("Expected " + type.getSimpleName() + " on " + topic + " but got "
                    + value.getSchema().getFullName());
        }
        return type.cast(value);
    }
}
