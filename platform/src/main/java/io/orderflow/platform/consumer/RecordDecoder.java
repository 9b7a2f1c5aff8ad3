package io.orderflow.platform.consumer;

import io.orderflow.platform.avro.AvroBinary;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/** Turns a polled record's bytes into the {@link ConsumedEvent} a handler sees. Failures are classified by the caller. */
final class RecordDecoder {

    private final Deserializer<SpecificRecord> deserializer;

    RecordDecoder(Deserializer<SpecificRecord> deserializer) {
        this.deserializer = deserializer;
    }

    ConsumedEvent decode(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            throw new PoisonEventException("Record has no value (tombstone) on an event topic");
        }
        SpecificRecord value = deserializer.deserialize(record.topic(), record.headers(), record.value());
        String eventId;
        try {
            eventId = AvroBinary.eventId(value);
        } catch (IllegalArgumentException e) {
            throw new PoisonEventException("Event without an eventId cannot be deduplicated", e);
        }
        return new ConsumedEvent(record.topic(), record.partition(), record.offset(), record.key(), eventId, value);
    }
}
