package io.orderflow.platform.streams;

import io.orderflow.platform.consumer.DeadLetterHeaders;
import io.orderflow.platform.failure.FailureKind;
import io.orderflow.platform.failure.Failures;
import java.io.IOException;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsException;

/**
 * A dead letter of a Streams app: the source record's key and value bytes and headers, plus the
 * {@code dlt.*} headers of {@link DeadLetterHeaders} (original topic, partition, offset, exception, group),
 * so the {@code redrive} tool treats a Streams app's DLT like a consumer group's. Streams' own
 * {@code __streams.errors.*} headers would not tell redrive where the record came from.
 *
 * @param topic the DLT ({@code errors.dead.letter.queue.topic.name})
 * @param group the app's application id (its consumer group)
 */
record StreamsDeadLetter(String topic, String group) {

    /** From the Streams config a handler is configured with. */
    static StreamsDeadLetter from(Map<String, ?> configs) {
        Object dlt = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        Object app = configs.get(StreamsConfig.APPLICATION_ID_CONFIG);
        if (dlt == null || dlt.toString().isBlank()) {
            throw new IllegalArgumentException(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG
                    + " must name the dead-letter topic of " + app);
        }
        return new StreamsDeadLetter(dlt.toString(), String.valueOf(app));
    }

    ProducerRecord<byte[], byte[]> of(String sourceTopic, int partition, long offset, Headers sourceHeaders,
                                      byte[] key, byte[] value, Exception reason) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, key, value);
        // Streams retries nothing itself: a record reaches this handler on its first failure.
        DeadLetterHeaders.write(record.headers(), sourceHeaders, sourceTopic, partition, offset, reason,
                Failures.classify(reason), 1, group);
        return record;
    }

    /**
     * Whether a failure may pass if the record is tried again: what {@link Failures} calls transient
     * (registry or broker unreachable, a timeout), and Streams' own store and producer errors and I/O
     * (a full disk, RocksDB): never dead-lettered, the thread is replaced and retries. Poison (bytes that
     * are not the wire format, a schema id the registry does not know) is the record's fault.
     */
    static boolean isTransient(Throwable failure) {
        FailureKind kind = Failures.classify(failure);
        if (kind != FailureKind.UNKNOWN) {
            return kind == FailureKind.TRANSIENT;
        }
        for (Throwable c = failure; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof IOException || c instanceof StreamsException) {
                return true;
            }
        }
        return false;
    }
}
