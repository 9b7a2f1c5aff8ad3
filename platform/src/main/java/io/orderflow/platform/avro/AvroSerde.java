package io.orderflow.platform.avro;

import io.orderflow.schemas.Topic;
import io.orderflow.schemas.Topics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro values in the Confluent wire format: magic byte 0, the 4-byte big-endian schema id, then
 * Avro binary. Records written by it are read by Confluent's deserializer and Kafka UI, and the
 * other way round.
 *
 * <p>The writer schema of a topic of the flow is the topic's value schema from {@link Topics} (a
 * union when the topic carries several types), registered under {@code <topic>-value}. Any other
 * topic (Streams changelogs) is written with the record's own schema. The reader schema is always
 * this build's generated class, so a record written by an older or newer producer is resolved by
 * Avro's schema resolution. Ids and schemas are cached: the registry is called once per schema.
 *
 * <p>Failures say what they mean by type: {@link UndecodableRecordException} (these bytes can never be
 * read here), {@link SchemaRegistryUnavailableException} (try again later), {@link SchemaRejectedException}
 * (the registry refuses this build's schema for the topic).
 */
public final class AvroSerde implements Serde<SpecificRecord> {

    static final byte MAGIC_BYTE = 0;

    private final SchemaRegistryClient registry;
    private final Map<String, Integer> writerIds = new ConcurrentHashMap<>();
    private final Map<Schema, DatumWriter<Object>> writers = new ConcurrentHashMap<>();
    private final Map<Integer, DatumReader<Object>> readers = new ConcurrentHashMap<>();

    public AvroSerde(SchemaRegistryClient registry) {
        this.registry = registry;
    }

    @Override
    public Serializer<SpecificRecord> serializer() {
        return (topic, record) -> record == null ? null : serialize(topic, record);
    }

    @Override
    public Deserializer<SpecificRecord> deserializer() {
        return (topic, bytes) -> bytes == null ? null : deserialize(topic, bytes);
    }

    /** A serde for one record type, for Streams state stores and typed tests. */
    public <T extends SpecificRecord> Serde<T> forType(Class<T> type) {
        return org.apache.kafka.common.serialization.Serdes.serdeFrom(
                (topic, record) -> record == null ? null : serialize(topic, record),
                (topic, bytes) -> bytes == null ? null : type.cast(deserialize(topic, bytes)));
    }

    public byte[] serialize(String topic, SpecificRecord record) {
        Schema writerSchema = writerSchema(topic, record);
        // One writer schema per (topic, type) in a build: the key needs no schema hashing on the hot path.
        int id = writerIds.computeIfAbsent(topic + '\u0000' + writerSchema.getFullName(),
                k -> registry.register(topic + "-value", writerSchema));
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            out.write(MAGIC_BYTE);
            out.write(ByteBuffer.allocate(4).putInt(id).array());
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writers.computeIfAbsent(writerSchema, s -> new SpecificDatumWriter<>(s, AvroBinary.MODEL))
                    .write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Cannot serialize " + record.getSchema().getFullName() + " for topic " + topic, e);
        }
    }

    /**
     * Decodes a value written by {@link #serialize} (or by Confluent's serializer). Bytes that can never be
     * decoded here raise {@link UndecodableRecordException}; a registry that cannot be reached raises
     * {@link SchemaRegistryUnavailableException} (retry later: the bytes may be fine).
     */
    public SpecificRecord deserialize(String topic, byte[] bytes) {
        if (bytes.length < 5 || bytes[0] != MAGIC_BYTE) {
            throw new UndecodableRecordException("Not Confluent wire format (magic byte 0 + schema id) on topic " + topic);
        }
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        DatumReader<Object> reader;
        try {
            reader = readers.computeIfAbsent(id, this::readerFor);
        } catch (SchemaNotFoundException e) {
            throw new UndecodableRecordException("Schema id " + id + " on topic " + topic + " is not in the registry", e);
        }
        try {
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null);
            Object value = reader.read(null, decoder);
            if (!(value instanceof SpecificRecord)) {
                throw new UndecodableRecordException("Schema " + id + " on topic " + topic + " has no generated class here");
            }
            return (SpecificRecord) value;
        } catch (IOException | RuntimeException e) {
            if (e instanceof UndecodableRecordException) {
                throw (UndecodableRecordException) e;
            }
            throw new UndecodableRecordException("Cannot decode a record with schema id " + id + " on topic " + topic, e);
        }
    }

    private static Schema writerSchema(String topic, SpecificRecord record) {
        Topic known = Topics.byName(topic).orElse(null);
        if (known == null) {
            return record.getSchema();
        }
        if (!known.carries(record)) {
            throw new SerializationException(record.getSchema().getFullName() + " does not belong on topic " + topic);
        }
        return known.valueSchema();
    }

    private DatumReader<Object> readerFor(int id) {
        Schema writer = registry.schemaById(id);
        return new SpecificDatumReader<>(writer, readerSchema(writer), AvroBinary.MODEL);
    }

    /** This build's version of the writer's types: the generated class for each record of the writer schema. */
    private static Schema readerSchema(Schema writer) {
        if (writer.getType() == Schema.Type.UNION) {
            List<Schema> branches = new ArrayList<>();
            for (Schema branch : writer.getTypes()) {
                branches.add(readerSchema(branch));
            }
            return Schema.createUnion(branches);
        }
        if (writer.getType() == Schema.Type.RECORD) {
            Class<?> generated = AvroBinary.MODEL.getClass(writer);
            if (generated != null && SpecificRecord.class.isAssignableFrom(generated)) {
                return AvroBinary.MODEL.getSchema(generated);
            }
        }
        return writer;
    }
}
