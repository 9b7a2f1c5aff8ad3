package io.orderflow.platform.avro;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Plain Avro binary of a generated record, with no registry id: how the outbox stores an event
 * until the relay publishes it (so writing an order never needs the registry to be up).
 */
public final class AvroBinary {

    /** Generated classes carry Instants for timestamp-millis: the model must know the conversion. */
    static final SpecificData MODEL = new SpecificData();

    /** Made once per type, not per event: building a datum reader or writer walks the schema (thread-safe once built). */
    private static final Map<Schema, DatumWriter<SpecificRecord>> WRITERS = new ConcurrentHashMap<>();
    private static final Map<String, DatumReader<SpecificRecord>> READERS = new ConcurrentHashMap<>();

    static {
        MODEL.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
    }

    private AvroBinary() {
    }

    public static byte[] encode(SpecificRecord record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            WRITERS.computeIfAbsent(record.getSchema(), s -> new SpecificDatumWriter<>(s, MODEL)).write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decodes bytes written by {@link #encode} for the generated class named {@code fullName}. */
    public static SpecificRecord decode(String fullName, byte[] bytes) {
        DatumReader<SpecificRecord> reader = READERS.computeIfAbsent(fullName, name -> {
            Class<?> type = MODEL.getClass(Schema.createRecord(name, null, null, false));
            if (type == null || !SpecificRecord.class.isAssignableFrom(type)) {
                throw new IllegalArgumentException("No generated Avro class " + name);
            }
            Schema schema = MODEL.getSchema(type);
            return new SpecificDatumReader<>(schema, schema, MODEL);
        });
        try {
            return reader.read(null, DecoderFactory.get().binaryDecoder(bytes, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code eventId} every event of the flow carries: the dedupe key. */
    public static String eventId(SpecificRecord record) {
        Schema.Field field = record.getSchema().getField("eventId");
        if (field == null) {
            throw new IllegalArgumentException(record.getSchema().getFullName() + " has no eventId");
        }
        return String.valueOf(record.get(field.pos()));
    }
}
